//! Layer 0, the leaves: vocabulary every other layer shares and that needs
//! nothing of looplet itself.
//!
//! | file | what it holds |
//! |------|---------------|
//! | `slots.rs` | numbered slots reused once freed: tasks, timers, waiters (lists thread through them) |
//! | `list.rs` | doubly-linked lists threaded through `Slots` (wheel slots, waiter queues) |
//! | `panic.rs` | what a panic carries, its message, and waking a batch without stranding anyone |
//! | `reply.rs` | a one-shot result handed from one thread to another (`to_thread`, remote spawns) |
//! | `ring.rs` | a first-in first-out ring buffer of `Copy` items (the run queue) |
//! | `rng.rs` | a seeded SplitMix64 generator for shuffled schedules |
//! | `stats.rs` | the runtime's counters and their public snapshot, [`Stats`](crate::Stats) |
//!
//! Nothing here names another module of the crate; everything else may
//! name this.
//!
//! Read next: `task/` (a task's cell and the table of tasks) or `timer/`
//! (the clock, the wheel and the driver).

pub(crate) mod list;
pub(crate) mod panic;
pub(crate) mod reply;
pub(crate) mod ring;
pub(crate) mod rng;
pub(crate) mod slots;
pub(crate) mod stats;
pub(crate) mod warm;
