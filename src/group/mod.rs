//! `TaskGroup`: structured concurrency; asyncio's `asyncio.TaskGroup`.
//!
//! A group spawns ordinary tasks, each wrapped in a [`Member`] future that
//! tells the group when the task ends and catches its panic. The first
//! panic cancels every other task of the group at once, from inside the
//! panicking task's poll, so no other task is polled in between; `join`
//! waits until every task has ended and reports every panic.
//!
//! # A panic has one payload and two readers
//!
//! asyncio shares one exception object between a failed task and the
//! group's `ExceptionGroup`. A Rust panic payload is a `Box<dyn Any>` that
//! cannot be copied, so the group keeps the real payload (in
//! [`TaskGroupError`], where a program decides what to do with the
//! failures, and can `resume_unwind` it) and the task's own handle gets a
//! panic whose payload is the message as a `String`.
//!
//! # Invariants
//!
//! * `live` counts the group's tasks whose `Member` future still exists:
//!   it drops when the future is dropped, however the task ends
//!   (completed, panicked, cancelled, or dropped by a shutdown).
//! * No borrow of the group's state is held while a task is cancelled or a
//!   waker woken: cancelling drops futures, whose `Member`s use the state.
//!
//! | file | what it holds |
//! |------|---------------|
//! | `mod.rs` | [`TaskGroup`] and its [`TaskGroupJoin`] |
//! | `member.rs` | the future wrapping each task; cancelling the group |
//! | `error.rs` | [`TaskGroupError`] |
//!
//! Read next: `member.rs`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::executor::{self, TaskAbort};
use crate::join::{JoinError, JoinHandle};
use crate::runtime::spawn;

mod error;
mod member;

pub use error::TaskGroupError;
use member::{Guard, Member, cancel_all, raise_first};

/// Tasks that end together; asyncio's `asyncio.TaskGroup` (3.11).
///
/// [`spawn`](TaskGroup::spawn) starts a task that belongs to the group;
/// [`join`](TaskGroup::join) waits for every one of them. If a task
/// panics, every other task of the group is cancelled at once and `join`
/// returns `Err(TaskGroupError)` with every panic. A task cancelled on its
/// own does not fail the group. Dropping the group (or its unfinished
/// `join`) cancels the tasks still running: they never outlive it.
///
/// Unlike asyncio, a failing task does not cancel the code that owns the
/// group: that code learns of the failure from `join`.
///
/// Simpler than asyncio: `join` consumes the group, so a task of the group
/// cannot spawn into it while the owner joins (asyncio's `create_task`
/// from inside a child). Sharing the group through an `Rc` lets children
/// spawn, but then the group is dropped, and its tasks cancelled, only when
/// the last clone goes. A group dropped inside one of its own tasks
/// cancels the others and lets that one finish.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use looplet::TaskGroup;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     // async with asyncio.TaskGroup() as tg: ...
///     let tg = TaskGroup::new();
///     let a = tg.spawn(async { 1 });
///     let b = tg.spawn(async {
///         looplet::sleep(Duration::from_secs(1)).await;
///         2
///     });
///     tg.join().await.unwrap(); // leaving the block: both have finished
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
///
/// The first panic cancels the rest:
///
/// ```
/// use std::time::Duration;
/// use looplet::TaskGroup;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let tg = TaskGroup::new();
///     let slow = tg.spawn(looplet::sleep(Duration::from_secs(60)));
///     tg.spawn(async { panic!("boom") });
///     let err = tg.join().await.unwrap_err();
///     assert_eq!(err.errors().len(), 1);
///     assert!(slow.await.unwrap_err().is_cancelled());
/// });
/// ```
#[doc(alias = "asyncio.TaskGroup")]
pub struct TaskGroup {
    /// What the group's tasks and its `join` share.
    state: Rc<RefCell<State>>,
}

/// A group's books.
#[derive(Default)]
pub(super) struct State {
    /// A cancel switch for every task spawned in the group, in spawn order.
    /// (`None` once the task has ended: there is nothing left to cancel.)
    pub(super) tasks: Vec<Option<TaskAbort>>,
    /// How many of them have not ended.
    pub(super) live: usize,
    /// Every panic, in the order they happened.
    pub(super) errors: Vec<JoinError>,
    /// Whether a task panicked (the others were cancelled).
    pub(super) failed: bool,
    /// Whether `cancel` was called.
    pub(super) cancelled: bool,
    /// Who waits in `join`.
    pub(super) waiter: Option<Waker>,
    /// The task of the group being polled right now, if any.
    pub(super) running: Option<usize>,
}

impl Default for TaskGroup {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl TaskGroup {
    /// An empty group.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let tg = looplet::TaskGroup::new();
    ///     tg.join().await.unwrap(); // nothing to wait for
    /// });
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            state: Rc::new(RefCell::new(State::default())),
        }
    }

    /// Spawns `future` as a task of the group; asyncio's
    /// `tg.create_task(coro)`. The handle is an ordinary [`JoinHandle`];
    /// it may be dropped (`drop(tg.spawn(...))`): the group still waits for
    /// the task and still learns of its panic.
    ///
    /// On a group that has already failed or been cancelled, the future is
    /// dropped unpolled and the handle reports the task cancelled (asyncio
    /// raises instead).
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`spawn`](crate::spawn) does.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let tg = looplet::TaskGroup::new();
    ///     let task = tg.spawn(async { "done" });
    ///     tg.join().await.unwrap();
    ///     assert_eq!(task.await.unwrap(), "done");
    /// });
    /// ```
    #[doc(alias = "create_task")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let closed = {
            let state = self.state.borrow();
            state.failed || state.cancelled
        };
        if closed {
            let handle = spawn(future);
            handle.cancel();
            return handle;
        }
        // The runtime first: outside one, panic before a guard exists.
        let core = executor::current("TaskGroup::spawn");
        // Counted before the spawn: during a runtime's shutdown the spawn
        // drops the future (and its guard) before it returns.
        let index = {
            let mut state = self.state.borrow_mut();
            state.live += 1;
            state.tasks.len()
        };
        let member = Member {
            future: Some(future),
            guard: Guard {
                group: self.state.clone(),
                index,
            },
        };
        let handle = JoinHandle::new(core.spawn(member, None));
        // (A task spawned during shutdown has ended already: no switch.)
        let task = (!handle.is_finished()).then(|| handle.abort_handle());
        self.state.borrow_mut().tasks.push(task);
        handle
    }

    /// Cancels every task of the group; `join` then returns `Ok` (as
    /// asyncio 3.15's `tg.cancel()` leaves the block without error), unless
    /// a task had panicked before.
    ///
    /// # Panics
    ///
    /// If a cancelled task's future panics while it is dropped: every other
    /// task is cancelled first, then the first such panic goes on. (The
    /// same holds for dropping the group.)
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let tg = looplet::TaskGroup::new();
    ///     let forever = tg.spawn(std::future::pending::<()>());
    ///     tg.cancel();
    ///     tg.join().await.unwrap();
    ///     assert!(forever.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) {
        self.state.borrow_mut().cancelled = true;
        raise_first(cancel_all(&self.state, None, &|| "cancelled".to_string()));
    }

    /// Waits for every task of the group; leaving asyncio's
    /// `async with tg:` block. `Err` holds every panic.
    ///
    /// # Examples
    ///
    /// See [`TaskGroup`].
    pub fn join(self) -> TaskGroupJoin {
        TaskGroupJoin { group: Some(self) }
    }
}

impl Drop for TaskGroup {
    fn drop(&mut self) {
        // Dropped inside one of its own tasks (the task owned it), that
        // task is left to finish its poll: its work is done.
        let running = self.state.borrow().running;
        raise_first(cancel_all(&self.state, running, &|| "dropped".to_string()));
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("TaskGroup")
            .field("tasks", &state.tasks.len())
            .field("live", &state.live)
            .field("panicked", &state.errors.len())
            .field("cancelled", &state.cancelled)
            .finish()
    }
}

/// The future of [`TaskGroup::join`]: waits for every task of the group.
///
/// # Cancel safety
///
/// Dropping it before it finished drops the group, which cancels the
/// tasks still running (asyncio: the block was cancelled).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TaskGroupJoin {
    /// The group, until every task has ended.
    group: Option<TaskGroup>,
}

impl Future for TaskGroupJoin {
    type Output = Result<(), TaskGroupError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = self
            .group
            .as_ref()
            .expect("`TaskGroup::join` polled after it completed; await it once");
        let registered = {
            let state = group.state.borrow();
            (state.live > 0).then(|| {
                state
                    .waiter
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
            })
        };
        match registered {
            Some(true) => return Poll::Pending,
            Some(false) => {
                // Cloned with no borrow held: a clone runs the waker's code.
                let waker = cx.waker().clone();
                let mut state = group.state.borrow_mut();
                if state.live > 0 {
                    let old = state.waiter.replace(waker);
                    drop(state);
                    drop(old);
                    return Poll::Pending;
                }
            }
            None => {}
        }
        let group = self.group.take().expect("checked above");
        let errors = std::mem::take(&mut group.state.borrow_mut().errors);
        Poll::Ready(if errors.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError { errors })
        })
    }
}

impl fmt::Debug for TaskGroupJoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupJoin")
            .field("group", &self.group)
            .finish()
    }
}
