//! Layer 3, the executor: the loop that drives the task table and the
//! timers, the thread-local context that free functions find it through,
//! what a wake does, and shutdown.
//!
//! ```text
//!  thread-local CURRENT ──> Rc<Core> <── Runtime, JoinHandle (TaskRef), Sleep
//!                             ├── table:    RefCell<TaskTable<Remote>>   tasks, states, run queue
//!                             ├── timers:   Driver<Wake>                 Wheel<Wake> + Rc<Clock>
//!                             ├── narrator: Narrator                     counters, tracer
//!                             └── remote:   Arc<Remote>  ──> Send + Sync: the inbox for wakes
//!                                                            from other threads, the thread
//!                                                            to unpark
//!  block_on ──> Loop { core, shared, drained } the turns: batch, inbox, timers, park
//! ```
//!
//! | file | what it holds |
//! |------|---------------|
//! | `core.rs` | [`Core`]: the state every handle shares; spawn, timer arming |
//! | `run_loop.rs` | `block_on`: the turn and its order, the batch, the one poll path |
//! | `turn_steps.rs` | steps 2 to 4 of a turn: the inbox, firing timers, parking (and the deadlock grace) |
//! | `remote.rs` | what a wake does: local queue, or locked inbox and unpark; why no wakeup is lost |
//! | `context.rs` | which runtime runs on this thread; nesting checks; this thread's runtimes, to wake a task by name |
//! | `task_ref.rs` | a join handle's claim on its task's slot |
//! | `abort.rs` | a task's cancel switch, for cancelling tasks whose handles others hold |
//! | `park.rs` | where the loop sleeps (`thread::park`, or the reactor with `net`) and how other threads wake it |
//! | `pool.rs` | the worker threads of `to_thread`, and why the paused clock waits for them |
//! | `shutdown.rs` | what dropping a runtime does |
//!
//! Read next: `context.rs`.

mod abort;
mod context;
mod core;
mod park;
mod pool;
mod remote;
mod run_loop;
mod shutdown;
mod task_ref;
mod turn_steps;

pub(crate) use abort::TaskAbort;
pub(crate) use context::{current, other_runtime_running, share, try_current};
pub(crate) use core::{Core, TraceOut};
pub(crate) use pool::Job;
pub(crate) use remote::{Deliver, Remote, RemoteJob};
pub(crate) use task_ref::TaskRef;
