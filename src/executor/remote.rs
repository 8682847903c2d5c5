//! What a wake does: the runtime's side of a task's waker.
//!
//! A task's waker (`task/waker.rs`) carries a slot key, an id and an `Arc`
//! of this [`Remote`], the one part of a runtime other threads may touch;
//! waking it calls [`Schedule::schedule`] here. This is where the runtime
//! decides between two paths:
//!
//! * **Local** (the common case): woken on the executor's own thread while
//!   its `block_on` runs. The thread-local current runtime is this one, so
//!   the task goes straight onto the run queue (`context::schedule_local`):
//!   a thread-local read, a `RefCell` borrow and a `VecDeque` push, no
//!   atomics.
//! * **Remote**: woken from another thread (or on this thread while the
//!   runtime is not running). The `(key, id)` pair goes into a locked inbox
//!   and the executor's thread is unparked; the loop moves the inbox into
//!   the run queue between batches, and at the start of each `block_on`.
//!
//! A task woken twice runs once either way: the table queues a task only
//! from the IDLE state (a second wake finds it SCHEDULED), and a wake whose
//! id no longer matches its slot is stale and ignored (`task/table.rs`).
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
//! current on any thread.
//!
//! Read next: `context.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, Thread, ThreadId};

use super::context;
use crate::task::{Schedule, TaskId, TaskKey};

/// A wake that came through the inbox.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteWake {
    /// The task's slot.
    pub(crate) key: TaskKey,
    /// The task's id.
    pub(crate) id: TaskId,
    /// The waking thread, recorded only when the runtime traces.
    pub(crate) from: Option<ThreadId>,
}

/// The part of a runtime that other threads may touch.
#[derive(Debug)]
pub(crate) struct Remote {
    /// Wakes from outside the running executor, oldest first; `None` once
    /// the runtime is shut down.
    inbox: Mutex<Option<Vec<RemoteWake>>>,
    /// Set after a push to the inbox and cleared by the executor before it
    /// drains it, so an idle check costs one atomic load, not a lock.
    notified: AtomicBool,
    /// The executor's thread, to unpark.
    thread: Thread,
    /// Whether to record the waking thread of each remote wake (tracing).
    trace: bool,
}

impl Remote {
    /// The remote part of a runtime that runs on the calling thread.
    pub(crate) fn new(trace: bool) -> Self {
        Remote {
            inbox: Mutex::new(Some(Vec::new())),
            notified: AtomicBool::new(false),
            thread: thread::current(),
            trace,
        }
    }

    /// Queues a wake from outside the executor and unparks it.
    ///
    /// Returns `false` if the runtime is gone and the wake was dropped.
    pub(crate) fn send(&self, key: TaskKey, id: TaskId) -> bool {
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

impl Schedule for Remote {
    fn schedule(&self, key: TaskKey, id: TaskId) {
        if !context::schedule_local(self, key, id) {
            // Dropped silently if the runtime is gone: nothing is left to run.
            self.send(key, id);
        }
    }
}
