//! [`ConditionWait`], the future of [`Condition::wait`]: notified, then
//! taking the lock again.
//!
//! A wait is in the condition's notify line from the call on (see
//! `condition.rs`). Polled after a notify granted it, it takes the grant
//! and becomes a [`MutexLock`] of the condition's mutex. Dropped after the
//! grant, it passes the notification to the next waiter (gh-112202).
//!
//! Read next: `barrier.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::condition::Condition;
use super::mutex::{MutexGuard, MutexLock};
use super::waiters::{self, Cancelled};
use crate::trace;

/// Where a condition wait is.
pub(super) enum Step<'a, T> {
    /// In the notify line (or notified, not yet run) at this key.
    Waiting(usize),
    /// Notified: taking the lock again.
    Locking(MutexLock<'a, T>),
    /// Finished.
    Done,
}

/// The future returned by [`Condition::wait`]: resolves to the guard,
/// once notified and holding the lock again.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let cond = looplet::sync::Condition::new(());
///     let guard = cond.lock().await;
///     let wait: looplet::sync::ConditionWait<'_, ()> = cond.wait(guard);
///     assert!(!cond.is_locked()); // released by the call
///     assert!(looplet::timeout(Duration::from_secs(1), wait).await.is_err());
///     assert_eq!(format!("{cond:?}"), "Condition { locked: false, waiters: 0 }");
/// });
/// ```
///
/// # Panics
///
/// Polled again after it completed.
///
/// # Cancel safety
///
/// Dropped while waiting for a notify, it leaves the line at once.
/// Dropped after it was notified but before it ran, it passes the
/// notification to the next waiter. Dropped while taking the lock again,
/// it leaves the lock's line (see [`MutexLock`]). In every case the lock
/// is not held afterwards: unlike asyncio, which takes the lock again
/// before raising `CancelledError`, a dropped future has no lock to give.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ConditionWait<'a, T> {
    /// The condition waited on.
    condition: &'a Condition<T>,
    /// Where the wait is.
    step: Step<'a, T>,
}

impl<'a, T> ConditionWait<'a, T> {
    /// A wait at `step`.
    pub(super) fn new(condition: &'a Condition<T>, step: Step<'a, T>) -> Self {
        ConditionWait { condition, step }
    }
}

impl<'a, T> Future for ConditionWait<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        if let Step::Waiting(key) = this.step {
            let waiters = &this.condition.inner.waiters;
            if !waiters::poll_again(waiters, |line| line, key, cx.waker()) {
                return Poll::Pending;
            }
            this.step = Step::Locking(this.condition.inner.mutex.lock());
        }
        match &mut this.step {
            Step::Locking(lock) => {
                let guard = std::task::ready!(Pin::new(lock).poll(cx));
                this.step = Step::Done;
                Poll::Ready(guard)
            }
            Step::Done => panic!("`ConditionWait` polled after it completed; await it once"),
            Step::Waiting(_) => unreachable!("handled above"),
        }
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        let Step::Waiting(key) = self.step else {
            return; // a `MutexLock` in progress cleans up after itself
        };
        let mut waiters = self.condition.inner.waiters.borrow_mut();
        match waiters.cancel(key) {
            Cancelled::Waiting(waker) => {
                drop(waiters);
                drop(waker);
            }
            Cancelled::Granted => {
                // gh-112202: the notification goes to the next waiter.
                let next = waiters.grant_front();
                drop(waiters);
                if trace::tracing() {
                    trace::sync_passed_on(&self.condition.inner.label.to_string(), "");
                }
                if let Some(waker) = next {
                    waker.wake();
                }
            }
        }
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.step {
            Step::Waiting(_) => "waiting",
            Step::Locking(_) => "locking",
            Step::Done => "done",
        };
        f.debug_struct("ConditionWait")
            .field("step", &step)
            .finish_non_exhaustive()
    }
}
