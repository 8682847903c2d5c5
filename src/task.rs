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
//!    DONE ──(9) its handle is dropped (or already was) ──► slot freed
//! ```
//!
//! | edge | function |
//! |------|----------|
//! | 1 | [`Scheduler::spawn`] |
//! | 2 | [`Scheduler::begin_poll`] |
//! | 3, 5, 6, 7 | [`Scheduler::end_poll`] |
//! | 4 | [`Scheduler::wake`] |
//! | 8 | [`Scheduler::cancel`], [`Scheduler::cancel_all`] |
//! | 9 | [`Scheduler::detach`], or [`Scheduler::end_poll`] for a task whose handle is already gone |
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

/// What a panic carries.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A spawned future with its output type erased, so tasks of every type
/// can share one slab.
pub(crate) trait Task {
    /// Polls the future; on `Ready` its output is kept inside.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Drops the future (it panicked) and keeps the panic's payload.
    fn fail(self: Pin<&mut Self>, payload: Payload);

    /// Moves the output into `out`, which must be an `&mut Option<Output>`.
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any);

    /// Moves the panic's payload out.
    fn take_panic(self: Pin<&mut Self>) -> Option<Payload>;
}

pin_project! {
    /// The one allocation of a task: first its future, then its output (or
    /// the payload of its panic), in the same memory.
    #[project = CellProj]
    #[project_replace = CellReplace]
    pub(crate) enum TaskCell<F: Future> {
        Running { #[pin] future: F },
        Finished { output: F::Output },
        Panicked { payload: Payload },
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

    fn fail(mut self: Pin<&mut Self>, payload: Payload) {
        // Even if the future's destructor panics, `set` still stores the
        // payload: an assignment replaces the value whatever the drop does.
        self.set(TaskCell::Panicked { payload });
    }

    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any) {
        let out = out
            .downcast_mut::<Option<F::Output>>()
            .expect("looplet: a JoinHandle asked for another output type");
        if let CellReplace::Finished { output } = self.project_replace(TaskCell::Taken) {
            *out = Some(output);
        }
    }

    fn take_panic(self: Pin<&mut Self>) -> Option<Payload> {
        match self.project_replace(TaskCell::Taken) {
            CellReplace::Panicked { payload } => Some(payload),
            _ => None,
        }
    }
}

/// A boxed, pinned, type-erased task.
pub(crate) type BoxTask = Pin<Box<dyn Task>>;

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its future returned; the output waits in the task cell.
    Completed,
    /// It was cancelled (or the runtime shut down) before it finished.
    Cancelled,
    /// Its future panicked; the payload waits in the task cell.
    Panicked,
}

/// Where a task is in its life (see the diagram in the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// One task's entry in the runtime's slab (56 bytes).
struct Slot {
    /// The task cell: the future, then its output or panic payload. `None`
    /// while the future is being polled, once it was dropped or its result
    /// taken, and always for a `block_on`'s main future, which lives on the
    /// caller's stack.
    task: Option<BoxTask>,
    /// Who to wake when it finishes: whoever polled its handle last.
    join_waker: Option<Waker>,
    /// The data behind its `Waker`; lent out while it is being polled.
    waker: Option<Arc<TaskWaker>>,
    /// Tells this task from earlier and later ones in the same slot.
    id: TaskId,
    /// Where it is in its life.
    state: State,
    /// Whether its key is in the run queue.
    in_queue: bool,
    /// Whether its handle (or `block_on`, for main) still holds the slot.
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
    /// Its cell; `None` for a `block_on`'s main future.
    pub(crate) task: Option<BoxTask>,
    /// Its waker data, lent for the poll.
    pub(crate) waker: Arc<TaskWaker>,
}

/// How a poll went, as seen by the executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollResult {
    /// The future returned `Pending`.
    Pending,
    /// The future returned `Ready`.
    Ready,
    /// The future panicked (the payload is already in its cell).
    Panicked,
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

/// Things the scheduler hands back to be woken or dropped once its borrow
/// has ended, because waking and dropping can run user code.
#[must_use = "leftovers must be finished after the scheduler borrow ends"]
#[derive(Default)]
pub(crate) struct Leftovers {
    /// A handle's waker to wake: the task finished.
    wake: Option<Waker>,
    /// A task cell (future or output) to drop.
    task: Option<BoxTask>,
    /// A waker nobody will wake any more (a freed slot's), to drop.
    old_waker: Option<Waker>,
}

impl Leftovers {
    /// Whether there is nothing to do.
    #[inline]
    fn is_empty(&self) -> bool {
        self.wake.is_none() && self.task.is_none() && self.old_waker.is_none()
    }

    /// Wakes the handle, then drops the rest. Must be called with no
    /// scheduler borrow held. A panic from a destructor propagates.
    pub(crate) fn finish(self) {
        let Leftovers {
            wake,
            task,
            old_waker,
        } = self;
        // Wake first: if a destructor below panics, the handle's owner
        // still learns that the task is done.
        if let Some(waker) = wake {
            waker.wake();
        }
        drop(old_waker);
        drop(task);
    }

    /// Like [`finish`](Leftovers::finish), but a panicking destructor is
    /// caught and its payload returned (used where the caller is not the
    /// task's owner: the executor, and shutdown).
    pub(crate) fn finish_catching(self) -> Option<Payload> {
        if self.is_empty() {
            return None;
        }
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

/// What a handle found when it looked at its task: the task's result
/// (`R`), or that it has not finished.
pub(crate) enum JoinPoll<R> {
    /// Not finished, and the handle's waker is already registered.
    Pending,
    /// Not finished, and no waker that wakes the handle's owner is
    /// registered: the caller clones its waker with no borrow held (a
    /// clone runs the waker's own code, which may use the runtime) and
    /// hands it to [`Scheduler::set_join_waker`].
    NeedsWaker,
    /// Finished.
    Ready(R),
}

/// A finished task's result as a handle takes it: its id, how it ended,
/// and the cell holding the output or panic payload.
pub(crate) type TakenResult = (TaskId, Outcome, Option<BoxTask>);

/// Whether `registered` already wakes whoever `waker` wakes.
fn wakes_alike(registered: &Option<Waker>, waker: &Waker) -> bool {
    registered.as_ref().is_some_and(|r| r.will_wake(waker))
}

/// The runtime's tasks and run queue: pure bookkeeping, no user code.
pub(crate) struct Scheduler {
    /// Every task that has a slot (including each running `block_on`'s main).
    tasks: Slab<Slot>,
    /// Keys of SCHEDULED tasks, oldest first (plus, transiently, keys of
    /// tasks cancelled while scheduled).
    queue: VecDeque<usize>,
    /// Wakers of freed slots that nobody else holds, kept for reuse: a
    /// spawn takes one instead of allocating. Never longer than the most
    /// tasks that were ever alive at once.
    spare_wakers: Vec<Arc<TaskWaker>>,
    /// The runtime's shared part, which every new waker points to.
    shared: Arc<Shared>,
}

impl Scheduler {
    /// An empty scheduler whose wakers point at `shared`.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Scheduler {
            tasks: Slab::new(),
            queue: VecDeque::new(),
            spare_wakers: Vec::new(),
            shared,
        }
    }

    /// The number of entries in the run queue.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The number of tasks with a slot (alive, or done with a live handle).
    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Adds a task and queues it (edge 1). `task` is `None` for a
    /// `block_on`'s main future.
    pub(crate) fn spawn(&mut self, id: TaskId, task: Option<BoxTask>) -> usize {
        let entry = self.tasks.vacant_entry();
        let key = entry.key();
        let waker = match self.spare_wakers.pop() {
            Some(mut waker) => {
                // Only unshared wakers are kept, so this never allocates.
                Arc::get_mut(&mut waker)
                    .expect("spare wakers are unshared")
                    .reuse(key, id);
                waker
            }
            None => Arc::new(TaskWaker::new(self.shared.clone(), key, id)),
        };
        entry.insert(Slot {
            task,
            join_waker: None,
            waker: Some(waker),
            id,
            state: State::Scheduled,
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
            task: None,
            join_waker: None,
            waker: None,
            id,
            state: State::Done(Outcome::Cancelled),
            in_queue: false,
            has_handle: true,
        })
    }

    /// Wakes task `(key, id)` (edges 4 and 5).
    #[inline]
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
    /// its cell and waker out of the slot (edge 2).
    ///
    /// Inlined into the loop so the `Polling` it returns stays in
    /// registers: returned through memory, it was copied with wide loads
    /// straight after the narrow stores that wrote it, a store-forwarding
    /// stall that cost about a quarter of a task switch.
    #[inline(always)]
    pub(crate) fn begin_poll(&mut self) -> Begin {
        let Some(key) = self.queue.pop_front() else {
            return Begin::Empty;
        };
        let slot = &mut self.tasks[key];
        debug_assert!(slot.in_queue, "{} popped but not marked queued", slot.id);
        slot.in_queue = false;
        if slot.state != State::Scheduled {
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

    /// Puts a polled task back and moves it on (edges 3, 5, 6, 7, 8). If
    /// the task finished, what it leaves goes into `leftovers`.
    ///
    /// (`leftovers` is an out-parameter rather than part of the return
    /// value: returning the 48-byte leftovers on every poll, nearly always
    /// empty, made the caller copy them with wide loads the processor could
    /// not forward from the callee's narrow stores, a stall of about 8 ns
    /// on every task switch.)
    pub(crate) fn end_poll(
        &mut self,
        polling: Polling,
        result: PollResult,
        leftovers: &mut Option<Leftovers>,
    ) -> AfterPoll {
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
        let mut dropped = None;
        let after = match result {
            // asyncio: a task cancelled during its last step ends cancelled,
            // even if the step finished the coroutine.
            PollResult::Pending | PollResult::Ready if cancelled => {
                slot.state = State::Done(Outcome::Cancelled);
                dropped = task;
                AfterPoll::Cancelled
            }
            PollResult::Pending if woken => {
                slot.state = State::Scheduled;
                slot.task = task;
                slot.in_queue = true;
                self.queue.push_back(key);
                return AfterPoll::Requeued;
            }
            PollResult::Pending => {
                slot.state = State::Idle;
                slot.task = task;
                return AfterPoll::Idle;
            }
            PollResult::Ready => {
                slot.state = State::Done(Outcome::Completed);
                slot.task = task;
                AfterPoll::Completed
            }
            PollResult::Panicked => {
                slot.state = State::Done(Outcome::Panicked);
                slot.task = task;
                AfterPoll::Panicked
            }
        };
        // Done: tell the handle, and free the slot if nobody wants it.
        let wake = slot.join_waker.take();
        let mut left = self.release(key);
        left.wake = wake;
        left.task = left.task.or(dropped);
        if !left.is_empty() {
            *leftovers = Some(left);
        }
        after
    }

    /// Cancels the task in slot `key` (edge 8). A running task (cancelling
    /// itself) is dropped at the end of its poll; any other is dropped when
    /// the leftovers are finished.
    #[inline]
    pub(crate) fn cancel(&mut self, key: usize) -> (Cancel, Leftovers) {
        let mut leftovers = Leftovers::default();
        let slot = &mut self.tasks[key];
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
                    old_waker: None,
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
        self.spare_wakers = Vec::new();
        (cancelled, leftovers)
    }

    /// Whether task `(key, id)` still has its slot.
    pub(crate) fn has(&self, key: usize, id: TaskId) -> bool {
        self.tasks.get(key).is_some_and(|slot| slot.id == id)
    }

    /// The id of the task in slot `key`.
    pub(crate) fn id(&self, key: usize) -> TaskId {
        self.tasks[key].id
    }

    /// How the task in slot `key` ended, if it has.
    pub(crate) fn outcome(&self, key: usize) -> Option<Outcome> {
        match self.tasks[key].state {
            State::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// How the task in slot `key` ended, if it has; the cell stays in the
    /// slot. If not, whether `waker` still has to be registered.
    #[inline]
    pub(crate) fn poll_finished(&self, key: usize, waker: &Waker) -> JoinPoll<Outcome> {
        let slot = &self.tasks[key];
        match slot.state {
            State::Done(outcome) => JoinPoll::Ready(outcome),
            _ if wakes_alike(&slot.join_waker, waker) => JoinPoll::Pending,
            _ => JoinPoll::NeedsWaker,
        }
    }

    /// A handle takes its task's result if it has finished; if not, says
    /// whether `waker` still has to be registered. The slot stays until
    /// the handle is dropped.
    #[inline]
    pub(crate) fn take_result(&mut self, key: usize, waker: &Waker) -> JoinPoll<TakenResult> {
        let slot = &mut self.tasks[key];
        match slot.state {
            State::Done(outcome) => JoinPoll::Ready((slot.id, outcome, slot.task.take())),
            _ if wakes_alike(&slot.join_waker, waker) => JoinPoll::Pending,
            _ => JoinPoll::NeedsWaker,
        }
    }

    /// Registers `waker` (cloned by the caller with no borrow held) to be
    /// woken when the task in slot `key` finishes. Returns the waker it
    /// replaces, for the caller to drop after the borrow, or gives `waker`
    /// back if the task finished in the meantime.
    pub(crate) fn set_join_waker(
        &mut self,
        key: usize,
        waker: Waker,
    ) -> Result<Option<Waker>, Waker> {
        let slot = &mut self.tasks[key];
        match slot.state {
            State::Done(_) => Err(waker),
            _ => Ok(slot.join_waker.replace(waker)),
        }
    }

    /// The handle of the task in slot `key` is dropped (edge 9, or detach).
    #[inline]
    pub(crate) fn detach(&mut self, key: usize) -> Leftovers {
        self.tasks[key].has_handle = false;
        self.release(key)
    }

    /// Frees slot `key` if nobody can name it any more: the task is done,
    /// no handle holds it, and it is not in the run queue. Its waker is
    /// kept for reuse if nobody else holds it.
    #[inline]
    fn release(&mut self, key: usize) -> Leftovers {
        let slot = &self.tasks[key];
        if !matches!(slot.state, State::Done(_)) || slot.has_handle || slot.in_queue {
            return Leftovers::default();
        }
        let slot = self.tasks.remove(key);
        if let Some(waker) = slot.waker {
            // looplet never makes `Weak` wakers, so a strong count of one
            // means nobody else holds it (a plain load, unlike `get_mut`).
            if Arc::strong_count(&waker) == 1 {
                self.spare_wakers.push(waker);
            }
        }
        Leftovers {
            task: slot.task,
            wake: None,
            old_waker: slot.join_waker,
        }
    }

    /// Removes a `block_on`'s main slot: main returned, or panicked.
    pub(crate) fn remove_main(&mut self, key: usize) -> Leftovers {
        let slot = &mut self.tasks[key];
        slot.has_handle = false;
        slot.state = State::Done(Outcome::Completed);
        self.release(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_leftovers_stay_small() {
        // Per-task memory: keep an eye on these when adding fields.
        assert!(
            std::mem::size_of::<Slot>() <= 56,
            "Slot is {} bytes",
            std::mem::size_of::<Slot>()
        );
        assert!(std::mem::size_of::<Leftovers>() <= 48);
    }
}
