//! A task's waker: the `(key, id)` pair of its slot, and whatever the
//! runtime says a wake should do.
//!
//! `std::task::Waker` must be `Send + Sync`, while tasks are not, so a
//! waker holds no part of the task: only its slot key, its id, and an
//! `Arc` of a [`Schedule`], the one part of a runtime that other threads
//! may touch. [`futures_task::ArcWake`] turns that into a `Waker` without a
//! hand-written vtable.
//!
//! What a wake *does* (put the task on the run queue when woken on the
//! runtime's own thread, or post it to a locked inbox and unpark the
//! runtime's thread when woken from another) is the runtime's business,
//! not this layer's: the runtime implements [`Schedule`] (see
//! `executor/remote.rs`), the safe counterpart of the `Schedule` trait
//! through which tokio's and async-task's task layers call their
//! schedulers. So this layer never names the runtime, and its tests can
//! plug in a `Schedule` that only records.
//!
//! # The "in the inbox" flag
//!
//! A runtime's wakes from other threads go through a locked inbox, and
//! std lets a waker be woken any number of times. So each waker carries
//! one `AtomicBool`, `in_inbox`, the runtime's to use: set by a remote
//! wake that posts the task ([`TaskWaker::enter_inbox`]), cleared when the
//! runtime takes that post out ([`TaskWaker::leave_inbox`]). Wakes in
//! between find it set and post nothing, so a task is in the inbox at most
//! once however often it is woken (tokio and async-task keep a "notified"
//! bit per task for the same reason). Why no wakeup is lost is spelled
//! out in `executor/remote.rs`.
//!
//! Read next: `state.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use futures_task::ArcWake;

use super::id::{TaskId, TaskKey};

/// What waking a task does; implemented by the runtime.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// The task of `waker` was woken, from any thread.
    fn schedule(waker: &Arc<TaskWaker<Self>>);
}

/// The data behind one task's `Waker`.
#[derive(Debug)]
pub(crate) struct TaskWaker<S> {
    /// Where a wake goes.
    schedule: Arc<S>,
    /// The task's slot (a `TaskKey`). Atomic only so that
    /// [`TaskWaker::reuse`] can rewrite it through a shared reference:
    /// every access is a relaxed load or store, a plain `mov`.
    key: AtomicU32,
    /// The task's id (a `TaskId`): tells it from a later task in the same
    /// slot. Atomic for the same reason as `key`.
    id: AtomicU64,
    /// Whether a wake of this task waits in the runtime's inbox (see the
    /// module docs).
    in_inbox: AtomicBool,
}

impl<S> TaskWaker<S> {
    /// The waker data for task `id` in slot `key`.
    pub(crate) fn new(schedule: Arc<S>, key: TaskKey, id: TaskId) -> Self {
        TaskWaker {
            schedule,
            key: AtomicU32::new(key.0),
            id: AtomicU64::new(id.0),
            in_inbox: AtomicBool::new(false),
        }
    }

    /// Points an unshared waker at a new task. The caller must hold the
    /// only reference (the table checks `Arc::strong_count`, then an
    /// acquire fence, before it rewrites a waker: `TaskTable::lend_waker`
    /// for a spare, `TaskTable::give_back_waker` for the loose one), so no
    /// other thread can be reading it and no inbox holds it.
    ///
    /// Through `&self`, with relaxed stores, rather than through
    /// `Arc::get_mut`: `get_mut` proves the waker unshared with a
    /// compare-and-swap, which on x86 waits for every earlier store to
    /// reach the cache, once per task's first poll. Minimum of 15 runs,
    /// median of six interleaved rounds (`benches/examples/scaling.rs`,
    /// 100,000 tasks): `spawn_join` 98.7 ns per task with `get_mut`,
    /// 90.5 with relaxed stores. The cost in clarity: "unshared" is checked
    /// by the table, not by the type system.
    pub(crate) fn reuse(&self, key: TaskKey, id: TaskId) {
        self.key.store(key.0, Ordering::Relaxed);
        self.id.store(id.0, Ordering::Relaxed);
        self.in_inbox.store(false, Ordering::Relaxed);
    }

    /// Where a wake goes.
    #[inline]
    pub(crate) fn schedule(&self) -> &S {
        &self.schedule
    }

    /// The task's slot.
    #[inline]
    pub(crate) fn key(&self) -> TaskKey {
        TaskKey(self.key.load(Ordering::Relaxed))
    }

    /// The task's id.
    #[inline]
    pub(crate) fn id(&self) -> TaskId {
        TaskId(self.id.load(Ordering::Relaxed))
    }

    /// A remote wake is about to post the task to the inbox: marks it
    /// there. `false` if it already was (the wake then posts nothing: the
    /// post already there stands for it).
    ///
    /// `Release`: a runtime that clears the flag later (an acquire swap,
    /// which reads this write or a later one) sees everything the waking
    /// thread did before this wake, even when this wake posts nothing.
    #[inline]
    pub(crate) fn enter_inbox(&self) -> bool {
        !self.in_inbox.swap(true, Ordering::Release)
    }

    /// The runtime took this task's post out of the inbox: clears the mark,
    /// and must do so *before* it makes the task runnable. Returns the
    /// task's slot and id.
    #[inline]
    pub(crate) fn leave_inbox(&self) -> (TaskKey, TaskId) {
        self.in_inbox.swap(false, Ordering::Acquire);
        (self.key(), self.id())
    }

    /// Whether a post of this task waits in the inbox (for tests).
    #[cfg(test)]
    pub(crate) fn is_in_inbox(&self) -> bool {
        self.in_inbox.load(Ordering::Relaxed)
    }
}

impl<S: Schedule> ArcWake for TaskWaker<S> {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        S::schedule(arc_self);
    }
}
