//! Join handles: awaiting, cancelling and detaching a task; asyncio's
//! `Task` object.
//!
//! A [`JoinHandle<T>`] is the executor's untyped claim on its task's slot
//! (`executor/task_ref.rs`) plus the output type: it knows `T`, so it is
//! where the type-erased cell gives its output back. [`JoinError`]
//! (`error.rs`) says why there is no output.
//!
//! Read next: `error.rs`, then `wait.rs` (`wait` and `gather` over many
//! handles).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::executor::{TaskAbort, TaskRef};
use crate::task::{Outcome, TaskId, take_output};

mod error;

pub use error::JoinError;

/// An owned permission to await, cancel or check a spawned task; asyncio's
/// `Task` object.
///
/// Awaiting it gives the task's output, or a [`JoinError`] if the task
/// panicked or was cancelled. Dropping it *detaches* the task: it keeps
/// running and its output is dropped when it finishes, as an asyncio task
/// keeps running when nobody holds it. Whoever last polled the handle is
/// then no longer woken when the task ends.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let handle = looplet::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
///
/// # Panics
///
/// * Polling the handle again after it returned `Ready` panics:
///   `` `JoinHandle` polled after it completed `` (the result has been
///   moved out; the message says to await a handle once, or to check
///   [`is_finished`](JoinHandle::is_finished) before polling it by hand).
/// * Polling it from inside its own task panics: `` task N awaited its own
///   `JoinHandle` ``. The task would wait for itself to finish, which
///   never happens (asyncio raises "Task cannot await on itself").
/// * Polling it inside a `block_on` of *another* runtime before its task
///   has finished: `` a `JoinHandle` of task N was awaited inside another
///   runtime's `block_on` ``. The task can only run inside its own
///   runtime's `block_on`, so the wait could never end. (Polled while no
///   runtime is running, by hand or by another executor, it is simply
///   `Pending`.)
/// * Dropping the handle of a finished task drops the output nobody took;
///   a panic in that output's destructor propagates from the drop.
///
/// # Cancel safety
///
/// Dropping the `.await` on a handle does not cancel the task (the task is
/// detached). Use [`JoinHandle::cancel_on_drop`] for that.
#[must_use = "dropping a JoinHandle detaches the task; `.await` it or call `cancel`"]
#[doc(alias = "Task")]
pub struct JoinHandle<T> {
    /// The claim on the task's slot (16 bytes: the runtime, the key, and
    /// whether the result was taken).
    task: TaskRef,
    /// The task's output type (`fn() -> T` keeps the handle `Unpin` for
    /// every `T`).
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    /// The handle of a task just spawned.
    pub(crate) fn new(task: TaskRef) -> Self {
        JoinHandle {
            task,
            _output: PhantomData,
        }
    }

    /// The task's name, if it was spawned with [`spawn_named`](crate::spawn_named)
    /// or [`Runtime::spawn_named`](crate::Runtime::spawn_named); asyncio's
    /// `task.get_name()` (which makes up "Task-3" where looplet says `None`).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let named = looplet::spawn_named("producer", async {});
    ///     let plain = looplet::spawn(async {});
    ///     assert_eq!(named.name().as_deref(), Some("producer"));
    ///     assert_eq!(plain.name(), None);
    /// });
    /// ```
    #[doc(alias = "get_name")]
    pub fn name(&self) -> Option<Rc<str>> {
        self.task.name()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let a = looplet::spawn(async {});
    ///     let b = looplet::spawn(async {});
    ///     assert!(a.id() < b.id());
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.task.id()
    }

    /// Cancels the task: its future is dropped at once (its destructors
    /// run) and awaiting this handle gives a cancelled [`JoinError`].
    /// Returns `false` if the task had already finished; asyncio's
    /// `task.cancel()`.
    ///
    /// A task cancelled before its first poll never runs. A task that
    /// cancels itself (through a handle it was given) is dropped as soon as
    /// its current poll returns, and ends cancelled even if that poll
    /// finished it, as in asyncio.
    ///
    /// # Panics
    ///
    /// If the task's future panics while it is being dropped, the panic
    /// propagates out of `cancel` (the task is cancelled all the same).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(std::future::pending::<()>());
    ///     assert!(handle.cancel());
    ///     assert!(handle.is_finished());
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    #[doc(alias = "abort")]
    pub fn cancel(&self) -> bool {
        self.task.cancel()
    }

    /// Whether the task has finished: completed, panicked or cancelled;
    /// asyncio's `task.done()`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     assert!(!handle.is_finished());
    ///     looplet::yield_now().await; // the task runs
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Registers for the task's completion without taking its result:
    /// `Ready(true)` if it panicked, `Ready(false)` if it completed or was
    /// cancelled.
    ///
    /// # Panics
    ///
    /// Like polling the handle, if the task has not finished and another
    /// runtime's `block_on` is running.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.task.is_taken() {
            return Poll::Ready(false);
        }
        self.task
            .poll_outcome(cx)
            .map(|outcome| outcome == Outcome::Panicked)
    }

    /// A switch that cancels the task without owning its handle.
    pub(crate) fn abort_handle(&self) -> TaskAbort {
        self.task.abort_handle()
    }

    /// The caller stopped waiting for the task (`wait` returned with it
    /// pending): the task's end will not wake `waker`.
    pub(crate) fn stop_waiting(&self, waker: &Waker) {
        if !self.task.is_taken() {
            self.task.stop_waiting(waker);
        }
    }

    /// Wraps the handle so that dropping it cancels the task.
    ///
    /// asyncio's `wait_for` cancels the task it gives up on; looplet's
    /// timeouts only drop what they wrap, and dropping a plain handle
    /// detaches. Wrap the handle to get asyncio's behaviour.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// struct SetOnDrop(Rc<Cell<bool>>);
    /// impl Drop for SetOnDrop {
    ///     fn drop(&mut self) { self.0.set(true) }
    /// }
    ///
    /// looplet::run(async {
    ///     let dropped = Rc::new(Cell::new(false));
    ///     let guard = SetOnDrop(dropped.clone());
    ///     let task = looplet::spawn(async move {
    ///         let _guard = guard;
    ///         std::future::pending::<()>().await
    ///     });
    ///     drop(task.cancel_on_drop()); // a plain `drop(task)` would detach
    ///     assert!(dropped.get());
    /// });
    /// ```
    pub fn cancel_on_drop(self) -> CancelOnDrop<T> {
        CancelOnDrop(Some(self))
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.task.is_taken(),
            "`JoinHandle` polled after it completed; it gives its result once, so await it \
             only once (polling by hand, stop at `Ready` or check `is_finished` first)"
        );
        let (id, outcome, cell) = std::task::ready!(self.task.poll_take(cx));
        Poll::Ready(match (outcome, cell) {
            (Outcome::Completed, Some(mut cell)) => {
                Ok(take_output(cell.as_mut()).expect("a completed task's output is taken once"))
            }
            (Outcome::Panicked, Some(mut cell)) => {
                let payload = cell
                    .as_mut()
                    .take_panic()
                    .expect("a panicked task keeps its payload");
                Err(JoinError::panic(id, self.task.name(), payload))
            }
            (Outcome::Cancelled, _) => Err(JoinError::cancelled(id, self.task.name())),
            (_, None) => unreachable!("{id} finished without its cell"),
        })
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name().as_deref())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// A [`JoinHandle`] that cancels its task when dropped; made by
/// [`JoinHandle::cancel_on_drop`].
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let guard = looplet::spawn(std::future::pending::<()>()).cancel_on_drop();
///     drop(guard); // the task is cancelled here
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it cancels the task: that is its purpose.
#[must_use = "dropping a CancelOnDrop cancels the task at once"]
#[derive(Debug)]
pub struct CancelOnDrop<T>(Option<JoinHandle<T>>);

impl<T> CancelOnDrop<T> {
    /// The handle inside, which no longer cancels on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let guard = looplet::spawn(async { 1 }).cancel_on_drop();
    ///     let handle = guard.into_inner();
    ///     assert_eq!(handle.await.unwrap(), 1);
    /// });
    /// ```
    pub fn into_inner(mut self) -> JoinHandle<T> {
        self.0
            .take()
            .expect("the handle is present until `into_inner`")
    }
}

impl<T> std::ops::Deref for CancelOnDrop<T> {
    type Target = JoinHandle<T>;

    fn deref(&self) -> &JoinHandle<T> {
        self.0
            .as_ref()
            .expect("the handle is present until `into_inner`")
    }
}

impl<T: 'static> Future for CancelOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .0
            .as_mut()
            .expect("the handle is present until `into_inner`");
        Pin::new(handle).poll(cx)
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.cancel();
        }
    }
}
