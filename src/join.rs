//! Join handles: awaiting, cancelling and detaching a task.
//!
//! A [`JoinHandle`] names a task by its slot key and id and holds an `Rc`
//! of the runtime, so it can read the task's slot directly. The output is
//! never copied into a separate shared box: it stays in the task's own
//! allocation until the handle moves it out through
//! [`Task::take_output`](crate::task::Task).
//!
//! Read next: `wait.rs` (`wait` and `gather` over many handles).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use crate::context;
use crate::runtime::Inner;
use crate::task::{Cancel, JoinPoll, Outcome, Payload, TaskId};
use crate::trace::trace;

/// An owned permission to await, cancel or check a spawned task; asyncio's
/// `Task` object.
///
/// Awaiting it gives the task's output, or a [`JoinError`] if the task
/// panicked or was cancelled. Dropping it *detaches* the task: it keeps
/// running and its output is dropped when it finishes, as an asyncio task
/// keeps running when nobody holds it.
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
///   moved out).
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
    /// The runtime the task lives in.
    rt: Rc<Inner>,
    /// The task's slot, which stays the handle's until it is dropped (so
    /// the key alone names the task: 16 bytes a handle).
    key: u32,
    /// Set once the result was taken.
    done: bool,
    /// The task's output type (`fn() -> T` keeps the handle `Unpin` for
    /// every `T`).
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    /// A handle to the task in slot `key` of `rt`.
    pub(crate) fn new(rt: Rc<Inner>, key: usize) -> Self {
        JoinHandle {
            rt,
            key: u32::try_from(key).expect("looplet: more than 4 billion tasks alive"),
            done: false,
            _output: PhantomData,
        }
    }

    /// The task's slot key.
    fn key(&self) -> usize {
        self.key as usize
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
        self.rt.scheduler().id(self.key())
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
        if self.done {
            return false;
        }
        let (cancel, leftovers) = self.rt.scheduler().cancel(self.key());
        self.rt.note_cancel(self.key(), cancel);
        leftovers.finish();
        cancel != Cancel::Finished
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
        self.done || self.rt.scheduler().outcome(self.key()).is_some()
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
        if self.done {
            return Poll::Ready(false);
        }
        let poll = self.rt.scheduler().poll_finished(self.key(), cx.waker());
        let outcome = match poll {
            JoinPoll::Ready(outcome) => outcome,
            JoinPoll::Pending => return self.pending(),
            JoinPoll::NeedsWaker => match self.register(cx) {
                Ok(()) => return self.pending(),
                Err(outcome) => outcome,
            },
        };
        Poll::Ready(outcome == Outcome::Panicked)
    }

    /// Registers the caller's waker for the task's completion. It is
    /// cloned with no borrow held: a clone runs the waker's own code, which
    /// may use the runtime. Gives back how the task ended if it finished
    /// in the meantime.
    fn register(&self, cx: &mut Context<'_>) -> Result<(), Outcome> {
        let waker = cx.waker().clone();
        let set = self.rt.scheduler().set_join_waker(self.key(), waker);
        match set {
            Ok(replaced) => {
                drop(replaced);
                Ok(())
            }
            Err(waker) => {
                drop(waker);
                let outcome = self.rt.scheduler().outcome(self.key());
                Err(outcome.expect("set_join_waker refused only a finished task"))
            }
        }
    }

    /// The task has not finished: `Pending`, unless it never can while
    /// this thread is busy with another runtime.
    ///
    /// # Panics
    ///
    /// If a `block_on` of another runtime is running: this task's own
    /// runtime cannot run until it returns, so waiting would hang.
    fn pending<R>(&self) -> Poll<R> {
        if context::other_runtime_running(&self.rt) {
            let id = self.id();
            panic!(
                "a `JoinHandle` of {id} was awaited inside another runtime's `block_on`; \
                 its task can only run in its own runtime's `block_on`, so await it there"
            );
        }
        self.rt.note_join_pending(self.key());
        Poll::Pending
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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.done, "`JoinHandle` polled after it completed");
        let poll = self.rt.scheduler().take_result(self.key(), cx.waker());
        let (id, outcome, cell) = match poll {
            JoinPoll::Ready(result) => result,
            JoinPoll::Pending => return self.pending(),
            JoinPoll::NeedsWaker => {
                if self.register(cx).is_ok() {
                    return self.pending();
                }
                // Finished while the waker was being cloned: take it now.
                match self.rt.scheduler().take_result(self.key(), cx.waker()) {
                    JoinPoll::Ready(result) => result,
                    _ => unreachable!("a finished task stays finished"),
                }
            }
        };
        self.done = true;
        trace!(self.rt, "{id} result taken by its handle");
        let result = match (outcome, cell) {
            (Outcome::Completed, Some(mut cell)) => {
                let mut output: Option<T> = None;
                cell.as_mut().take_output(&mut output as &mut dyn Any);
                Ok(output.expect("a completed task's output is taken once"))
            }
            (Outcome::Panicked, Some(mut cell)) => {
                let payload = cell
                    .as_mut()
                    .take_panic()
                    .expect("a panicked task keeps its payload");
                Err(JoinError::panic(id, payload))
            }
            (Outcome::Cancelled, _) => Err(JoinError::cancelled(id)),
            (_, None) => unreachable!("{id} finished without its cell"),
        };
        Poll::Ready(result)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let traced = self.rt.tracer().map(|_| self.id());
        let leftovers = self.rt.scheduler().detach(self.key());
        if let Some(id) = traced {
            self.rt.note_detach(self.key(), id);
        }
        leftovers.finish();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
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

/// Why awaiting a [`JoinHandle`] gave no output: the task was cancelled, or
/// it panicked.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let err = looplet::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(err.to_string(), "task 2 panicked: boom");
///     let payload = err.into_panic();
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// });
/// ```
#[doc(alias = "CancelledError")]
pub struct JoinError {
    /// The task that failed.
    id: TaskId,
    /// How it failed.
    repr: Repr,
}

/// How a task failed.
enum Repr {
    /// It was cancelled.
    Cancelled,
    /// It panicked. The `Mutex` makes the error `Sync` (a panic payload is
    /// only `Send`), so it can travel in `Box<dyn Error + Send + Sync>`.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    /// A cancelled task's error.
    pub(crate) fn cancelled(id: TaskId) -> Self {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    /// A panicked task's error.
    pub(crate) fn panic(id: TaskId, payload: Payload) -> Self {
        JoinError {
            id,
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// Whether the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     handle.cancel();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let err = looplet::spawn(async { panic!() }).await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     let id = handle.id();
    ///     handle.cancel();
    ///     assert_eq!(handle.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The panic's payload, to inspect or to re-raise with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked; use
    /// [`try_into_panic`](JoinError::try_into_panic) to check first.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let err = looplet::spawn(async { panic!("{}", 7) }).await.unwrap_err();
    ///     assert_eq!(err.into_panic().downcast_ref::<String>().unwrap(), "7");
    /// });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|err| {
            panic!("`JoinError::into_panic` called on {err}; check `is_panic` first")
        })
    }

    /// The panic's payload, or the error back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     handle.cancel();
    ///     let err = handle.await.unwrap_err();
    ///     assert!(err.try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => {
                Ok(payload.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, if the payload is a string.
    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.repr else {
            return None;
        };
        let payload = payload.lock().unwrap_or_else(PoisonError::into_inner);
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "{} was cancelled", self.id),
            (Repr::Panic(_), Some(message)) => write!(f, "{} panicked: {message}", self.id),
            (Repr::Panic(_), None) => write!(f, "{} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", self.id),
            Repr::Panic(_) => match self.panic_message() {
                Some(message) => write!(f, "JoinError::Panic({}, {message:?})", self.id),
                None => write!(f, "JoinError::Panic({}, ..)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}
