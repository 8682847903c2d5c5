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
//!   a thread-local read, a `RefCell` borrow and a ring-buffer push, no
//!   atomics.
//! * **Remote**: woken from another thread (or on this thread while the
//!   runtime is not running). The `(key, id)` pair goes into a locked inbox
//!   and the executor's thread is unparked; the loop moves the inbox into
//!   the run queue between batches, and at the start of each `block_on`.
//!
//! The same inbox carries remote spawns ([`Handle::spawn`](crate::Handle::spawn),
//! `handle/mod.rs`): a `Send` closure that the loop runs on its own thread, in
//! the order the posts arrived, where it builds the task's `!Send` future
//! and spawns it. A remote spawn has no "in the inbox" flag: each is new
//! work, and the inbox holds as many as were sent.
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
//! then also wakes the reactor's `mio::Waker`, which keeps the same
//! promise (`park.rs`).
//!
//! # After the runtime is gone
//!
//! Shutting down closes the inbox (`None`); a remote wake then does
//! nothing. A local wake cannot happen, because the runtime is no longer
//! current on any thread.
//!
//! Read next: `context.rs`.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};

use super::context;
use super::core::Core;
use super::park::Unparker;
use crate::task::{Schedule, TaskWaker};
use crate::util::panic::{Payload, each_catching};

/// The drained buffer is let go once a drain finds it grown past this many
/// entries (16 bytes each): enough for every wake of a busy turn without
/// reallocating, and a storm's peak is not kept for the runtime's life.
pub(crate) const KEPT_CAPACITY: usize = 1024;

/// What other threads post to the inbox.
#[derive(Debug)]
pub(crate) enum Post {
    /// A task's waker was woken.
    Wake(RemoteWake),
    /// A [`Handle::spawn`](crate::Handle::spawn) arrived.
    Spawn(RemoteSpawn),
    /// Something to run on the runtime's thread (a remote cancel).
    Run(RemoteJob),
}

/// A remote spawn's order, as the inbox sees it: a recipe for a task and
/// the slot its output goes back through, in one allocation (`handle/mod.rs`).
pub(crate) trait Deliver: Send + Sync {
    /// On the runtime's thread, inside `block_on`: builds the future and
    /// spawns it. Never panics: a panic of the user's closure is caught
    /// and reported through the order's slot.
    fn deliver(self: Arc<Self>, core: &Rc<Core>);
    /// The order will never be delivered (the runtime is gone): report
    /// the spawn cancelled.
    fn abandon(&self);
}

/// A remote spawn on its way to the runtime's thread. Dropped undelivered
/// (refused by a closed inbox, or dropped with it), it abandons its order,
/// so the sender learns that the spawn was cancelled.
pub(crate) struct RemoteSpawn {
    /// The order, until delivered.
    order: Option<Arc<dyn Deliver>>,
    /// The sending thread, recorded only when the runtime traces.
    pub(crate) from: Option<Thread>,
}

impl RemoteSpawn {
    /// Delivers the order on the runtime's thread.
    pub(crate) fn deliver(mut self, core: &Rc<Core>) {
        if let Some(order) = self.order.take() {
            order.deliver(core);
        }
    }
}

impl Drop for RemoteSpawn {
    fn drop(&mut self) {
        if let Some(order) = self.order.take() {
            order.abandon();
        }
    }
}

impl std::fmt::Debug for RemoteSpawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSpawn")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A closure to run on the runtime's thread, given the runtime. It must
/// not panic. Dropped unrun when the runtime is gone.
pub(crate) struct RemoteJob(pub(crate) RunHere);

/// The closure of a [`RemoteJob`].
pub(crate) type RunHere = Box<dyn FnOnce(&Rc<Core>) + Send + 'static>;

impl std::fmt::Debug for RemoteJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RemoteJob")
    }
}

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
    /// Wakes from outside the running executor (at most one per task) and
    /// remote spawns, oldest first; `None` once the runtime is shut down.
    inbox: Mutex<Option<Vec<Post>>>,
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
            inbox.push(Post::Wake(RemoteWake {
                waker: waker.clone(),
                from,
            }));
        }
        self.notify();
        true
    }

    /// Posts a remote spawn's order and unparks the executor. If the
    /// runtime is gone the order is abandoned (its spawn reports
    /// cancelled) and this returns `false`.
    pub(crate) fn spawn(&self, order: Arc<dyn Deliver>) -> bool {
        let from = self.trace.then(thread::current);
        self.post(Post::Spawn(RemoteSpawn {
            order: Some(order),
            from,
        }))
    }

    /// Posts `job` to run on the runtime's thread and unparks the
    /// executor; returns `false` (and drops `job` unrun) if the runtime is
    /// gone.
    pub(crate) fn run(&self, job: RemoteJob) -> bool {
        self.post(Post::Run(job))
    }

    /// Pushes `post` to the inbox and unparks the executor, or drops it if
    /// the inbox is closed.
    fn post(&self, post: Post) -> bool {
        {
            let mut guard = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(inbox) = guard.as_mut() else {
                drop(guard);
                // Dropped with the lock released: abandoning an order
                // wakes its awaiter, which is foreign code.
                drop(post);
                return false;
            };
            inbox.push(post);
        }
        self.notify();
        true
    }

    /// After a push: flag the inbox and unpark the executor. Order matters:
    /// push, then flag, then unpark (see the module docs).
    fn notify(&self) {
        self.notified.store(true, Ordering::Release);
        self.unparker.unpark();
    }

    /// The runtime's thread.
    pub(crate) fn thread_id(&self) -> thread::ThreadId {
        self.unparker.thread_id()
    }

    /// Whether a remote wake is waiting in the inbox.
    #[inline]
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Moves the inbox's wakes into `out` (empty; the caller keeps it to
    /// reuse its memory). Cheap when nobody sent anything. The caller
    /// clears each waker's `in_inbox` before it wakes the task.
    pub(crate) fn drain_into(&self, out: &mut Vec<Post>) {
        if !self.notified.swap(false, Ordering::Acquire) {
            return;
        }
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(inbox) = inbox.as_mut() {
            std::mem::swap(inbox, out);
        }
    }

    /// Closes the inbox: from now on remote wakes do nothing and remote
    /// spawns are refused. The posts still in it are dropped: a wake holds
    /// its task's waker, which holds this `Remote` (dropping them breaks
    /// that cycle); a spawn dropped unrun reports itself cancelled. A
    /// spawn is either in the inbox when it closes or refused after, since
    /// both happen under the lock: none is lost.
    ///
    /// Dropping a post runs user code (the captures of a recipe), which may
    /// panic: every post is still dropped, and the first panic is returned
    /// for shutdown to raise with its others.
    pub(crate) fn close(&self) -> Option<Payload> {
        let closed = self
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        each_catching(closed.into_iter().flatten(), drop)
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
