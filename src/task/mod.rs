//! Tasks, on their own: a task's cell, its waker's data, the table that
//! keeps every task's state and the FIFO run queue, and the name a waiter
//! keeps instead of a task's waker.
//!
//! This layer knows nothing of threads, clocks or the loop. It decides what
//! a spawn, a poll, a wake, a cancel or a dropped handle does to a task's
//! state, and hands back whatever must then be woken, dropped, counted or
//! narrated, for the runtime (`executor/`) to do with no borrow held.
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
//! | edge | function in `table.rs` |
//! |------|------------------------|
//! | 1 | `TaskTable::spawn` (`spawn_cancelled` during shutdown: 1 and 8 at once) |
//! | 2 | `TaskTable::begin_poll` |
//! | 3, 5, 6, 7 | `TaskTable::end_poll` |
//! | 4 | `TaskTable::wake` |
//! | 8 | `TaskTable::cancel`, `TaskTable::cancel_all` |
//! | 9 | `TaskTable::detach` (in `join.rs`), or `TaskTable::end_poll` for a task whose handle is already gone |
//!
//! The same numbers appear in the trace (`docs/07-reading-a-trace.md`) and
//! in `docs/02-life-of-a-task.md`; `tests.rs` beside this file checks each
//! edge on the table alone.
//!
//! | file | what it holds |
//! |------|---------------|
//! | `id.rs` | [`TaskId`] (public) and `TaskKey`, a slot's number |
//! | `cell.rs` | the task cell: future, then output, in one allocation |
//! | `waker.rs` | a waker's data and the `Schedule` trait the runtime implements |
//! | `named.rs` | `Wake`: a task by name instead of a clone of its waker, for waiter lines, timers and join handles |
//! | `state.rs` | the states, and what each transition reports |
//! | `leftovers.rs` | what must be woken or dropped after the table's borrow |
//! | `table.rs` | `TaskTable`: slots, states, the run queue |
//! | `waker_reuse.rs` | where a poll's waker comes from and goes back: the loose waker and the spares |
//! | `shuffle.rs` | a turn begins: the batch, permuted on a shuffled runtime |
//! | `join.rs` | the table as a join handle sees it |
//!
//! Read next: `id.rs`.

mod cell;
mod id;
mod join;
mod leftovers;
mod named;
mod shuffle;
mod state;
mod table;
mod waker;
mod waker_reuse;

#[cfg(test)]
mod tests;

pub(crate) use cell::{BoxTask, Task, TaskCell, take_output};
pub use id::TaskId;
pub(crate) use id::TaskKey;
pub(crate) use named::{TaskName, Wake, install as install_wake_by_name, poll_ends, poll_starts};
pub(crate) use state::{
    AfterPoll, Begin, Cancel, JoinPoll, Outcome, PollResult, Polling, WakeResult,
};
pub(crate) use table::TaskTable;
pub(crate) use waker::{Schedule, TaskWaker};
