//! Tasks: the cell that holds a future and then its output, the slot that
//! tracks a task's state, and the scheduler's bookkeeping.
//!
//! # The life of a task
//!
//! ```text
//!             (1) spawn
//!                 │
//!                 ▼
//!   ┌──────► SCHEDULED ──(2) poll──► RUNNING ──(3) Pending──► IDLE
//!   │            ▲                   │  │  │                   │
//!   │            └──(5) woken while ─┘  │  │                   │
//!   │               running / yield     │  │                   │
//!   └──────────────────────(4) wake ────┼──┼───────────────────┘
//!                                       │  │
//!                    (6) Ready ─────────┘  └──── (7) panic
//!                         │                         │
//!                         ▼                         ▼
//!                       DONE: completed        DONE: panicked
//!                                                         (8) cancel / shutdown:
//!                       DONE: cancelled  ◄──────────────── from SCHEDULED, IDLE,
//!                                                          or RUNNING (after the poll)
//!    DONE ──(9) the handle takes the result, or was dropped ──► slot freed
//! ```
//!
//! | edge | function |
//! |------|----------|
//! | 1 | [`Scheduler::spawn`] |
//! | 2 | [`Scheduler::begin_poll`] |
//! | 3, 5, 6, 7 | [`Scheduler::end_poll`] |
//! | 4 | [`Scheduler::wake`] |
//! | 8 | [`Scheduler::cancel`], [`Scheduler::cancel_all`] |
//! | 9 | [`Scheduler::take_result`], [`Scheduler::detach`] |
//!
//! # Invariants
//!
//! * A key is in the run queue at most once, and exactly when its slot's
//!   `in_queue` is set; a SCHEDULED slot always has `in_queue` set. This is
//!   what makes a task woken twice run once.
//! * A slot is freed only when nobody can name it any more: the task is
//!   DONE, its handle is gone (or took the result), and its key is not in
//!   the run queue. (A task cancelled while SCHEDULED stays until the queue
//!   reaches it.)
//! * No method of [`Scheduler`] runs user code: futures, outputs and
//!   wakers that must be dropped or woken are handed back as
//!   [`Leftovers`], and the caller finishes them after the `RefCell`
//!   borrow ends. User code may re-enter the scheduler at any time.
//!
//! Read next: `runtime.rs` (the loop that drives this).

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use pin_project_lite::pin_project;
use slab::Slab;

use crate::waker::{Shared, TaskWaker};

/// A task's number: unique within its runtime, counting up from 1 in spawn
/// order. The main future of each `block_on` gets one too (asyncio calls
/// `asyncio.run`'s main task "Task-1" the same way).
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let handle = looplet::spawn(async {});
///     assert_eq!(handle.id().to_string(), "task 2"); // task 1 is main
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The number as an integer.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     assert_eq!(looplet::spawn(async {}).id().as_u64(), 2);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

/// A spawned future with its output type erased, so tasks of every type
/// can share one slab.
pub(crate) trait Task {
    /// Polls the future; on `Ready` its output is kept inside.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Moves the output into `out`, which must be an `&mut Option<Output>`.
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any);
}

pin_project! {
    /// The one allocation of a task: first its future, then its output.
    #[project = CellProj]
    #[project_replace = CellReplace]
    pub(crate) enum TaskCell<F: Future> {
        Running { #[pin] future: F },
        Finished { output: F::Output },
        Taken,
    }
}

impl<F: Future> Task for TaskCell<F>
where
    F::Output: 'static,
{
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = match self.as_mut().project() {
            CellProj::Running { future } => ready!(future.poll(cx)),
            _ => unreachable!("looplet: a finished task was polled"),
        };
        // Drops the future in place (its destructors run here, inside the
        // poll) and keeps the output for the handle.
        self.set(TaskCell::Finished { output });
        Poll::Ready(())
    }

    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any) {
        let out = out
            .downcast_mut::<Option<F::Output>>()
            .expect("looplet: a JoinHandle asked for another output type");
        if let CellReplace::Finished { output } = self.project_replace(TaskCell::Taken) {
            *out = Some(output);
        }
    }
}

/// A boxed, pinned, type-erased task.
pub(crate) type BoxTask = Pin<Box<dyn Task>>;

/// How a task ended.
pub(crate) enum Outcome {
    /// Its future returned; the output waits in the task cell.
    Completed,
    /// It was cancelled (or the runtime shut down) before it finished.
    Cancelled,
    /// Its future panicked with this payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

/// Where a task is in its life (see the diagram in the module docs).
enum State {
    /// In the run queue, waiting for its turn.
    Scheduled,
    /// Being polled right now.
    Running {
        /// Woken during this poll: goes to the back of the queue after it.
        woken: bool,
        /// Cancelled during this poll (by itself): dropped after it.
        cancelled: bool,
    },
    /// Waiting for a wake.
    Idle,
    /// Finished.
    Done(Outcome),
}

/// One task's entry in the runtime's slab.
struct Slot {
    /// Tells this task from earlier and later ones in the same slot.
    id: TaskId,
    /// Where it is in its life.
    state: State,
    /// The future (or its output); `None` while it is being polled, after it
    /// was dropped, and always for a `block_on`'s main future, which lives on
    /// the caller's stack.
    task: Option<BoxTask>,
    /// The data behind its `Waker`; lent out while it is being polled.
    waker: Option<Arc<TaskWaker>>,
    /// Who to wake when it finishes: whoever polled its handle last.
    join_waker: Option<Waker>,
    /// Whether its key is in the run queue.
    in_queue: bool,
    /// Whether its handle (or `block_on`, for main) still wants the result.
    has_handle: bool,
}

/// What a wake did, for counters and the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WakeResult {
    /// The task went to the back of the run queue (edge 4).
    Queued,
    /// The task is running; it goes to the back after this poll (edge 5).
    Deferred,
    /// It was already queued or woken: nothing to do.
    Duplicate,
    /// The task has finished, or the waker is older than its slot.
    Stale,
}

/// A task taken out of its slot to be polled.
pub(crate) struct Polling {
    /// The task's slot key.
    pub(crate) key: usize,
    /// The task's id.
    pub(crate) id: TaskId,
    /// Its future; `None` for a `block_on`'s main future.
    pub(crate) task: Option<BoxTask>,
    /// Its waker data, lent for the poll.
    pub(crate) waker: Arc<TaskWaker>,
}

/// How a poll went, as seen by the executor.
pub(crate) enum PollResult {
    /// The future returned `Pending`.
    Pending,
    /// The future returned `Ready`.
    Ready,
    /// The future panicked.
    Panicked(Box<dyn Any + Send + 'static>),
}

/// What [`Scheduler::cancel`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The task had already finished: nothing to do.
    Finished,
    /// The task is running (it cancelled itself): it ends after this poll.
    AfterPoll,
    /// The task is cancelled now; its future is in the leftovers.
    Now,
}

/// What the scheduler's bookkeeping decided after a poll, for the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    /// Back to IDLE (edge 3).
    Idle,
    /// Woken during the poll: back of the queue (edge 5).
    Requeued,
    /// Finished (edge 6).
    Completed,
    /// Panicked (edge 7).
    Panicked,
    /// Cancelled during its own poll (edge 8).
    Cancelled,
}

/// Things the scheduler hands back to be woken or dropped once its borrow
/// has ended, because waking and dropping can run user code.
#[must_use = "leftovers must be finished after the scheduler borrow ends"]
#[derive(Default)]
pub(crate) struct Leftovers {
    /// A handle's waker to wake: the task finished.
    wake: Option<Waker>,
    /// A future (or output) to drop.
    task: Option<BoxTask>,
    /// A freed slot, with whatever it still held.
    slot: Option<Slot>,
    /// An old waker replaced by a newer one.
    old_waker: Option<Waker>,
}

impl Leftovers {
    /// Wakes the handle, then drops the rest. Must be called with no
    /// scheduler borrow held. A panic from a destructor propagates.
    pub(crate) fn finish(self) {
        let Leftovers {
            wake,
            task,
            slot,
            old_waker,
        } = self;
        // Wake first: if a destructor below panics, the handle's owner
        // still learns that the task is done.
        if let Some(waker) = wake {
            waker.wake();
        }
        drop(old_waker);
        drop(task);
        drop(slot);
    }

    /// Like [`finish`](Leftovers::finish), but a panicking destructor is
    /// caught and its payload returned (used where the caller is not the
    /// task's owner: after a task's own panic, and at shutdown).
    pub(crate) fn finish_catching(self) -> Option<Box<dyn Any + Send + 'static>> {
        panic::catch_unwind(AssertUnwindSafe(|| self.finish())).err()
    }
}

/// What [`Scheduler::begin_poll`] found at the front of the queue.
pub(crate) enum Begin {
    /// The queue is empty.
    Empty,
    /// A task to poll.
    Poll(Polling),
    /// A task cancelled while it waited in the queue: nothing to poll.
    Skip(Leftovers),
}

/// What a handle found when it asked for its task's result.
pub(crate) enum JoinPoll {
    /// Not finished; the handle's waker is registered.
    Pending(Leftovers),
    /// Finished: the outcome, and the cell holding the output if it
    /// completed.
    Ready {
        outcome: Outcome,
        cell: Option<BoxTask>,
        leftovers: Leftovers,
    },
}

/// The runtime's tasks and run queue: pure bookkeeping, no user code.
#[derive(Default)]
pub(crate) struct Scheduler {
    /// Every task that has a slot (including each running `block_on`'s main).
    tasks: Slab<Slot>,
    /// Keys of SCHEDULED tasks, oldest first (plus, transiently, keys of
    /// tasks cancelled while scheduled).
    queue: VecDeque<usize>,
}

impl Scheduler {
    /// The number of entries in the run queue.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The number of tasks with a slot (alive, or done with a live handle).
    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// The live slot for `(key, id)`.
    fn slot(&mut self, key: usize, id: TaskId) -> Option<&mut Slot> {
        self.tasks.get_mut(key).filter(|slot| slot.id == id)
    }

    /// Adds a task and queues it (edge 1). `task` is `None` for a
    /// `block_on`'s main future.
    pub(crate) fn spawn(
        &mut self,
        id: TaskId,
        shared: &Arc<Shared>,
        task: Option<BoxTask>,
    ) -> usize {
        let entry = self.tasks.vacant_entry();
        let key = entry.key();
        entry.insert(Slot {
            id,
            state: State::Scheduled,
            task,
            waker: Some(Arc::new(TaskWaker::new(shared.clone(), key, id))),
            join_waker: None,
            in_queue: true,
            has_handle: true,
        });
        self.queue.push_back(key);
        key
    }

    /// Adds a task that is cancelled from the start: spawned while the
    /// runtime shuts down. Its future is never stored.
    pub(crate) fn spawn_cancelled(&mut self, id: TaskId) -> usize {
        self.tasks.insert(Slot {
            id,
            state: State::Done(Outcome::Cancelled),
            task: None,
            waker: None,
            join_waker: None,
            in_queue: false,
            has_handle: true,
        })
    }

    /// Wakes task `(key, id)` (edges 4 and 5).
    pub(crate) fn wake(&mut self, key: usize, id: TaskId) -> WakeResult {
        let Some(slot) = self.tasks.get_mut(key).filter(|slot| slot.id == id) else {
            return WakeResult::Stale;
        };
        match &mut slot.state {
            State::Idle => {
                slot.state = State::Scheduled;
                slot.in_queue = true;
                self.queue.push_back(key);
                WakeResult::Queued
            }
            State::Running { woken, .. } if !*woken => {
                *woken = true;
                WakeResult::Deferred
            }
            State::Running { .. } | State::Scheduled => WakeResult::Duplicate,
            State::Done(_) => WakeResult::Stale,
        }
    }

    /// Pops the front of the run queue and, if it is a task to poll, takes
    /// its future and waker out of the slot (edge 2).
    pub(crate) fn begin_poll(&mut self) -> Begin {
        let Some(key) = self.queue.pop_front() else {
            return Begin::Empty;
        };
        let slot = &mut self.tasks[key];
        debug_assert!(slot.in_queue, "{} popped but not marked queued", slot.id);
        slot.in_queue = false;
        if !matches!(slot.state, State::Scheduled) {
            // Cancelled while it waited in the queue.
            return Begin::Skip(self.release(key));
        }
        slot.state = State::Running {
            woken: false,
            cancelled: false,
        };
        Begin::Poll(Polling {
            key,
            id: slot.id,
            task: slot.task.take(),
            waker: slot.waker.take().expect("a scheduled task has its waker"),
        })
    }

    /// Puts a polled task back and moves it on (edges 3, 5, 6, 7, 8).
    pub(crate) fn end_poll(
        &mut self,
        polling: Polling,
        result: PollResult,
    ) -> (AfterPoll, Leftovers) {
        let Polling {
            key,
            id,
            task,
            waker,
        } = polling;
        let slot = &mut self.tasks[key];
        debug_assert_eq!(slot.id, id, "slot {key} changed hands during a poll");
        slot.waker = Some(waker);
        let State::Running { woken, cancelled } = slot.state else {
            unreachable!("{} was not running at the end of its poll", slot.id);
        };
        let mut leftovers = Leftovers::default();
        let after = match result {
            // asyncio: a task cancelled during its last step ends cancelled,
            // even if the step finished the coroutine.
            PollResult::Pending | PollResult::Ready if cancelled => {
                slot.state = State::Done(Outcome::Cancelled);
                leftovers.task = task;
                AfterPoll::Cancelled
            }
            PollResult::Pending if woken => {
                slot.state = State::Scheduled;
                slot.task = task;
                slot.in_queue = true;
                self.queue.push_back(key);
                AfterPoll::Requeued
            }
            PollResult::Pending => {
                slot.state = State::Idle;
                slot.task = task;
                AfterPoll::Idle
            }
            PollResult::Ready => {
                slot.state = State::Done(Outcome::Completed);
                slot.task = task;
                AfterPoll::Completed
            }
            PollResult::Panicked(payload) => {
                slot.state = State::Done(Outcome::Panicked(payload));
                leftovers.task = task;
                AfterPoll::Panicked
            }
        };
        if matches!(slot.state, State::Done(_)) {
            leftovers.wake = slot.join_waker.take();
            let freed = self.release(key);
            leftovers.slot = freed.slot;
        }
        (after, leftovers)
    }

    /// Cancels task `(key, id)` (edge 8). A running task (cancelling
    /// itself) is dropped at the end of its poll; any other is dropped when
    /// the leftovers are finished.
    pub(crate) fn cancel(&mut self, key: usize, id: TaskId) -> (Cancel, Leftovers) {
        let mut leftovers = Leftovers::default();
        let Some(slot) = self.slot(key, id) else {
            return (Cancel::Finished, leftovers);
        };
        let cancel = match &mut slot.state {
            State::Done(_) => Cancel::Finished,
            State::Running { cancelled, .. } => {
                *cancelled = true;
                Cancel::AfterPoll
            }
            State::Idle | State::Scheduled => {
                slot.state = State::Done(Outcome::Cancelled);
                leftovers.task = slot.task.take();
                leftovers.wake = slot.join_waker.take();
                Cancel::Now
            }
        };
        (cancel, leftovers)
    }

    /// Cancels every task that is not running (edge 8, at shutdown) and
    /// empties the run queue. Returns how many tasks it cancelled, and the
    /// leftovers to finish.
    pub(crate) fn cancel_all(&mut self) -> (u64, Vec<Leftovers>) {
        for key in self.queue.drain(..) {
            self.tasks[key].in_queue = false;
        }
        let mut leftovers = Vec::new();
        for (_, slot) in self.tasks.iter_mut() {
            if matches!(slot.state, State::Idle | State::Scheduled) {
                slot.state = State::Done(Outcome::Cancelled);
                leftovers.push(Leftovers {
                    task: slot.task.take(),
                    wake: slot.join_waker.take(),
                    ..Leftovers::default()
                });
            }
        }
        let cancelled = leftovers.len() as u64;
        let unwanted: Vec<usize> = self
            .tasks
            .iter()
            .filter(|(_, slot)| matches!(slot.state, State::Done(_)) && !slot.has_handle)
            .map(|(key, _)| key)
            .collect();
        for key in unwanted {
            leftovers.push(self.release(key));
        }
        (cancelled, leftovers)
    }

    /// Whether task `(key, id)` has finished (or is gone).
    pub(crate) fn is_finished(&self, key: usize, id: TaskId) -> bool {
        self.tasks
            .get(key)
            .filter(|slot| slot.id == id)
            .is_none_or(|slot| matches!(slot.state, State::Done(_)))
    }

    /// Registers `waker` to be woken when task `(key, id)` finishes, unless
    /// it has. Returns whether it has finished, and whether by a panic.
    pub(crate) fn poll_finished(
        &mut self,
        key: usize,
        id: TaskId,
        waker: &Waker,
    ) -> (Poll<bool>, Leftovers) {
        let mut leftovers = Leftovers::default();
        let Some(slot) = self.slot(key, id) else {
            return (Poll::Ready(false), leftovers);
        };
        if let State::Done(outcome) = &slot.state {
            return (
                Poll::Ready(matches!(outcome, Outcome::Panicked(_))),
                leftovers,
            );
        }
        match &mut slot.join_waker {
            Some(old) if old.will_wake(waker) => {}
            other => leftovers.old_waker = other.replace(waker.clone()),
        }
        (Poll::Pending, leftovers)
    }

    /// A handle takes its task's result, or registers `waker` if it is not
    /// finished yet (edge 9).
    pub(crate) fn take_result(&mut self, key: usize, id: TaskId, waker: &Waker) -> JoinPoll {
        match self.poll_finished(key, id, waker) {
            (Poll::Pending, leftovers) => JoinPoll::Pending(leftovers),
            (Poll::Ready(_), _) => {
                let slot = self.slot(key, id).expect("a handle's task keeps its slot");
                slot.has_handle = false;
                // The handle is the only reader of the outcome, so a
                // placeholder is left behind (the slot is freed below, or
                // when the queue drops a stale entry for it).
                let State::Done(outcome) =
                    std::mem::replace(&mut slot.state, State::Done(Outcome::Cancelled))
                else {
                    unreachable!()
                };
                let cell = slot.task.take();
                JoinPoll::Ready {
                    outcome,
                    cell,
                    leftovers: self.release(key),
                }
            }
        }
    }

    /// The handle of task `(key, id)` is dropped without taking the result
    /// (edge 9, or detach).
    pub(crate) fn detach(&mut self, key: usize, id: TaskId) -> Leftovers {
        match self.slot(key, id) {
            Some(slot) => {
                slot.has_handle = false;
                self.release(key)
            }
            None => Leftovers::default(),
        }
    }

    /// Frees slot `key` if nobody can name it any more.
    fn release(&mut self, key: usize) -> Leftovers {
        let slot = &self.tasks[key];
        if matches!(slot.state, State::Done(_)) && !slot.has_handle && !slot.in_queue {
            Leftovers {
                slot: Some(self.tasks.remove(key)),
                ..Leftovers::default()
            }
        } else {
            Leftovers::default()
        }
    }

    /// Removes a finished `block_on` main slot (or one abandoned by a panic).
    pub(crate) fn remove_main(&mut self, key: usize, id: TaskId) -> Leftovers {
        if let Some(slot) = self.slot(key, id) {
            slot.has_handle = false;
            slot.state = State::Done(Outcome::Completed);
            return self.release(key);
        }
        Leftovers::default()
    }
}
