//! `timeout`: give a future a deadline; asyncio's `wait_for` / `timeout`.
//!
//! A [`Timeout`] is the inner future and a [`Sleep`] side by side, polled in
//! that order: the inner future always gets its chance first, so a ready
//! future wins even against a deadline already past. The sleep is asked
//! with `past_is_elapsed`, so a zero or past deadline fires at the inner
//! future's first suspension, as asyncio's `timeout(0)` does.
//!
//! Read next: `yield_now.rs`, or `join/` (awaiting a task).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::sleep::Sleep;

/// Runs `future` with a time limit; asyncio's `asyncio.wait_for(aw,
/// timeout)` and `async with asyncio.timeout(delay)`.
///
/// Completes with `Ok(output)` if `future` finishes first, or
/// `Err(Elapsed)` once `duration` has passed, dropping `future`.
///
/// The inner future is always polled first, so a future that is ready wins
/// even with a zero duration, and it never touches the timer wheel. A zero
/// or past deadline fires at the inner future's first suspension, as
/// asyncio's `timeout(0)` does.
///
/// Dropping the inner future is all a timeout can do: if it is a
/// [`JoinHandle`](crate::JoinHandle), the task keeps running (asyncio's
/// `wait_for` would cancel it). Use
/// [`JoinHandle::cancel_on_drop`](crate::JoinHandle::cancel_on_drop) for
/// asyncio's behaviour.
///
/// # Panics
///
/// * When the inner future is not ready at the first poll and no runtime
///   is current (made and polled outside any runtime): like
///   [`sleep`](crate::sleep), there is no clock to run on. Made outside a
///   runtime and polled inside one, the deadline is taken from that
///   runtime's clock at that first poll.
/// * When polled after its runtime was dropped, if the inner future is not
///   ready and the deadline is still ahead of the runtime's clock (the
///   real time; on a paused clock, the virtual time when the runtime was
///   dropped): nothing can fire its timer any more. A deadline that clock
///   has reached gives `Err(Elapsed)`, as [`sleep`](crate::sleep) explains.
/// * When polled inside another runtime's `block_on` while the inner
///   future is not ready, like [`sleep`](crate::sleep).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let slow = looplet::sleep(Duration::from_secs(10));
///     assert!(looplet::timeout(Duration::from_secs(1), slow).await.is_err());
///
///     let quick = async { 7 };
///     assert_eq!(looplet::timeout(Duration::ZERO, quick).await, Ok(7));
/// });
/// ```
#[doc(alias = "wait_for")]
#[doc(alias = "asyncio.timeout")]
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: Sleep::after(duration),
    }
}

/// Like [`timeout`], with a deadline instead of a duration; asyncio's
/// `asyncio.timeout_at(when)`.
///
/// # Panics
///
/// * When polled outside any runtime while the inner future is not ready,
///   like [`timeout`].
/// * When polled after its runtime was dropped, if the inner future is not
///   ready and `deadline` is still ahead of the runtime's clock, or inside
///   another runtime's `block_on`, like [`timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let deadline = looplet::now() + Duration::from_millis(100);
///     let result = looplet::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(result.is_err());
///     assert_eq!(looplet::now(), deadline);
/// });
/// ```
#[doc(alias = "asyncio.timeout_at")]
#[track_caller]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: Sleep::until(deadline),
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// looplet::Builder::new().start_paused(true).build().block_on(async {
    ///     let limited: looplet::Timeout<_> = looplet::timeout(Duration::from_secs(1), async { "quick" });
    ///     assert_eq!(limited.await, Ok("quick"));
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the inner future: dropping a `Timeout` drops the
    /// inner future and disarms the timer.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// looplet::run(async {
    ///     let t = looplet::timeout(Duration::from_secs(1), async { 1 });
    ///     let _inner: &_ = t.get_ref();
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, giving up the time limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// looplet::run(async {
    ///     let t = looplet::timeout(Duration::from_secs(1), async { 1 });
    ///     assert_eq!(t.into_inner().await, 1);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.sleep.poll_elapsed(cx, true).map(|()| Err(Elapsed(())))
    }
}

/// The error of a [`timeout`] whose deadline passed first; asyncio's
/// `TimeoutError`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let err = looplet::timeout(Duration::ZERO, looplet::yield_now()).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(alias = "TimeoutError")]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}
