//! The words of the task state diagram (see `task/mod.rs`): a slot's
//! [`State`], and what each transition reports back to its caller.
//!
//! The table returns these instead of acting on them, so that the runtime
//! decides what to count and narrate, and the table stays pure
//! bookkeeping.
//!
//! Read next: `leftovers.rs`.

use std::sync::Arc;

use super::cell::BoxTask;
use super::id::{TaskId, TaskKey};
use super::leftovers::Leftovers;
use super::waker::TaskWaker;

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

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
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

/// What a wake did (edges 4 and 5), for counters and the trace.
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

/// A task taken out of its slot to be polled (edge 2).
pub(crate) struct Polling<S> {
    /// The task's slot.
    pub(crate) key: TaskKey,
    /// The task's id.
    pub(crate) id: TaskId,
    /// Its cell; `None` for a `block_on`'s main future, which lives on the
    /// caller's stack.
    pub(crate) task: Option<BoxTask>,
    /// Its waker data, lent for the poll.
    pub(crate) waker: Arc<TaskWaker<S>>,
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

/// Where a poll took the task (edges 3, 5, 6, 7, 8).
///
/// `repr(u8)` gives it a tag of its own, in this order, so "stays alive"
/// (IDLE or requeued, after almost every poll) is one comparison; without
/// it `freed` doubles as the tag and the test needs arithmetic first
/// (callgrind, `benches/examples/scaling.rs`, instructions per element:
/// `ping_pong` 1,167 → 1,155, `spawn_join`, where every poll finishes a
/// task, 1,188 → 1,193).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum AfterPoll {
    /// Back to IDLE (edge 3).
    Idle,
    /// Woken during the poll: back of the queue (edge 5).
    Requeued,
    /// Finished (edge 6); `freed` if no handle wanted the result, so the
    /// slot is gone too (edge 9).
    Completed {
        /// Whether the slot was freed.
        freed: bool,
    },
    /// Panicked (edge 7).
    Panicked,
    /// Cancelled during its own poll (edge 8).
    Cancelled,
}

/// What the end of a poll leaves: where the task went, and what must be
/// woken or dropped once the table is no longer borrowed.
#[must_use = "the leftovers of a poll must be finished"]
pub(crate) struct Ended {
    /// Where the task went.
    pub(crate) after: AfterPoll,
    /// `None` unless the task finished and left something (an `Option`,
    /// so that the common case, a task going back to sleep, has nothing to
    /// drop).
    pub(crate) leftovers: Option<Leftovers>,
}

/// What a cancel did (edge 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The task had already finished: nothing to do.
    Finished,
    /// The task is running (it cancelled itself): it ends after this poll.
    AfterPoll,
    /// The task is cancelled now; its future is in the leftovers.
    Now,
}

/// What the front of the run queue held.
pub(crate) enum Begin<S> {
    /// The queue is empty.
    Empty,
    /// A task to poll.
    Poll(Polling<S>),
    /// A task cancelled while it waited in the queue: nothing to poll.
    Skip(Leftovers),
}

/// What a handle found when it looked at its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinPoll {
    /// Not finished, and the handle's waker is already registered.
    Pending,
    /// Not finished, and no waker that wakes the handle's owner is
    /// registered: the caller clones its waker with no borrow held (a
    /// clone runs the waker's own code, which may use the runtime) and
    /// hands it to `TaskTable::set_join_waker`.
    NeedsWaker,
    /// Finished.
    Ready(Outcome),
    /// The task is RUNNING: its handle is being polled from inside its own
    /// poll, so waiting would never end (asyncio's "Task cannot await on
    /// itself"). The caller panics.
    OwnTask,
}
