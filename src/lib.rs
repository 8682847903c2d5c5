//! looplet: a small single-threaded async executor with asyncio's model.
//!
//! A Rust program writes `looplet::run(main())` the way a Python program
//! writes `asyncio.run(main())`, and gets asyncio's model: one thread,
//! tasks that need not be `Send`, FIFO scheduling you can reason about,
//! and primitives that work across tasks on that thread without being
//! thread-safe.
//!
//! # Using it
//!
//! ```
//! use std::time::Duration;
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
//!     looplet::sleep(Duration::from_millis(10)).await; // asyncio: await asyncio.sleep(0.01)
//!     event.set();
//!     task.await.unwrap() * 2 // asyncio: await task
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! | asyncio | looplet |
//! |---|---|
//! | `asyncio.run(main())` | [`run`] |
//! | a loop with options | [`Builder`] → [`Runtime`], [`Runtime::block_on`] |
//! | `asyncio.create_task(c)`, `create_task(c, name=…)` | [`spawn`], [`spawn_named`] → [`JoinHandle`] |
//! | `await task`, `task.cancel()`, `task.done()` | `handle.await` → `Result<T, JoinError>`, [`JoinHandle::cancel`], [`JoinHandle::is_finished`] |
//! | `asyncio.sleep(0)` | [`yield_now`] |
//! | `asyncio.sleep(s)`, `loop.time()` | [`sleep`], [`sleep_until`], [`now`] |
//! | `asyncio.wait_for(c, t)`, `asyncio.timeout(t)` | [`timeout`], [`timeout_at`] |
//! | `asyncio.wait(ts, return_when=…)`, `asyncio.gather(*ts)` | [`wait`], [`gather`] |
//! | `asyncio.as_completed(ts)` | [`as_completed`] |
//! | `asyncio.TaskGroup()`, `tg.create_task(c)` | [`TaskGroup`], [`TaskGroup::spawn`], [`TaskGroup::join`] |
//! | `asyncio.to_thread(f)` | [`to_thread`] |
//! | `asyncio.run_coroutine_threadsafe(c, loop)` | [`Runtime::handle`], [`handle()`] → [`Handle::spawn`] → [`RemoteJoinHandle`] |
//! | `asyncio.Event()` | [`Event`] |
//! | `asyncio.Lock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Barrier` | [`sync::Mutex`], [`sync::Semaphore`], [`sync::Semaphore::bounded`], [`sync::Condition`], [`sync::Barrier`] |
//! | `asyncio.Queue`, `PriorityQueue`, `LifoQueue` | [`sync::Queue`], [`sync::PriorityQueue`], [`sync::LifoQueue`] |
//!
//! Tests run on a virtual clock that jumps to the next timer whenever every
//! task waits ([`Builder::start_paused`]): a test that sleeps for a day
//! finishes at once, in the same order every run. To find the order bugs
//! that one order hides, [`Builder::shuffle`] (or `LOOPLET_SHUFFLE=<seed>`)
//! permutes each turn's batch by a seed, and [`explore`] runs a test under
//! many seeds and names the first that fails. `LOOPLET_TRACE=1` (or
//! [`Builder::trace`]) narrates every step on stderr, and [`stats`] counts
//! them.
//!
//! With the `net` feature, `looplet::net` has sockets and asyncio's streams
//! (`open_connection`, `start_server`) on looplet's own reactor: the loop
//! waits in `epoll` with the next timer as its timeout, as asyncio's does.
//!
//! # How it works, in small steps
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
//! tasks are not, so a waker carries only `(key, id)`, an "in the inbox"
//! flag and a pointer to the runtime's cross-thread inbox. On the
//! executor's own thread a wake puts the key straight on the run queue;
//! from any other thread it goes into a locked inbox (once, however often
//! the task is woken before the executor takes it out) and unparks the
//! executor. The id guards against a stale
//! waker whose slot now holds a newer task.
//!
//! **Timers live in a hierarchical wheel.** [`sleep`] and [`timeout`] arm
//! a timer on their first poll: six levels of 64 slots of 1 ms ticks, a
//! bitmap per level to find the next one without scanning, O(1) insert and
//! cancel. A timer fires at its exact deadline, so `sleep(1 ms)` takes
//! about 1.07 ms, not 2. The wheel is public, as [`time::wheel`], to read
//! and use on its own.
//!
//! **An [`Event`] is a flag and a line of wakers.** `wait` on an unset
//! event puts the task's waker in the line (a looplet task's own waker by
//! the task's name, which costs no atomic operation); `set` raises the flag
//! and wakes every waiter, oldest first. It only needs wakers, so it works
//! under any executor.
//!
//! **When nothing is ready, the thread parks** until the next deadline or a
//! cross-thread wake: no busy polling. On a paused clock it jumps the clock
//! to the next deadline instead.
//!
//! **A [`JoinHandle`] reads the task's slot.** Awaiting it moves the output
//! out of the task's box; dropping it detaches the task; [`JoinHandle::cancel`]
//! drops the future at once. A panic in a task is caught and becomes that
//! task's [`JoinError`]; the other tasks go on.
//!
//! # Map of the source
//!
//! The folders are layers: each names only the ones above it in this
//! table, never one below (`tests/layers.rs` checks it).
//!
//! | layer | folder | what it holds |
//! |-------|--------|---------------|
//! | L0 leaves | `util/` | slots (a slab) and lists through them, panic payloads, the counters ([`Stats`]) |
//! | L1–L2 tasks | `task/` | [`TaskId`], the task cell, a waker's data and the `Schedule` trait, the task table and its state diagram, a task by name (`Wake`) |
//! | L1–L2 timers | `timer/` | the clock, the timing wheel ([`time::wheel`]), the driver and its idle plan |
//! | L1 narration | `trace/` | the narrator: one call per step, counted and, when tracing, written |
//! | side | `sync/` | [`Event`] and its waiter line: wakers (or a task's name), never the runtime |
//! | side | `net/` (feature `net`) | the reactor (`mio`) the loop parks in, and the sockets `net::{TcpListener, TcpStream, UdpSocket}`; names no other folder: the executor owns the reactor |
//! | L3 executor | `executor/` | the shared core, the loop, what a wake does, the thread-local context, shutdown |
//! | L4 futures | `join/`, `time/`, `thread.rs`, `handle/`, `yield_now.rs` | [`JoinHandle`], [`JoinError`], [`sleep`], [`timeout`], [`to_thread`], [`Handle`], [`yield_now`] |
//! | L5 entry points | `runtime/`, `wait.rs`, `as_completed.rs`, `group.rs` | [`run`], [`spawn`], [`Builder`], [`Runtime`], [`wait`], [`gather`], [`as_completed`], [`TaskGroup`] |
//!
//! Each folder's `mod.rs` lists its files, and each file opens with what it
//! owns, its invariants and what to read next. `docs/architecture.md` in
//! the repository draws the whole on one page; the chapters beside it
//! (`docs/README.md` lists them) explain each part with the code beside
//! them, and their snippets are compiled and run as doc tests of this
//! crate.
//!
//! # Where looplet is simpler than a production runtime
//!
//! * One thread, no work stealing: a task that blocks the thread blocks
//!   every task.
//! * Safe code only. tokio puts a task's future, state and waker in one
//!   allocation with a hand-written vtable; looplet keeps the `Send + Sync`
//!   waker apart from the `!Send` future, at the cost of a second small
//!   allocation per task (reused once the task is gone).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

mod as_completed;
mod executor;
mod group;
mod handle;
mod join;
#[cfg(feature = "net")]
pub mod net;
mod runtime;
pub mod sync;
mod task;
mod thread;
pub mod time;
mod timer;
mod trace;
mod util;
mod wait;
mod yield_now;

pub use as_completed::{AsCompleted, NextCompleted, as_completed};
pub use group::{TaskGroup, TaskGroupError, TaskGroupJoin};
pub use handle::{Handle, RemoteJoinHandle, handle};
pub use join::{CancelOnDrop, JoinError, JoinHandle};
pub use runtime::{Builder, Explored, Runtime, explore, run, spawn, spawn_named, stats};
pub use sync::{Event, EventWait};
pub use task::TaskId;
pub use thread::{ToThread, to_thread};
pub use time::{Elapsed, Sleep, Timeout, now, sleep, sleep_until, timeout, timeout_at};
pub use util::stats::Stats;
pub use wait::{Gather, ReturnWhen, Wait, gather, wait};
pub use yield_now::{YieldNow, yield_now};

/// `#[looplet::main]` and `#[looplet::test]` (feature `macros`): an
/// `async fn` run on a looplet runtime, with options `start_paused = true`
/// and `explore = N`.
#[cfg(feature = "macros")]
pub use looplet_macros::{main, test};

/// Wrong uses of `#[looplet::main]` and `#[looplet::test]` do not compile
/// (their messages are checked in `macros/src/lib.rs`):
///
/// ```compile_fail
/// #[looplet::test]
/// fn not_async() {}
/// ```
///
/// ```compile_fail
/// #[looplet::test(paused = true)]
/// async fn unknown_option() {}
/// ```
///
/// ```compile_fail
/// #[looplet::test(explore = 10)]
/// async fn explore_keeps_no_result() -> u32 { 1 }
/// ```
///
/// ```compile_fail
/// #[looplet::main]
/// fn main() {}
/// ```
///
/// ```compile_fail
/// #[looplet::main(start_paused = yes)]
/// async fn main() {}
/// ```
///
/// And the right use does:
///
/// ```
/// #[looplet::main(start_paused = true)]
/// async fn main() {
///     looplet::sleep(std::time::Duration::from_secs(5)).await;
/// }
/// ```
#[cfg(all(doctest, feature = "macros"))]
mod macro_misuse {}

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
    #[doc = include_str!("../docs/08-sync.md")]
    struct Sync;
    #[doc = include_str!("../docs/09-threads.md")]
    struct Threads;
    #[doc = include_str!("../docs/10-testing-schedules.md")]
    struct TestingSchedules;
    /// Its snippets use `looplet::net`: tested with `--features net`.
    #[cfg(feature = "net")]
    #[doc = include_str!("../docs/11-the-reactor.md")]
    struct TheReactor;
    #[doc = include_str!("../docs/asyncio-porting.md")]
    struct AsyncioPorting;
    #[doc = include_str!("../docs/performance.md")]
    struct Performance;
}
