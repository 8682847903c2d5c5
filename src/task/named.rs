//! Wakes by name: what a waiter line, a timer or a join handle keeps
//! instead of a clone of the waker when that waker is the one the executor
//! handed the poll in progress.
//!
//! Every `Pending` future keeps something to wake its task with. A clone of
//! the task's waker costs an atomic increment, an atomic decrement when it
//! is woken or dropped, and, while a task is parked, a waker allocation of
//! its own. But a future polled by a looplet task is almost always polled
//! with that task's own waker, and then the task's *name* says the same
//! thing: its runtime's number, its slot and its id ([`TaskName`]). A
//! [`Wake`] is either: a name when [`Wake::of`] sees the poll's own waker,
//! a clone otherwise (a combinator's waker, another executor's, a test's).
//!
//! # How a waker is recognised
//!
//! Around each poll the executor records, in a thread-local, which task it
//! is polling and the data and vtable pointers of the waker it hands that
//! poll ([`poll_starts`], cleared by [`poll_ends`] after the poll). A waker
//! with the same two pointers is that waker: it would wake that task.
//! Nothing outside a poll is ever recognised, so a name is only made on
//! the thread the task runs on, for the runtime polling it.
//!
//! # How a name is woken
//!
//! [`Wake::wake`] on a name calls the function the executor installed on
//! this thread ([`install`]): it finds the runtime by its number (the one
//! running, or else a registry of this thread's runtimes), and queues the
//! task if its slot still holds that id, exactly as the waker would have.
//! A name can only be woken on the thread that made it: the waiter lines
//! and sleeps that keep one are `!Send`, and the timers of a runtime fire
//! on its own thread. A name whose runtime is gone wakes nobody, as a
//! waker of a dropped runtime does.
//!
//! What this costs in clarity: a waiter no longer holds "a waker" but one
//! of two things, and the executor keeps a per-poll record. What it buys
//! (`docs/performance.md`): no atomic operation per wait or wake on the
//! common path, and a parked task holds no waker of its own, so its waker
//! goes back to the table for the next poll to reuse.
//!
//! Read next: `cell.rs`.

use std::cell::Cell;
use std::fmt;
use std::task::{RawWakerVTable, Waker};

use super::id::{TaskId, TaskKey};

/// A task of a runtime on this thread: what a [`Wake::Task`] wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskName {
    /// The runtime's number on this thread (never reused on a thread).
    pub(crate) runtime: u32,
    /// The task's slot.
    pub(crate) key: TaskKey,
    /// The task's id: a slot reused by a later task does not answer to it.
    pub(crate) id: TaskId,
}

thread_local! {
    /// The waker of the poll in progress on this thread, if the executor is
    /// polling: its data and vtable pointers (both null between polls)...
    static POLLED_WAKER: Cell<(*const (), *const RawWakerVTable)> =
        const { Cell::new((std::ptr::null(), std::ptr::null())) };
    /// ... and whose poll it is. Two cells, not one record: the common
    /// question, "is this the poll's waker?", reads two words, not the
    /// whole record (callgrind counts the same either way).
    static POLLED_NAME: Cell<TaskName> = const {
        Cell::new(TaskName { runtime: 0, key: TaskKey(0), id: TaskId(0) })
    };
    /// How the executor wakes a name on this thread.
    static WAKE_NAMED: Cell<Option<fn(TaskName)>> = const { Cell::new(None) };
}

/// Records that the poll of `name` with `waker` is about to start.
#[inline]
pub(crate) fn poll_starts(name: TaskName, waker: &Waker) {
    POLLED_NAME.set(name);
    POLLED_WAKER.set((waker.data(), waker.vtable()));
}

/// Records that the poll in progress has ended.
#[inline]
pub(crate) fn poll_ends() {
    POLLED_WAKER.set((std::ptr::null(), std::ptr::null()));
}

/// The task whose poll is in progress on this thread, if `waker` is the
/// waker that poll was handed.
#[inline]
fn polled_with(waker: &Waker) -> Option<TaskName> {
    let (data, vtable) = POLLED_WAKER.get();
    // Between polls both are null, and no waker's vtable pointer is.
    let matches = std::ptr::eq(vtable, waker.vtable()) && std::ptr::eq(data, waker.data());
    matches.then(|| POLLED_NAME.get())
}

/// Tells this thread how to wake a [`TaskName`]: the executor calls this
/// as it makes a runtime, before any name can exist.
pub(crate) fn install(wake: fn(TaskName)) {
    WAKE_NAMED.set(Some(wake));
}

/// Who to wake: a task named, or a waker kept.
pub(crate) enum Wake {
    /// The task being polled when this was made, by name.
    Task(TaskName),
    /// Any other waker, cloned.
    Waker(Waker),
}

impl Wake {
    /// Who `waker` wakes: the polled task by name if `waker` is the one its
    /// poll was handed, else a clone of `waker` (which runs the waker's own
    /// code: call it with no borrow held that a waker might need).
    #[inline]
    pub(crate) fn of(waker: &Waker) -> Wake {
        Wake::named(waker).unwrap_or_else(|| Wake::Waker(waker.clone()))
    }

    /// The polled task by name if `waker` is the one its poll was handed;
    /// `None` otherwise. Runs no foreign code, so a caller may hold a
    /// borrow across it that [`Wake::of`]'s clone would have to let go of.
    #[inline]
    pub(crate) fn named(waker: &Waker) -> Option<Wake> {
        polled_with(waker).map(Wake::Task)
    }

    /// Whether this already wakes whoever `waker` wakes, so a re-poll with
    /// `waker` need not replace it.
    #[inline]
    pub(crate) fn wakes_alike(&self, waker: &Waker) -> bool {
        match self {
            Wake::Task(name) => polled_with(waker) == Some(*name),
            Wake::Waker(mine) => mine.will_wake(waker),
        }
    }

    /// Wakes the task named, or the waker kept.
    #[inline]
    pub(crate) fn wake(self) {
        match self {
            Wake::Task(name) => wake_named(name),
            Wake::Waker(waker) => waker.wake(),
        }
    }
}

/// Wakes `name` through the executor's function for this thread.
#[inline]
fn wake_named(name: TaskName) {
    // A name is made only inside a poll, which only the executor starts,
    // after installing its function: it is there.
    if let Some(wake) = WAKE_NAMED.get() {
        wake(name);
    }
}

impl fmt::Debug for Wake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wake::Task(name) => f.debug_tuple("Task").field(name).finish(),
            Wake::Waker(waker) => f.debug_tuple("Waker").field(waker).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_task::{ArcWake, noop_waker, waker};

    use super::*;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl ArcWake for Count {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    const NAME: TaskName = TaskName {
        runtime: 9,
        key: TaskKey(3),
        id: TaskId(7),
    };

    #[test]
    fn only_the_polled_tasks_own_waker_is_kept_by_name() {
        let own = waker(Arc::new(Count::default()));
        let other = waker(Arc::new(Count::default()));
        poll_starts(NAME, &own);
        let by_name = Wake::of(&own.clone());
        assert!(matches!(by_name, Wake::Task(name) if name == NAME));
        assert!(by_name.wakes_alike(&own));
        assert!(!by_name.wakes_alike(&other));
        assert!(matches!(Wake::of(&other), Wake::Waker(_)));
        // Another task's poll with the same waker does not answer to it.
        poll_starts(
            TaskName {
                id: TaskId(8),
                ..NAME
            },
            &own,
        );
        assert!(!by_name.wakes_alike(&own));
        // Outside a poll nothing is recognised.
        poll_ends();
        assert!(matches!(Wake::of(&own), Wake::Waker(_)));
        assert!(!by_name.wakes_alike(&own));
        let cloned = Wake::of(&other);
        assert!(cloned.wakes_alike(&other));
        assert!(!cloned.wakes_alike(&noop_waker()));
    }

    #[test]
    fn a_name_wakes_through_the_installed_function_and_a_clone_wakes_its_waker() {
        thread_local! {
            static WOKEN: Cell<Option<TaskName>> = const { Cell::new(None) };
        }
        install(|name| WOKEN.set(Some(name)));
        Wake::Task(NAME).wake();
        assert_eq!(WOKEN.get(), Some(NAME));
        let count = Arc::new(Count::default());
        Wake::Waker(waker(count.clone())).wake();
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
    }
}
