//! [`BarrierWait`], the future of [`Barrier::wait`]: arriving, waiting
//! for the last arrival, and leaving the cycle (see `barrier.rs` for the
//! phases).
//!
//! Read next: `event.rs`, the simplest primitive, then `docs/08-sync.md`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::barrier::{Barrier, BrokenBarrier, Phase, trace_label, wake_all};
use super::waiters::Cancelled;
use crate::task::Wake;

/// Where a barrier wait is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Not arrived yet.
    Start,
    /// Waiting in `next` for a filling cycle.
    Queued(usize),
    /// Arrived with this index, waiting in `arrived` at this key.
    Arrived { key: usize, index: usize },
    /// Finished.
    Done,
}

/// The future returned by [`Barrier::wait`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let barrier = looplet::sync::Barrier::new(2);
///     let alone = looplet::timeout(Duration::from_secs(1), barrier.wait()).await;
///     assert!(alone.is_err());
///     assert_eq!(barrier.n_waiting(), 0); // the dropped wait left the count
/// });
/// ```
///
/// # Panics
///
/// Polled again after it completed.
///
/// # Cancel safety
///
/// Dropped while the barrier fills, it leaves the count (the barrier
/// needs one more arrival again). Dropped after the barrier released it,
/// it counts as having left, so the next cycle is not held up.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct BarrierWait<'a> {
    /// The barrier.
    barrier: &'a Barrier,
    /// Where the wait is.
    step: Step,
}

impl<'a> BarrierWait<'a> {
    /// A wait at `step`.
    pub(super) fn new(barrier: &'a Barrier, step: Step) -> Self {
        BarrierWait { barrier, step }
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrier>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut wakers = Vec::new();
        // Cloning a waker runs foreign code: before the borrow.
        let mut waker = Some(Wake::of(cx.waker()));
        let mut state = this.barrier.state.borrow_mut();
        let out = match this.step {
            Step::Done => panic!("`BarrierWait` polled after it completed; await it once"),
            Step::Queued(key) if !state.next.is_granted(key) => {
                let old = state.next.replace_wake(key, waker.take().expect("unused"));
                drop(state);
                drop(old);
                return Poll::Pending;
            }
            Step::Arrived { key, .. } if !state.arrived.is_granted(key) => {
                let old = state
                    .arrived
                    .replace_wake(key, waker.take().expect("unused"));
                drop(state);
                drop(old);
                return Poll::Pending;
            }
            Step::Start | Step::Queued(_) => {
                if let Step::Queued(key) = this.step {
                    state.next.take_grant(key);
                }
                match state.phase {
                    Phase::Broken => Poll::Ready(Err(BrokenBarrier)),
                    Phase::Draining | Phase::Resetting => {
                        this.step =
                            Step::Queued(state.next.push_back(waker.take().expect("unused")));
                        Poll::Pending
                    }
                    Phase::Filling => {
                        let index = state.count;
                        state.count += 1;
                        if state.count == state.parties {
                            state.phase = Phase::Draining;
                            state.release_arrived(&mut wakers);
                            state.leave(&mut wakers);
                            Poll::Ready(Ok(index))
                        } else {
                            let key = state.arrived.push_back(waker.take().expect("unused"));
                            this.step = Step::Arrived { key, index };
                            Poll::Pending
                        }
                    }
                }
            }
            Step::Arrived { key, index } => {
                state.arrived.take_grant(key);
                let result = match state.phase {
                    Phase::Draining => Ok(index),
                    Phase::Filling | Phase::Resetting | Phase::Broken => Err(BrokenBarrier),
                };
                state.leave(&mut wakers);
                Poll::Ready(result)
            }
        };
        let label = trace_label(&state, &wakers);
        drop(state);
        drop(waker);
        if out.is_ready() {
            this.step = Step::Done;
        }
        wake_all(wakers, label);
        out
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let mut wakers = Vec::new();
        let mut state = self.barrier.state.borrow_mut();
        let removed = match self.step {
            Step::Start | Step::Done => None,
            Step::Queued(key) => match state.next.cancel(key) {
                Cancelled::Waiting(waker) => Some(waker),
                Cancelled::Granted => None,
            },
            Step::Arrived { key, .. } => {
                let removed = match state.arrived.cancel(key) {
                    Cancelled::Waiting(waker) => Some(waker),
                    Cancelled::Granted => None,
                };
                if state.count > 0 {
                    state.leave(&mut wakers);
                }
                removed
            }
        };
        let label = trace_label(&state, &wakers);
        drop(state);
        drop(removed);
        wake_all(wakers, label);
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}
