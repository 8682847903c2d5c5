//! [`Handle`]: the one `Send` way into a runtime from other threads;
//! asyncio's `run_coroutine_threadsafe` and `call_soon_threadsafe`.
//!
//! A looplet task need not be `Send`, so another thread cannot build one
//! and hand it over. It hands over a `Send` *recipe* instead: a closure
//! `make` that, run on the runtime's thread, returns the future. The
//! closure travels through the runtime's cross-thread inbox
//! (`executor/remote.rs`), the same one cross-thread wakes use; the loop
//! runs it between batches, spawns the future it returns, and the task's
//! output comes back to the sender through a one-shot slot
//! (`util/reply.rs`) that the sender holds as a [`RemoteJoinHandle`].
//!
//! # Invariants
//!
//! * **No remote spawn is lost.** Its reply is a value that reports
//!   "cancelled" when dropped unsent. Every path that does not run the
//!   task to its end drops the reply: the runtime refusing the post
//!   (closed), closing with the post still in the inbox, dropping the
//!   task at shutdown, a cancel request. The post and the close both take
//!   the inbox's lock, so a spawn racing shutdown is either inside when it
//!   closes (dropped with it) or refused after.
//! * **Nothing runs twice.** The job is a `FnOnce`, taken out of the inbox
//!   once.
//! * **Cancel crosses threads as a post too.** A task's `JoinHandle` is
//!   `!Send`, so [`RemoteJoinHandle::cancel`] cannot reach it. It sets the
//!   slot's cancel flag (so a spawn not yet run never runs `make`) and
//!   posts a job that cancels the task by its `(slot, id)`, which the
//!   spawn recorded in the reply slot, exactly as its `JoinHandle::cancel`
//!   would. The inbox is FIFO, so the cancel arrives after the spawn. A
//!   poll already running when the request arrives runs to its end; if it
//!   finishes the task, the output stands. The wrapper ([`Remoted`]) pays
//!   nothing per poll for this.
//!
//! tokio's `Handle::spawn` takes a `Send` future instead, because its
//! tasks may move between threads; asking for a recipe is what lets a
//! looplet task hold `Rc`s.
//!
//! Read next: `runtime/` (where [`Runtime::handle`](crate::Runtime::handle) lives).

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::thread;

use pin_project_lite::pin_project;

use crate::executor::{self, Core, Deliver, Remote, RemoteJob};
use crate::join::JoinError;
use crate::task::{TaskId, TaskKey};
use crate::util::panic::message;
use crate::util::reply::{Cancel, Ended, HoldsSlot, Reply, Slot};

/// A `Send + Sync + Clone` handle on a runtime, for other threads to
/// spawn tasks onto it; asyncio's `run_coroutine_threadsafe`.
///
/// Get one with [`Runtime::handle`](crate::Runtime::handle) or, inside a
/// runtime, [`looplet::handle`](handle()). It does not keep its runtime
/// alive: once the runtime is dropped, [`Handle::spawn`] drops its closure
/// unrun and the returned handle reports cancelled.
///
/// # Examples
///
/// ```
/// let rt = looplet::Builder::new().build();
/// let handle = rt.handle();
/// let sender = std::thread::spawn(move || {
///     // Runs on the runtime's thread; the future may hold an `Rc`.
///     handle.spawn(|| async {
///         let local = std::rc::Rc::new(20);
///         *local + 1
///     })
/// });
/// let remote = sender.join().unwrap();
/// assert_eq!(rt.block_on(remote).unwrap(), 21);
/// ```
#[derive(Clone)]
#[doc(alias = "run_coroutine_threadsafe")]
#[doc(alias = "call_soon_threadsafe")]
pub struct Handle {
    /// The runtime's inbox: the only part of it other threads may touch.
    remote: Arc<Remote>,
}

impl Handle {
    /// The handle of `remote`'s runtime.
    pub(crate) fn new(remote: Arc<Remote>) -> Self {
        Handle { remote }
    }

    /// Runs `make` on the runtime's thread and spawns the future it
    /// returns there, as [`spawn`](crate::spawn) would; asyncio's
    /// `run_coroutine_threadsafe(make(), loop)`.
    ///
    /// Callable from any thread, including the runtime's own (the spawn
    /// then still goes through the inbox, and runs at the loop's next
    /// turn). Remote spawns run in the order they were sent. The runtime
    /// runs `make` the next time its loop turns: at once if it is running
    /// (the call wakes it), or when its next `block_on` starts.
    ///
    /// A panic in `make` or in the future becomes the returned handle's
    /// `JoinError`. A panic in the future also shows in the runtime's
    /// trace and counters as the task panicking; a panic in `make` comes
    /// before any task exists, so its error names no task ("a remote spawn
    /// that never started"). If the runtime is gone, or shuts down before the task
    /// ends, `make` or the future is dropped and the handle reports
    /// cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let handle = rt.handle();
    /// let doubled = std::thread::spawn(move || {
    ///     let remote = handle.spawn(|| async { 21 * 2 });
    ///     remote.join() // blocks this plain thread until the task ends
    /// });
    /// // The runtime must run for the spawn to arrive.
    /// rt.block_on(async {
    ///     while looplet::stats().tasks_spawned == 0 {
    ///         looplet::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    /// });
    /// assert_eq!(doubled.join().unwrap().unwrap(), 42);
    /// ```
    pub fn spawn<M, F>(&self, make: M) -> RemoteJoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let order = Arc::new(Order {
            make: Mutex::new(Some(make)),
            slot: Slot::new(),
        });
        // Refused when the runtime is gone: the order is then abandoned,
        // and its slot says cancelled.
        self.remote.spawn(order.clone());
        RemoteJoinHandle {
            order,
            remote: self.remote.clone(),
            abroad: None,
        }
    }
}

/// A remote spawn's order: the recipe and the slot its task's output goes
/// back through, in one allocation, which the inbox (as a [`Deliver`]),
/// the task (through its [`Reply`]) and the sender's [`RemoteJoinHandle`]
/// share. (Two allocations, a boxed recipe and a slot, cost about 7% more
/// time per remote spawn, measured with `remote_spawn_cost` in the bench
/// member.)
struct Order<M, T> {
    /// The recipe, until the runtime takes it or the order is abandoned.
    make: Mutex<Option<M>>,
    /// Where the output goes.
    slot: Slot<T>,
}

impl<M: Send, T: Send> HoldsSlot<T> for Order<M, T> {
    fn slot(&self) -> &Slot<T> {
        &self.slot
    }
}

impl<M, F, T> Deliver for Order<M, T>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    fn deliver(self: Arc<Self>, core: &Rc<Core>) {
        if let Some(make) = self.take_make() {
            spawn_here(core, make, self);
        }
    }

    fn abandon(&self) {
        if let Some(make) = self.take_make() {
            // Ended first: dropping the recipe runs user code, which may
            // panic, and the sender must hear "cancelled" all the same.
            self.slot.end(Ended::Dropped);
            drop(make);
        }
    }
}

impl<M, T> Order<M, T> {
    /// Takes the recipe out, once: whoever gets it delivers or abandons.
    fn take_make(&self) -> Option<M> {
        self.make
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// A remote spawn's delivery, on the runtime's thread: builds the future
/// and spawns it, unless the sender has already cancelled. A panic in
/// `make` is caught and sent back.
fn spawn_here<M, F, T>(core: &Rc<Core>, make: M, order: Arc<Order<M, T>>)
where
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    if order.slot.cancel_requested() {
        // The spawn reports cancelled, then `make` is dropped unrun.
        order.slot.end(Ended::Dropped);
        drop(make);
        return;
    }
    let future = match panic::catch_unwind(AssertUnwindSafe(make)) {
        Ok(future) => future,
        Err(payload) => return order.slot.end(Ended::Ran(Err(payload))),
    };
    let wrapped = Remoted {
        future,
        reply: Some(Reply::new(order.clone())),
    };
    // Dropping the task's claim detaches it: the reply is its only output.
    let task = core.clone().spawn(wrapped, None);
    order.slot.set_id(task.id().as_u64(), task.key().as_u32());
}

/// The job of a remote cancel, on the runtime's thread: cancels the task
/// the way its `JoinHandle::cancel` would. It arrives after the spawn's
/// own job (the inbox is FIFO), so the task's place is known.
fn cancel_here<T>(core: &Rc<Core>, slot: &Slot<T>) {
    let (id, place) = (slot.id(), slot.place());
    if id != 0 {
        core.cancel_task(TaskKey::from_u32(place), TaskId(id));
    }
}

pin_project! {
    /// A remote spawn's future on the runtime's thread: the user's future,
    /// and the reply that carries its output back. Dropped unfinished (a
    /// cancel, or shutdown), it drops the reply, which reports cancelled.
    struct Remoted<F, T: 'static> {
        // The user's future.
        #[pin]
        future: F,
        // Where the output goes; `None` once sent.
        reply: Option<Reply<T>>,
    }
}

impl<F: Future<Output = T>, T> Future for Remoted<F, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let output = match panic::catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(payload),
        };
        let reply = this.reply.take().expect("a remote task ends once");
        match output {
            Ok(output) => {
                reply.send(Ended::Ran(Ok(output)));
                Poll::Ready(())
            }
            Err(payload) => {
                // The payload goes to the sender; the runtime sees the
                // task panic with the same message (without running the
                // panic hook twice), so its trace and counters say so.
                let text = message(&*payload)
                    .unwrap_or("a remote task panicked")
                    .to_string();
                reply.send(Ended::Ran(Err(payload)));
                panic::resume_unwind(Box::new(text))
            }
        }
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
    /// Blocks the calling thread until the task ends, and gives its
    /// output; asyncio's `concurrent.futures.Future.result()`.
    ///
    /// # Panics
    ///
    /// Blocking stops everything else on the calling thread: from inside
    /// another looplet runtime (or any executor) `.await` the handle
    /// instead, so that runtime's other tasks go on.
    ///
    /// # Panics
    ///
    /// On the runtime's own thread while the task has not ended, where
    /// waiting would stop the very loop that must run the task: `` `RemoteJoinHandle::join` called on
    /// the runtime's own thread ``. There, `.await` the handle instead.
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

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// The handle of the runtime running on this thread, for other threads
/// to spawn onto it; asyncio's `asyncio.get_running_loop()` passed to
/// `run_coroutine_threadsafe`.
///
/// # Panics
///
/// Outside a runtime: `` `looplet::handle` called outside a runtime ``.
///
/// # Examples
///
/// ```
/// let sum = looplet::run(async {
///     let handle = looplet::handle();
///     let helper = std::thread::spawn(move || handle.spawn(|| async { 1 + 2 }));
///     let remote = helper.join().unwrap();
///     remote.await.unwrap()
/// });
/// assert_eq!(sum, 3);
/// ```
#[track_caller]
#[doc(alias = "get_running_loop")]
pub fn handle() -> Handle {
    Handle::new(executor::current("handle").remote_shared())
}
