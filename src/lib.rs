//! looplet: a small single-threaded async executor with asyncio's model.
//!
//! A Rust program writes `looplet::run(main())` the way a Python program
//! writes `asyncio.run(main())`, and gets asyncio's model: one thread,
//! tasks that need not be `Send`, no locks, and FIFO scheduling you can
//! reason about.
//!
//! ```
//! use looplet::Event;
//!
//! let answer = looplet::run(async {
//!     let event = Event::new();
//!     let task = looplet::spawn({
//!         let event = event.clone();
//!         async move {
//!             event.wait().await; // asyncio: await event.wait()
//!             21
//!         }
//!     });
//!     looplet::yield_now().await; // asyncio: await asyncio.sleep(0)
//!     event.set();
//!     task.await.unwrap() * 2
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! # A tour in small steps
//!
//! **A task is a boxed future in a slot.** [`spawn`] boxes the future,
//! puts it in a slab (a `Vec` that reuses freed slots) and appends its key
//! to the run queue. The box holds the future and, once it finishes, its
//! output, so a task costs one allocation for both.
//!
//! **The loop polls in batches.** Each turn counts the run queue and polls
//! exactly that many tasks. A task woken during the turn (by itself, by
//! `yield_now`, by another task) goes to the back for the next turn, so no
//! task can starve the others, and ordering is asyncio's FIFO.
//!
//! **A waker is a slot key.** `std::task::Waker` must be `Send + Sync`, but
//! tasks are not, so a waker carries only `(key, id)` and a pointer to the
//! runtime's cross-thread inbox. On the executor's own thread a wake puts
//! the key straight on the run queue; from any other thread it goes into a
//! locked inbox and unparks the executor. The id guards against a stale
//! waker whose slot now holds a newer task.
//!
//! **Timers live in a hierarchical wheel.** [`sleep`] and [`timeout`] arm
//! a timer on their first poll: six levels of 64 slots of 1 ms ticks, a
//! bitmap per level to find the next one without scanning, O(1) insert and
//! cancel. A timer fires at its exact deadline, so `sleep(1 ms)` takes
//! about 1.07 ms, not 2.
//!
//! **An [`Event`] is a flag and a queue of wakers.** `wait` on an unset
//! event puts the task's waker on the queue; `set` raises the flag and
//! wakes every waiter, oldest first. It only uses wakers, so it works under
//! any executor. [`wait`] and [`gather`] wait on many tasks at once, as
//! asyncio's functions of the same names do.
//!
//! **When nothing is ready, the thread parks** until the next deadline or a
//! cross-thread wake: no busy polling. With
//! [`Builder::start_paused`] the clock is virtual and jumps straight to the
//! next deadline instead, so tests that sleep for days run in milliseconds.
//!
//! **You can watch it work.** `LOOPLET_TRACE=1` (or
//! [`Builder::trace`]) makes the runtime narrate every spawn, poll, wake,
//! timer and park on stderr, and [`stats`] counts them.
//!
//! **A [`JoinHandle`] reads the task's slot.** Awaiting it moves the output
//! out of the task's box; dropping it detaches the task; [`JoinHandle::cancel`]
//! drops the future at once. A panic in a task is caught and becomes that
//! task's [`JoinError`]; the other tasks go on.
//!
//! # Map of the source
//!
//! | file | what it holds |
//! |------|---------------|
//! | `runtime.rs` | [`run`], [`Builder`], [`Runtime`], [`spawn`]: the loop, parking, shutdown |
//! | `task.rs` | the task cell, the task state machine, the scheduler's bookkeeping |
//! | `waker.rs` | wakers, the cross-thread inbox, why no wakeup is lost |
//! | `context.rs` | which runtime runs on this thread; nesting checks |
//! | `join.rs` | [`JoinHandle`], [`JoinError`], [`CancelOnDrop`] |
//! | `event.rs` | [`Event`]: asyncio's event, its waiter queue |
//! | `wait.rs` | [`wait`], [`gather`], [`ReturnWhen`] |
//! | `yield_now.rs` | [`yield_now`] |
//! | `stats.rs` | [`Stats`]: the runtime's counters |
//! | `trace.rs` | trace mode: the narrator and its lines |
//! | `list.rs` | doubly-linked lists threaded through a slab |
//! | `time/` | [`sleep`], [`timeout`], [`now`], the clock and the timer driver |
//! | `time/wheel/` | the hierarchical timing wheel, a data structure of its own |
//!
//! `docs/architecture.md` in the repository draws the whole on one page;
//! the chapters beside it (`docs/README.md` lists them) explain each part
//! with the code beside them, and their snippets are compiled and run as
//! doc tests of this crate.
//!
//! # Where looplet is simpler than a production runtime
//!
//! * One thread, no work stealing: a task that blocks the thread blocks
//!   every task.
//! * Safe code only. tokio puts a task's future, state and waker in one
//!   allocation with a hand-written vtable; looplet keeps the `Send + Sync`
//!   waker apart from the `!Send` future, at the cost of a second small
//!   allocation per task.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

mod executor;
mod join;
mod runtime;
mod sync;
mod task;
pub mod time;
mod timer;
mod trace;
mod util;
mod wait;
mod yield_now;

pub use join::{CancelOnDrop, JoinError, JoinHandle};
pub use runtime::{Builder, Runtime, run, spawn, stats};
pub use sync::{Event, EventWait};
pub use task::TaskId;
pub use time::{Elapsed, Sleep, Timeout, now, sleep, sleep_until, timeout, timeout_at};
pub use util::stats::Stats;
pub use wait::{Gather, ReturnWhen, Wait, gather, wait};
pub use yield_now::{YieldNow, yield_now};

/// The README and the chapters in `docs/`, compiled and run as doc tests so
/// their snippets cannot drift from the code.
#[cfg(doctest)]
mod docs {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../docs/01-the-loop.md")]
    struct TheLoop;
    #[doc = include_str!("../docs/02-life-of-a-task.md")]
    struct LifeOfATask;
    #[doc = include_str!("../docs/03-wakers.md")]
    struct Wakers;
    #[doc = include_str!("../docs/04-the-timer-wheel.md")]
    struct TheTimerWheel;
    #[doc = include_str!("../docs/05-event.md")]
    struct Event;
    #[doc = include_str!("../docs/06-cancellation-panics-shutdown.md")]
    struct CancellationPanicsShutdown;
    #[doc = include_str!("../docs/07-reading-a-trace.md")]
    struct ReadingATrace;
    #[doc = include_str!("../docs/asyncio-porting.md")]
    struct AsyncioPorting;
    #[doc = include_str!("../docs/performance.md")]
    struct Performance;
}
