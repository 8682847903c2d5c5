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
//! # One post per task: the "in the inbox" flag
//!
//! std allows a waker to be woken any number of times, and another thread
//! may do so in a tight loop. If every remote wake posted an entry, the
//! inbox would grow without bound between two drains (a million wakes of
//! one task during one long poll held 24 MB). So each task's waker has an
//! `in_inbox` flag (`task/waker.rs`): a remote wake sets it with a swap
//! and posts only if it was clear; the executor clears it when it takes
//! the post out. A task is in the inbox at most once, and the inbox never
//! holds more entries than there are tasks. The flag is not cleared when
//! the task is polled: the post may still be in the inbox then, and
//! clearing would let a second one in. Memory stays flat too: the buffer
//! the executor drains into is let go once it has grown past
//! [`KEPT_CAPACITY`] entries, so a past storm does not keep its peak.
//!
//! # Why no wakeup is lost
//!
//! Two handshakes, one per flag.
//!
//! **The task's `in_inbox`.** A remote wake `W` of a task whose waking
//! thread has just written some data (say, set a flag the task checks):
//!
//! 1. `W` swaps `in_inbox` to `true` with `Release`. If it was `false`, `W`
//!    posts the task itself (below). If it was `true`, `W` posts nothing:
//!    a post `P` is in the inbox, or about to be (its poster is between its
//!    swap and its push), and the executor has not yet cleared the flag
//!    for it.
//! 2. The executor takes `P` out and clears `in_inbox` with an `Acquire`
//!    swap, *then* wakes the task in the table, which queues it to be
//!    polled. A swap reads the latest value of the flag, so if `W`'s swap
//!    came first, the executor's swap reads `W`'s write (or a later one),
//!    synchronizes with it, and the poll that follows sees `W`'s data. If
//!    `W`'s swap came after the clear, it read `false` and `W` posts anew.
//!
//! Clearing before waking is what makes this work: cleared after, a wake
//! landing between the table wake and the clear could be folded into a
//! post that has already been consumed.
//!
//! **The runtime's `notified`.** A posting wake does three things in this
//! order: push to the inbox (under its lock), set `notified` (`Release`),
//! unpark the executor's thread. Before parking, the executor loads
//! `notified` (`Acquire`). Either that load comes after the store (it sees
//! `true`, drains the inbox and does not park), or it comes before, in
//! which case the unpark comes after the load too: `Thread::unpark` leaves
//! a token when the thread is not parked yet, so the coming `park` returns
//! at once. Either way the executor gets to the inbox. With the `net`
//! feature the executor may sleep in the reactor instead, and the unpark
//! also wakes the reactor's `mio::Waker`, which keeps the same promise
//! (`park.rs`).
//!
//! # After the runtime is gone
//!
//! Shutting down closes the inbox (`None`); a remote wake then does
//! nothing. A local wake cannot happen, because the runtime is no longer
//! current on any thread.
//!
//! Read next: `context.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};

use super::context;
use super::park::Unparker;
use crate::task::{Schedule, TaskWaker};

/// The drained buffer is let go once a drain finds it grown past this many
/// entries (16 bytes each): enough for every wake of a busy turn without
/// reallocating, and a storm's peak is not kept for the runtime's life.
pub(crate) const KEPT_CAPACITY: usize = 1024;

/// A wake that came through the inbox.
#[derive(Debug)]
pub(crate) struct RemoteWake {
    /// The task's waker, its `in_inbox` flag set.
    pub(crate) waker: Arc<TaskWaker<Remote>>,
    /// The waking thread, recorded only when the runtime traces.
    pub(crate) from: Option<Thread>,
}

/// The part of a runtime that other threads may touch.
#[derive(Debug)]
pub(crate) struct Remote {
    /// Wakes from outside the running executor, oldest first, at most one
    /// per task; `None` once the runtime is shut down.
    inbox: Mutex<Option<Vec<RemoteWake>>>,
    /// Set after a push to the inbox and cleared by the executor before it
    /// drains it, so an idle check costs one atomic load, not a lock.
    notified: AtomicBool,
    /// Wakes the executor's thread wherever it sleeps (`park.rs`).
    unparker: Arc<Unparker>,
    /// Whether to record the waking thread of each remote wake (tracing).
    trace: bool,
}

impl Remote {
    /// The remote part of a runtime that runs on the calling thread.
    pub(crate) fn new(trace: bool, unparker: Arc<Unparker>) -> Self {
        Remote {
            inbox: Mutex::new(Some(Vec::new())),
            notified: AtomicBool::new(false),
            unparker,
            trace,
        }
    }

    /// Posts the task of `waker` to the inbox, unless it is there already,
    /// and unparks the executor.
    ///
    /// Returns `false` if the runtime is gone and the wake was dropped.
    pub(crate) fn send(&self, waker: &Arc<TaskWaker<Remote>>) -> bool {
        if !waker.enter_inbox() {
            // Already posted and not yet taken out: that post stands for
            // this wake too (see the module docs).
            return true;
        }
        {
            let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(inbox) = inbox.as_mut() else {
                return false;
            };
            let from = self.trace.then(thread::current);
            inbox.push(RemoteWake {
                waker: waker.clone(),
                from,
            });
        }
        // Order matters: push, then flag, then unpark (see the module docs).
        self.notified.store(true, Ordering::Release);
        self.unparker.unpark();
        true
    }

    /// Whether a remote wake is waiting in the inbox.
    #[inline]
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Moves the inbox's wakes into `out` (empty; the caller keeps it to
    /// reuse its memory). Cheap when nobody sent anything. The caller
    /// clears each waker's `in_inbox` before it wakes the task.
    pub(crate) fn drain_into(&self, out: &mut Vec<RemoteWake>) {
        if !self.notified.swap(false, Ordering::Acquire) {
            return;
        }
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(inbox) = inbox.as_mut() {
            std::mem::swap(inbox, out);
        }
    }

    /// Closes the inbox: from now on remote wakes do nothing. The posts
    /// still in it are dropped (each holds its task's waker, which holds
    /// this `Remote`: dropping them breaks that cycle).
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
    fn schedule(waker: &Arc<TaskWaker<Remote>>) {
        let remote = waker.schedule();
        if !context::schedule_local(remote, waker.key(), waker.id()) {
            // Dropped silently if the runtime is gone: nothing is left to run.
            remote.send(waker);
        }
    }
}
