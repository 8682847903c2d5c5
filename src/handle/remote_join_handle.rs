//! [`RemoteJoinHandle`]: the sender's side of a remote spawn, a `Send`
//! future of the task's output that another thread awaits or
//! [`join`](RemoteJoinHandle::join)s, and the cancel it posts back.
//!
//! The handle reads the order's reply slot (`util/reply.rs`) and never
//! touches the task: the task is `!Send` and lives on the runtime's
//! thread, so a cancel is a job posted to the runtime's inbox
//! (`cancel_here`), as `mod.rs` explains.
//!
//! # Invariants
//!
//! * The output is taken out of the slot once; a poll after that panics.
//! * While a task of *another* looplet runtime awaits the handle, that
//!   runtime's count of work abroad is raised by one (`Abroad`), and
//!   given back when the output arrives or the handle is dropped.
//! * `join` on the runtime's own thread panics rather than block on a
//!   task that has not ended: only that thread could run it.
//!
//! Read next: `runtime/` (where [`Runtime::handle`](crate::Runtime::handle) lives).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;

use crate::executor::{self, Core, Remote, RemoteJob};
use crate::join::JoinError;
use crate::task::{TaskId, TaskKey};
use crate::util::reply::{Cancel, Ended, HoldsSlot, Slot};

/// The job of a remote cancel, on the runtime's thread: cancels the task
/// the way its `JoinHandle::cancel` would. It arrives after the spawn's
/// own job (the inbox is FIFO), so the task's place is known.
fn cancel_here<T>(core: &Rc<Core>, slot: &Slot<T>) {
    let (id, place) = (slot.id(), slot.place());
    if id != 0 {
        core.cancel_task(TaskKey::from_u32(place), TaskId(id));
    }
}

/// The sender's handle on a remote spawn: a `Send` future of the task's
/// output, awaitable under any executor, or [`join`](Self::join)ed from a
/// plain thread; `concurrent.futures.Future` in asyncio's terms.
///
/// Dropping it detaches the task, which runs on. Awaited by a task of
/// another looplet runtime on a paused clock, it counts as work on another
/// thread: that clock does not jump while it waits.
///
/// # Panics
///
/// Polled again after it completed: `` `RemoteJoinHandle` polled after it
/// completed ``.
///
/// # Examples
///
/// ```
/// let rt = looplet::Builder::new().build();
/// let remote: looplet::RemoteJoinHandle<&str> = rt.handle().spawn(|| async { "hi" });
/// assert_eq!(rt.block_on(remote).unwrap(), "hi");
/// ```
///
/// # Cancel safety
///
/// Dropping the future before it completes detaches the task; its output
/// is dropped when it ends.
#[must_use = "dropping a `RemoteJoinHandle` detaches its task; `.await` or `join()` it for the output"]
pub struct RemoteJoinHandle<T> {
    /// The order, for the slot where the task's output arrives.
    order: Arc<dyn HoldsSlot<T>>,
    /// The runtime's inbox, for a cancel request.
    remote: Arc<Remote>,
    /// While a task of another looplet runtime awaits this handle, that
    /// runtime's count of work abroad, raised by one.
    abroad: Option<Abroad>,
}

/// One unit of a runtime's count of work on other threads, given back
/// when dropped. A paused clock stands still while its count is above
/// zero (`executor/core.rs`, `work_abroad`): the remote task runs on
/// another runtime's clock, and its result will come.
struct Abroad(Arc<AtomicUsize>);

impl Abroad {
    fn new(count: Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Abroad(count)
    }
}

impl Drop for Abroad {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<T: Send + 'static> RemoteJoinHandle<T> {
    /// The sender's handle on `order`, whose runtime's inbox is `remote`.
    pub(super) fn new(order: Arc<dyn HoldsSlot<T>>, remote: Arc<Remote>) -> Self {
        RemoteJoinHandle {
            order,
            remote,
            abroad: None,
        }
    }

    /// Blocks the calling thread until the task ends, and gives its
    /// output; asyncio's `concurrent.futures.Future.result()`.
    ///
    /// # Blocking
    ///
    /// Blocking stops everything else on the calling thread: from inside
    /// another looplet runtime (or any executor) `.await` the handle
    /// instead, so that runtime's other tasks go on.
    ///
    /// # Panics
    ///
    /// On the runtime's own thread while the task has not ended, where
    /// waiting would stop the very loop that must run the task:
    /// `` `RemoteJoinHandle::join` called on the runtime's own thread ``.
    /// There, `.await` the handle instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let handle = rt.handle();
    /// let remote = handle.spawn(|| async { 5 });
    /// let waiter = std::thread::spawn(move || remote.join().unwrap());
    /// rt.block_on(async {
    ///     while looplet::stats().tasks_spawned == 0 {
    ///         looplet::yield_now().await;
    ///     }
    /// });
    /// assert_eq!(waiter.join().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T, JoinError> {
        // Once the task has ended (or the runtime is gone, which ends
        // every remote task) there is nothing to wait for, on any thread.
        assert!(
            self.order.slot().is_done() || thread::current().id() != self.remote.thread_id(),
            "`RemoteJoinHandle::join` called on the runtime's own thread, which would wait \
             forever for a task that only this thread can run; `.await` the handle instead"
        );
        let ended = self.order.slot().wait("RemoteJoinHandle::join");
        self.result(ended)
    }

    /// Asks the task to stop: its future is dropped before its next poll
    /// (or `make` is never run, if it has not run yet), and the handle
    /// reports cancelled. Returns `false` if the task had already ended.
    ///
    /// Like asyncio's `concurrent.futures.Future.cancel()` on a remote
    /// task, this is a request that takes effect on the runtime's thread,
    /// at its next turn: a poll already running there goes on, and if it
    /// finishes the task, the output stands.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let remote = rt.handle().spawn(|| std::future::pending::<()>());
    /// assert!(remote.cancel());
    /// assert!(rt.block_on(remote).unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        match self.order.slot().cancel() {
            Cancel::TooLate => return false,
            // On its way already: one request is enough.
            Cancel::Repeated => return true,
            Cancel::New => {}
        }
        // The runtime's thread does the cancelling. If the runtime is
        // gone, so is the task, and its handle already says cancelled.
        let order = self.order.clone();
        let job = RemoteJob(Box::new(move |core| cancel_here(core, order.slot())));
        self.remote.run(job);
        true
    }

    /// Whether the task has ended (its output is ready, or it failed).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let remote = rt.handle().spawn(|| async {});
    /// assert!(!remote.is_finished()); // nothing runs outside `block_on`
    /// rt.block_on(looplet::yield_now());
    /// assert!(remote.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.order.slot().is_done()
    }

    /// Counts this wait as work abroad for the looplet runtime polling
    /// the handle, if that is not the handle's own runtime (there the
    /// task runs on the same clock, which must go on jumping).
    fn wait_abroad(&mut self) {
        if self.abroad.is_some() {
            return;
        }
        if let Some(core) = executor::try_current() {
            if !std::ptr::eq(core.remote(), &*self.remote) {
                self.abroad = Some(Abroad::new(core.abroad()));
            }
        }
    }

    /// The task's result from how it ended.
    fn result(&self, ended: Ended<T>) -> Result<T, JoinError> {
        let id = TaskId(self.order.slot().id());
        match ended {
            Ended::Ran(Ok(output)) => Ok(output),
            Ended::Ran(Err(payload)) => Err(JoinError::panic(id, None, payload)),
            Ended::Dropped => Err(JoinError::cancelled(id, None)),
        }
    }
}

impl<T> Unpin for RemoteJoinHandle<T> {}

impl<T: Send + 'static> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Poll::Ready(ended) = self.order.slot().poll_take(cx, "RemoteJoinHandle") else {
            self.wait_abroad();
            return Poll::Pending;
        };
        self.abroad = None;
        Poll::Ready(self.result(ended))
    }
}

impl<T> fmt::Debug for RemoteJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJoinHandle")
            .field("finished", &self.order.slot().is_done())
            .finish_non_exhaustive()
    }
}
