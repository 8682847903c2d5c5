//! `sleep` and `sleep_until`: a future that completes at a deadline.
//!
//! A [`Sleep`] reads the clock when it is made (the deadline is the clock at
//! that moment plus the duration) and takes a creation number then, arms a
//! wheel timer on its first poll and disarms it in O(1) when dropped. The
//! creation number, not the time of the first poll, places it among timers
//! with the same deadline: equal deadlines fire in creation order.
//!
//! Completion usually needs no clock read: woken by its timer, a sleep
//! learns that the timer fired from the driver's count of drains
//! (`Driver::has_fired`), without touching the wheel or the clock. Two
//! paths do read the clock: the first poll of a timeout, which must know
//! whether its deadline has already passed (asyncio's `timeout(0)` fires
//! at the first suspension), and a poll after the runtime is gone.
//!
//! Once its runtime is dropped, nothing fires a timer any more, but the
//! runtime's clock still reads (the real time, or the virtual time where it
//! stopped). A sleep polled then completes if that clock has reached its
//! deadline, and panics if not, rather than complete early or hang.
//!
//! # Invariants
//!
//! * A sleep's deadline never moves once it is made; its timer, once
//!   armed, is in its runtime's wheel until it fires or the sleep is
//!   dropped (which disarms it).
//! * A sleep completes only once its runtime's clock has reached its
//!   deadline.
//!
//! Read next: `timeout.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::executor::{self, Core};
use crate::timer::driver::Armed;

/// Waits until `duration` has passed on the runtime's clock; asyncio's
/// `await asyncio.sleep(seconds)`.
///
/// The deadline is the runtime clock when `sleep` is called, plus
/// `duration`. The sleep never completes before it, and completes within
/// about a millisecond after it on the real clock (exactly at it on a
/// paused clock). A zero duration still suspends once: the sleep completes
/// on the next turn of the loop. `Duration::MAX`, or any deadline too far to
/// represent, is a sleep that never completes.
///
/// # Panics
///
/// * Outside a runtime: `` `looplet::sleep` called outside a runtime; call
///   it from inside `looplet::run` or `Runtime::block_on` ``.
/// * When the sleep is polled inside another runtime's `block_on` before
///   it completed: `` a `looplet::sleep` (or timeout) was awaited inside
///   another runtime's `block_on` ``, since its timer can only fire while
///   its own runtime runs. (Polled while no runtime runs, it is simply
///   `Pending`.)
/// * When the sleep is polled after its runtime was dropped and its
///   deadline is still ahead of the runtime's clock (the real time; on a
///   paused clock, the virtual time when the runtime was dropped): ``a
///   `looplet::sleep` (or timeout) was polled after its runtime was
///   dropped, before its deadline ...``, since nothing can fire its timer
///   any more. A deadline too far to represent (`Duration::MAX`) is always
///   ahead. A sleep whose deadline that clock has reached completes, with
///   or without its runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let start = looplet::now();
///     looplet::sleep(Duration::from_secs(3600)).await; // instant on a paused clock
///     assert_eq!(looplet::now() - start, Duration::from_secs(3600));
/// });
/// ```
#[doc(alias = "asyncio.sleep")]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::after("sleep", duration)
}

/// Waits until the runtime's clock reaches `deadline`; asyncio's
/// `loop.call_at`, as a future.
///
/// A deadline in the past completes on the next turn of the loop.
///
/// # Panics
///
/// * Outside a runtime: `` `looplet::sleep_until` called outside a
///   runtime; call it from inside `looplet::run` or `Runtime::block_on` ``.
/// * When polled after its runtime was dropped while `deadline` is still
///   ahead of the runtime's clock, like [`sleep`]; a deadline that clock
///   has reached completes.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let deadline = looplet::now() + Duration::from_millis(1500);
///     looplet::sleep_until(deadline).await;
///     assert_eq!(looplet::now(), deadline);
/// });
/// ```
#[doc(alias = "call_at")]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::until("sleep_until", deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// A `Sleep` can be kept and polled by hand, like any future: it is
/// `Unpin`.
///
/// ```
/// use std::future::{Future, poll_fn};
/// use std::pin::Pin;
/// use std::task::Poll;
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let mut nap: looplet::Sleep = looplet::sleep(Duration::from_millis(5));
///     // Poll it once by hand: this arms the timer.
///     let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut nap).poll(cx))).await;
///     assert!(first.is_pending());
///     nap.await;
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it disarms its timer, and nothing is lost.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    /// The runtime whose clock and wheel this sleep uses.
    rt: Rc<Core>,
    /// The deadline in nanoseconds since the clock's origin; `None` for a
    /// deadline too far away to represent, which never comes.
    deadline: Option<u64>,
    /// Its creation number on `rt`'s driver: among equal deadlines, sleeps
    /// made earlier fire first, whenever each was first polled.
    order: u64,
    /// Where the sleep is in its life.
    state: State,
}

/// A sleep's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not polled yet: no timer.
    Unarmed,
    /// Its timer is in the wheel (or has just fired).
    Armed(Armed),
    /// The deadline has passed.
    Elapsed,
}

impl Sleep {
    /// A sleep of `duration` from now on the current runtime's clock;
    /// `api` names the caller in the panic outside a runtime.
    pub(crate) fn after(api: &str, duration: Duration) -> Self {
        let rt = executor::current(api);
        let deadline = rt.timers().clock.deadline_after(duration);
        Sleep::at(rt, deadline)
    }

    /// A sleep until `deadline` on the current runtime's clock.
    pub(crate) fn until(api: &str, deadline: Instant) -> Self {
        let rt = executor::current(api);
        let deadline = rt.timers().clock.nanos_of(deadline);
        Sleep::at(rt, deadline)
    }

    /// A sleep until `deadline` (nanoseconds since the clock's origin;
    /// `None`: never) on `rt`'s clock.
    fn at(rt: Rc<Core>, deadline: Option<u64>) -> Self {
        let order = rt.timers().next_order();
        Sleep {
            rt,
            deadline,
            order,
            state: State::Unarmed,
        }
    }

    /// Whether the deadline has been reached, arming the timer on the first
    /// call. With `past_is_elapsed`, a deadline already past on the first
    /// call counts as reached at once instead of on the next turn (what a
    /// timeout wants). "Past" means past the clock now: this costs one clock
    /// read on the first suspension of a timeout whose deadline is ahead of
    /// the latest reading (about 20 ns), the price of asyncio's rule that a
    /// past deadline fires at the first suspension.
    ///
    /// # Panics
    ///
    /// * If the sleep's runtime has been dropped and its clock has not
    ///   reached the deadline: nothing can fire the timer any more. (A
    ///   deadline the clock has reached is `Ready`, armed or not.)
    /// * If, before its timer fired, it is polled while another runtime's
    ///   `block_on` runs: its own runtime cannot turn until that returns.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>, past_is_elapsed: bool) -> Poll<()> {
        let timers = self.rt.timers();
        match self.state {
            State::Elapsed => return Poll::Ready(()),
            // The common case: woken because the timer fired, known without
            // touching the wheel.
            State::Armed(armed) if timers.has_fired(armed, self.deadline.unwrap_or(u64::MAX)) => {
                self.state = State::Elapsed;
                return Poll::Ready(());
            }
            // The runtime is gone: nothing will fire the timer, but the
            // clock still reads. Read it rather than trust `latest_nanos`,
            // which no turn of the loop will bring up to date any more.
            _ if self.rt.is_closed() => {
                let now = timers.clock.now_nanos();
                assert!(
                    self.deadline.is_some_and(|deadline| deadline <= now),
                    "a `looplet::sleep` (or timeout) was polled after its runtime was dropped, \
                     before its deadline: nothing can fire its timer any more; await it inside \
                     the runtime it was created in"
                );
                if let State::Armed(armed) = self.state {
                    // Shutdown has emptied the wheel (unless a destructor
                    // polls this during shutdown): usually a no-op.
                    self.rt.cancel_timer(armed.key);
                }
                self.state = State::Elapsed;
                return Poll::Ready(());
            }
            // Its timer can only fire while its own runtime runs, and that
            // cannot happen before this other runtime's `block_on` returns.
            _ if executor::other_runtime_running(&self.rt) => panic!(
                "a `looplet::sleep` (or timeout) was awaited inside another runtime's \
                 `block_on`; its timer only fires in the `block_on` of the runtime it was \
                 created in, so await it there"
            ),
            State::Armed(armed) => match timers.update(armed.key, cx.waker()) {
                Some(replaced) => drop(replaced),
                None => {
                    self.state = State::Elapsed;
                    return Poll::Ready(());
                }
            },
            State::Unarmed => {
                let Some(deadline) = self.deadline else {
                    // Never: no timer, and nothing will wake us for it.
                    return Poll::Pending;
                };
                // "Past" is decided on the clock as it is now: time may
                // have passed since the latest reading (or since the sleep
                // was made) without any turn of the loop. The latest reading
                // settles it without a clock read when it can.
                let clock = &timers.clock;
                if past_is_elapsed
                    && (deadline <= clock.latest_nanos() || deadline <= clock.now_nanos())
                {
                    self.state = State::Elapsed;
                    return Poll::Ready(());
                }
                self.state = State::Armed(self.rt.arm_timer(deadline, self.order, cx.waker()));
            }
        }
        Poll::Pending
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline_nanos", &self.deadline)
            .field("state", &self.state)
            .finish()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx, false)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Armed(armed) = self.state {
            self.rt.cancel_timer(armed.key);
        }
    }
}
