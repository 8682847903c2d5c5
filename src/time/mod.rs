//! Time, as a program sees it: sleeps, timeouts and the runtime's clock
//! (layer 4: futures over the runtime).
//!
//! | file | what it holds |
//! |------|---------------|
//! | `sleep.rs` | [`sleep`], [`sleep_until`], [`Sleep`] |
//! | `timeout.rs` | [`timeout`], [`timeout_at`], [`Timeout`], [`Elapsed`] |
//!
//! The clock, the timing wheel and the driver under them live in `timer/`,
//! below the runtime; the wheel is public here as [`wheel`], a data
//! structure to read and use on its own.
//!
//! # Precision
//!
//! The wheel keeps its books in 1 ms ticks, but a timer fires only once the
//! clock has passed its exact deadline, and the executor parks until that
//! exact deadline. So `sleep(1 ms)` takes about 1.07 ms on the real clock
//! (the kernel's timer slack is the rest), where a wheel that rounds
//! deadlines up to the next tick (tokio's) takes about 2 ms.
//!
//! # The virtual clock
//!
//! With [`Builder::start_paused`](crate::Builder::start_paused) the
//! runtime runs on a virtual clock. It starts at the real time when the
//! runtime is built and stands still while tasks run; whenever no task is
//! ready and no wake from another thread is waiting, it jumps straight to
//! the next timer's deadline. A program that sleeps for days finishes in
//! milliseconds, and gives the same order every run.
//!
//! If, with the clock paused, no task is ready and no timer is armed,
//! nothing inside the runtime can ever make progress, and the clock has
//! nowhere to jump: the runtime panics with a message naming the deadlock
//! rather than hang. (A wake from another thread that has already arrived
//! is taken first; a paused runtime does not wait for one that has not.)
//!
//! Read next: `sleep.rs`.

mod sleep;
mod timeout;

use std::time::Instant;

use crate::executor;
pub use crate::timer::wheel;

pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};

/// The runtime's clock; asyncio's `loop.time()`.
///
/// On a paused runtime this is the virtual time, which moves only when
/// every task is waiting for a timer.
///
/// # Panics
///
/// Outside a runtime: `` `looplet::now` called outside a runtime; call it
/// from inside `looplet::run` or `Runtime::block_on` ``.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let t0 = looplet::now();
///     looplet::sleep(Duration::from_millis(250)).await;
///     assert_eq!(looplet::now() - t0, Duration::from_millis(250));
/// });
/// ```
#[doc(alias = "time")]
#[doc(alias = "loop.time")]
#[track_caller]
pub fn now() -> Instant {
    executor::current("now").timers().clock.now()
}
