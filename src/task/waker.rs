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
//! Read next: `state.rs`.

use std::sync::Arc;

use futures_task::ArcWake;

use super::id::{TaskId, TaskKey};

/// What waking a task does; implemented by the runtime.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Task `(key, id)` was woken, from any thread.
    fn schedule(&self, key: TaskKey, id: TaskId);
}

/// The data behind one task's `Waker`.
#[derive(Debug)]
pub(crate) struct TaskWaker<S> {
    /// Where a wake goes.
    schedule: Arc<S>,
    /// The task's slot.
    key: TaskKey,
    /// The task's id: tells it from a later task in the same slot.
    id: TaskId,
}

impl<S> TaskWaker<S> {
    /// The waker data for task `id` in slot `key`.
    pub(crate) fn new(schedule: Arc<S>, key: TaskKey, id: TaskId) -> Self {
        TaskWaker { schedule, key, id }
    }

    /// Points an unshared waker at a new task (the caller holds the only
    /// reference, so no other thread can be reading it).
    pub(crate) fn reuse(&mut self, key: TaskKey, id: TaskId) {
        self.key = key;
        self.id = id;
    }
}

impl<S: Schedule> ArcWake for TaskWaker<S> {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.schedule.schedule(arc_self.key, arc_self.id);
    }
}
