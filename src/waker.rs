//! Wakers: how a `Waker` finds its task, from this thread or any other.
//!
//! `std::task::Waker` is `Send + Sync`, so whatever a waker points to must
//! be too, while tasks themselves are `!Send`. So a task's waker holds no
//! part of the task: only its slot key, its id, and an `Arc` of the
//! runtime's [`Shared`] part, the one piece of a runtime that other threads
//! may touch. [`futures_task::ArcWake`] turns that `Arc` into a `Waker`
//! without a hand-written vtable.
//!
//! Waking takes one of two paths:
//!
//! * **Local** (the common case): woken on the executor's own thread while
//!   its `block_on` runs. The thread-local current runtime is this one, so
//!   the task is put on the run queue directly: a thread-local read, a
//!   `RefCell` borrow and a `VecDeque` push, no atomics.
//! * **Remote**: woken from another thread (or on this thread while the
//!   runtime is not running). The `(key, id)` pair goes into a locked inbox
//!   and the executor's thread is unparked; the executor moves the inbox
//!   into its run queue between batches.
//!
//! # Why no wakeup is lost
//!
//! A remote wake does three things in this order: push to the inbox,
//! set `notified`, unpark the executor's thread. Before parking, the
//! executor loads `notified`. Either that load comes after the store (it
//! sees `true`, drains the inbox and does not park), or it comes before,
//! in which case the unpark comes after the load too: `Thread::unpark`
//! leaves a token when the thread is not parked yet, so the coming `park`
//! returns at once. Either way the executor gets to the inbox.
//!
//! # After the runtime is gone
//!
//! Shutting down closes the inbox (`None`); a remote wake then does
//! nothing. A local wake cannot happen, because the runtime is no longer
//! current on any thread. A waker woken twice, or after its task finished
//! and its slot was reused, is ignored by the scheduler: the slot's task id
//! no longer matches the waker's.
//!
//! Read next: `task.rs` (what the scheduler does with a wake).

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread, ThreadId};

use futures_task::ArcWake;

use crate::context;
use crate::task::{Payload, TaskId};

/// A wake that came through the inbox.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteWake {
    /// The task's slot.
    pub(crate) key: usize,
    /// The task's id.
    pub(crate) id: TaskId,
    /// The waking thread, recorded only when the runtime traces.
    pub(crate) from: Option<ThreadId>,
}

/// The part of a runtime that other threads may touch.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Wakes from other threads, oldest first; `None` once the runtime is
    /// shut down.
    inbox: Mutex<Option<Vec<RemoteWake>>>,
    /// Set after a push to the inbox and cleared by the executor before it
    /// drains it, so an idle check costs one atomic load, not a lock.
    notified: AtomicBool,
    /// The executor's thread, to unpark.
    thread: Thread,
    /// Whether to record the waking thread of each remote wake (tracing).
    trace: bool,
}

impl Shared {
    /// The shared part of a runtime that runs on the calling thread.
    pub(crate) fn new(trace: bool) -> Self {
        Shared {
            inbox: Mutex::new(Some(Vec::new())),
            notified: AtomicBool::new(false),
            thread: thread::current(),
            trace,
        }
    }

    /// Queues a wake from outside the executor and unparks it.
    ///
    /// Returns `false` if the runtime is gone and the wake was dropped.
    pub(crate) fn send(&self, key: usize, id: TaskId) -> bool {
        {
            let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(inbox) = inbox.as_mut() else {
                return false;
            };
            let from = self.trace.then(|| thread::current().id());
            inbox.push(RemoteWake { key, id, from });
        }
        // Order matters: push, then flag, then unpark (see the module docs).
        self.notified.store(true, Ordering::Release);
        self.thread.unpark();
        true
    }

    /// Whether a remote wake is waiting in the inbox.
    #[inline]
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Moves the inbox's wakes into `out` (which the caller keeps to reuse
    /// its memory). Cheap when nobody sent anything.
    pub(crate) fn drain_into(&self, out: &mut Vec<RemoteWake>) {
        if !self.notified.swap(false, Ordering::Acquire) {
            return;
        }
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(inbox) = inbox.as_mut() {
            std::mem::swap(inbox, out);
        }
    }

    /// Closes the inbox: from now on remote wakes do nothing.
    pub(crate) fn close(&self) {
        let closed = self
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(closed);
    }
}

/// The data behind one task's `Waker`.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    /// The runtime the task belongs to.
    shared: Arc<Shared>,
    /// The task's slot in the runtime's slab.
    key: usize,
    /// The task's id: tells it from a later task reusing the same slot.
    id: TaskId,
}

impl TaskWaker {
    /// The waker data for task `id` in slot `key`.
    pub(crate) fn new(shared: Arc<Shared>, key: usize, id: TaskId) -> Self {
        TaskWaker { shared, key, id }
    }

    /// Points an unshared waker at a new task (the caller holds the only
    /// reference, so no other thread can be reading it).
    pub(crate) fn reuse(&mut self, key: usize, id: TaskId) {
        self.key = key;
        self.id = id;
    }
}

impl ArcWake for TaskWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        let TaskWaker { shared, key, id } = &**arc_self;
        if !context::schedule_local(shared, *key, *id) {
            // Dropped silently if the runtime is gone: nothing is left to run.
            shared.send(*key, *id);
        }
    }
}

/// Wakes each of `items` with `wake`, in order, even if some wakes panic,
/// and returns the first panic's payload for the caller to raise again once
/// its own books are straight.
///
/// A `Waker` may come from any executor, so waking it runs foreign code
/// that may panic. Whoever wakes a batch (`Event::set`, the timer driver)
/// has already taken every waker off its list; stopping at the first panic
/// would strand the rest, which nobody would ever wake.
pub(crate) fn wake_all<T>(
    items: impl IntoIterator<Item = T>,
    mut wake: impl FnMut(T),
) -> Option<Payload> {
    let mut first = None;
    for item in items {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| wake(item))) {
            first.get_or_insert(payload);
        }
    }
    first
}
