//! `sleep` and `sleep_until`: a future that completes at a deadline.
//!
//! A [`Sleep`] made inside a runtime reads that runtime's clock when it is
//! made (the deadline is the clock at that moment plus the duration) and
//! takes a creation number then, arms a wheel timer on its first poll and
//! disarms it in O(1) when dropped. The creation number, not the time of
//! the first poll, places it among timers with the same deadline: equal
//! deadlines fire in creation order.
//!
//! A sleep made while no runtime is current (`looplet::run(looplet::sleep(d))`,
//! asyncio's `asyncio.run(asyncio.sleep(1))`) has no clock to read yet. It
//! keeps what it was asked for (a duration or an instant) and is *bound* at
//! its first poll: to the runtime current then, whose clock gives the
//! deadline and whose driver gives the creation number, at that moment.
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
//! * A sleep's deadline never moves once it is bound (when it is made,
//!   inside a runtime; at its first poll otherwise); its timer, once
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
/// `duration`. Called while no runtime is current (to hand the sleep to
/// [`run`](crate::run), say), the deadline is the clock of the runtime that
/// first polls it, at that poll, plus `duration`. The sleep never completes before it, and completes within
/// about a millisecond after it on the real clock (exactly at it on a
/// paused clock). A zero duration still suspends once: the sleep completes
/// on the next turn of the loop. `Duration::MAX`, or any deadline too far to
/// represent, is a sleep that never completes.
///
/// # Panics
///
/// * When first polled while no runtime is current (made and polled
///   outside any runtime, by another executor, say): `` a `looplet::sleep`
///   (or timeout) was polled outside a runtime ... ``.
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
/// A sleep can be the whole program, as in asyncio:
///
/// ```
/// use std::time::Duration;
///
/// looplet::run(looplet::sleep(Duration::from_millis(1)));
/// ```
///
/// On a paused clock a long sleep takes no time:
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
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::after(duration)
}

/// Waits until the runtime's clock reaches `deadline`; asyncio's
/// `loop.call_at`, as a future.
///
/// A deadline in the past completes on the next turn of the loop. Called
/// while no runtime is current, the deadline is read on the clock of the
/// runtime that first polls the sleep (a paused clock starts at the real
/// time when its runtime is built).
///
/// # Panics
///
/// * When first polled while no runtime is current, like [`sleep`].
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
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::until(deadline)
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
    /// The runtime whose clock and wheel this sleep uses; `None` until the
    /// first poll for a sleep made while no runtime was current.
    rt: Option<Rc<Core>>,
    /// The deadline in nanoseconds since the clock's origin; `None` for a
    /// deadline too far away to represent, which never comes. Meaningless
    /// while `state` is `Unbound`.
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
    /// Made while no runtime was current: no clock, so no deadline yet.
    Unbound(Wanted),
    /// Not polled yet: no timer.
    Unarmed,
    /// Its timer is in the wheel (or has just fired).
    Armed(Armed),
    /// The deadline has passed.
    Elapsed,
}

/// What a sleep made outside any runtime was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// A duration from the first poll.
    After(Duration),
    /// An instant.
    Until(Instant),
}

impl Wanted {
    /// The deadline on `rt`'s clock, read now.
    fn deadline_on(self, rt: &Core) -> Option<u64> {
        let clock = &rt.timers().clock;
        match self {
            Wanted::After(duration) => clock.deadline_after(duration),
            Wanted::Until(instant) => clock.nanos_of(instant),
        }
    }
}

impl Sleep {
    /// A sleep of `duration` from now on the current runtime's clock, or
    /// from the first poll if no runtime is current.
    pub(crate) fn after(duration: Duration) -> Self {
        Sleep::new(Wanted::After(duration))
    }

    /// A sleep until `deadline` on the current runtime's clock, or on the
    /// clock of the runtime that first polls it.
    pub(crate) fn until(deadline: Instant) -> Self {
        Sleep::new(Wanted::Until(deadline))
    }

    /// A sleep for `wanted`, bound now to the current runtime if there is
    /// one.
    fn new(wanted: Wanted) -> Self {
        let mut sleep = Sleep {
            rt: None,
            deadline: None,
            order: 0,
            state: State::Unbound(wanted),
        };
        if let Some(rt) = executor::try_current() {
            sleep.bind(rt, wanted);
        }
        sleep
    }

    /// Fixes the deadline on `rt`'s clock, now, and takes a creation number
    /// from its driver.
    fn bind(&mut self, rt: Rc<Core>, wanted: Wanted) {
        self.deadline = wanted.deadline_on(&rt);
        self.order = rt.timers().next_order();
        self.rt = Some(rt);
        self.state = State::Unarmed;
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
    /// * If it was made outside a runtime and is first polled outside one
    ///   too: there is no clock to take its deadline from.
    #[track_caller]
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>, past_is_elapsed: bool) -> Poll<()> {
        if let State::Unbound(wanted) = self.state {
            let Some(rt) = executor::try_current() else {
                panic!(
                    "a `looplet::sleep` (or timeout) was polled outside a runtime: it has no \
                     clock to run on; await it inside `looplet::run` or `Runtime::block_on`"
                );
            };
            self.bind(rt, wanted);
        }
        let Some(rt) = &self.rt else {
            unreachable!("a sleep is bound to its runtime at its first poll")
        };
        let timers = rt.timers();
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
            _ if rt.is_closed() => {
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
                    rt.cancel_timer(armed.key);
                }
                self.state = State::Elapsed;
                return Poll::Ready(());
            }
            // Its timer can only fire while its own runtime runs, and that
            // cannot happen before this other runtime's `block_on` returns.
            _ if executor::other_runtime_running(rt) => panic!(
                "a `looplet::sleep` (or timeout) was awaited inside another runtime's \
                 `block_on`; its timer only fires in the `block_on` of the runtime it was \
                 created in, so await it there"
            ),
            State::Armed(armed) => {
                if !rt.update_timer(armed.key, cx.waker()) {
                    self.state = State::Elapsed;
                    return Poll::Ready(());
                }
            }
            State::Unbound(_) => unreachable!("bound above"),
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
                self.state = State::Armed(rt.arm_timer(deadline, self.order, cx.waker()));
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

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx, false)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (State::Armed(armed), Some(rt)) = (self.state, &self.rt) {
            rt.cancel_timer(armed.key);
        }
    }
}
