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
//! | file | what it owns |
//! |------|--------------|
//! | `mod.rs` | [`Handle`], [`handle()`], the order a remote spawn posts, its delivery and the `Remoted` wrapper |
//! | `remote_join_handle.rs` | [`RemoteJoinHandle`]: awaiting, `join`, `cancel`, the work-abroad count |
//!
//! Read next: `remote_join_handle.rs`.

mod remote_join_handle;

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::executor::{self, Core, Deliver, Remote};
use crate::util::panic::message;
use crate::util::reply::{Ended, HoldsSlot, Reply, Slot};

pub use remote_join_handle::RemoteJoinHandle;

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
        RemoteJoinHandle::new(order, self.remote.clone())
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
