//! `wait` and `gather`: waiting on many tasks at once; asyncio's
//! `asyncio.wait` and `asyncio.gather`.
//!
//! Both work over [`JoinHandle`]s and are plain futures: they poll the
//! handles they hold, which registers the caller's waker with each task
//! that has not finished, and look again when woken.
//!
//! # Timing compared with asyncio
//!
//! In asyncio a finished task schedules a callback, and that callback wakes
//! the waiter: `wait`'s caller sees a completion two turns of the loop
//! later. In looplet a finishing task wakes its handles' owner directly, so
//! the caller sees it on the next turn.
//!
//! # Cost
//!
//! `gather` and `wait(…, AllCompleted)` wait on one handle at a time, in
//! input order: O(n) over the whole wait. `FirstCompleted` and
//! `FirstException` must hear from every task, so each wake looks at every
//! unfinished handle: O(n) per wake. (A production runtime would give each
//! handle its own waker that records which one finished, as
//! `futures::stream::FuturesUnordered` does.)
//!
//! Read next: the crate docs' map of the source, or `docs/` for the whole
//! executor chapter by chapter.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::join::{JoinError, JoinHandle};
use crate::util::panic;

/// When [`wait`] returns; asyncio's `return_when` constants.
///
/// # Examples
///
/// ```
/// use looplet::ReturnWhen;
///
/// assert_ne!(ReturnWhen::FirstCompleted, ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(alias = "return_when")]
pub enum ReturnWhen {
    /// As soon as any task finishes (completes, panics, or is cancelled);
    /// asyncio's `FIRST_COMPLETED`.
    #[doc(alias = "FIRST_COMPLETED")]
    FirstCompleted,
    /// As soon as any task panics, or when all have finished if none does;
    /// asyncio's `FIRST_EXCEPTION`. A cancelled task does not count as a
    /// failure, as in asyncio.
    #[doc(alias = "FIRST_EXCEPTION")]
    FirstException,
    /// When every task has finished; asyncio's `ALL_COMPLETED`.
    #[doc(alias = "ALL_COMPLETED")]
    AllCompleted,
}

/// Waits for tasks until `return_when` says to stop, then returns them as
/// `(done, pending)`; asyncio's `asyncio.wait(tasks, return_when=…)`.
///
/// Both halves keep the input order. Every handle in `done` has finished,
/// so awaiting it gives its result at once (unless that result was already
/// taken: a handle awaited to completion before it was passed to `wait`
/// panics if awaited again); handles in `pending` are still running. No
/// task is cancelled or detached: you get every handle back. The tasks in
/// `pending` no longer wake the caller when they end (asyncio removes its
/// callbacks from them too).
///
/// With no handles, `wait` returns two empty vectors at once (asyncio
/// raises `ValueError` instead).
///
/// # Panics
///
/// When polled inside a `block_on` of another runtime than the tasks'
/// while some task has not finished, like awaiting its
/// [`JoinHandle`](crate::JoinHandle): that task could never finish.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use looplet::ReturnWhen;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let fast = looplet::spawn(looplet::sleep(Duration::from_millis(100)));
///     let slow = looplet::spawn(looplet::sleep(Duration::from_millis(150)));
///     let (done, pending) = looplet::wait([fast, slow], ReturnWhen::FirstCompleted).await;
///     assert_eq!((done.len(), pending.len()), (1, 1));
/// });
/// ```
#[doc(alias = "asyncio.wait")]
pub fn wait<T: 'static>(
    handles: impl IntoIterator<Item = JoinHandle<T>>,
    return_when: ReturnWhen,
) -> Wait<T> {
    Wait {
        handles: handles.into_iter().collect(),
        return_when,
        checked: 0,
    }
}

/// The future returned by [`wait`].
///
/// # Examples
///
/// ```
/// use looplet::{ReturnWhen, Wait};
///
/// looplet::run(async {
///     let waiting: Wait<u32> = looplet::wait([looplet::spawn(async { 1 })], ReturnWhen::AllCompleted);
///     let (done, _) = waiting.await;
///     assert!(done[0].is_finished());
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it drops the handles it holds, which detaches their tasks
/// (they keep running, and their end no longer wakes the caller).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<T> {
    /// The handles, in input order.
    handles: Vec<JoinHandle<T>>,
    /// When to return.
    return_when: ReturnWhen,
    /// For `AllCompleted`: how many handles, from the front, are known to
    /// be finished.
    checked: usize,
}

impl<T: 'static> Wait<T> {
    /// Whether the wait is over, registering the waker with the tasks it
    /// still needs to hear from.
    fn is_over(&mut self, cx: &mut Context<'_>) -> bool {
        match self.return_when {
            ReturnWhen::AllCompleted => {
                // Waiting on the first unfinished handle is enough.
                while let Some(handle) = self.handles.get(self.checked) {
                    if handle.poll_finished(cx).is_pending() {
                        return false;
                    }
                    self.checked += 1;
                }
                true
            }
            ReturnWhen::FirstCompleted => {
                // Poll every handle (so each registers the waker), then
                // decide.
                let finished = self
                    .handles
                    .iter()
                    .filter(|h| h.poll_finished(cx).is_ready())
                    .count();
                finished > 0 || self.handles.is_empty()
            }
            ReturnWhen::FirstException => {
                let mut unfinished = 0;
                let mut panicked = false;
                for handle in &self.handles {
                    match handle.poll_finished(cx) {
                        Poll::Ready(true) => panicked = true,
                        Poll::Ready(false) => {}
                        Poll::Pending => unfinished += 1,
                    }
                }
                panicked || unfinished == 0
            }
        }
    }
}

// Nothing in a `Wait` is ever pinned.
impl<T> Unpin for Wait<T> {}

impl<T: 'static> Future for Wait<T> {
    type Output = (Vec<JoinHandle<T>>, Vec<JoinHandle<T>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.is_over(cx) {
            return Poll::Pending;
        }
        let (done, pending): (Vec<_>, Vec<_>) = std::mem::take(&mut self.handles)
            .into_iter()
            .partition(|h| h.is_finished());
        // `FirstCompleted` and `FirstException` registered with every task;
        // as asyncio removes its callbacks, the pending ones must not wake
        // this caller when they end.
        for handle in &pending {
            handle.stop_waiting(cx.waker());
        }
        Poll::Ready((done, pending))
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("handles", &self.handles)
            .field("return_when", &self.return_when)
            .finish()
    }
}

/// Waits for every task and returns their results in input order;
/// asyncio's `asyncio.gather(*tasks, return_exceptions=True)`.
///
/// A task that panicked or was cancelled gives its `Err(JoinError)` in its
/// place; the others are still waited for. With no handles, the result is
/// an empty vector at once.
///
/// Dropping the `gather` future before it finished cancels the tasks it
/// has not collected, as cancelling asyncio's `gather` cancels its
/// children: `timeout(d, gather(handles))` stops the work when it elapses.
/// ([`wait`] keeps asyncio's opposite rule: dropping it leaves its tasks
/// running.)
///
/// # Panics
///
/// Like awaiting each handle in turn: if a handle's result was already
/// taken (`` `JoinHandle` polled after it completed ``), or if an
/// unfinished task belongs to another runtime than the one whose
/// `block_on` is running. Dropping it unfinished cancels tasks, and a
/// panic from a cancelled future's destructor propagates from the drop,
/// once every other task is cancelled.
///
/// # Examples
///
/// A timeout around a `gather` cancels what is left when it elapses:
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let jobs: Vec<_> = (1..=3)
///         .map(|s| looplet::spawn(looplet::sleep(Duration::from_secs(s))))
///         .collect();
///     let all = looplet::gather(jobs);
///     assert!(looplet::timeout(Duration::from_millis(1500), all).await.is_err());
///     assert_eq!(looplet::stats().tasks_cancelled, 2); // the 2 s and 3 s jobs
/// });
/// ```
///
/// Results come back in input order:
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let slow = looplet::spawn(async {
///         looplet::sleep(Duration::from_millis(20)).await;
///         "slow"
///     });
///     let fast = looplet::spawn(async { "fast" });
///     let results = looplet::gather([slow, fast]).await;
///     let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
///     assert_eq!(results, ["slow", "fast"]); // input order, not finishing order
/// });
/// ```
#[doc(alias = "asyncio.gather")]
pub fn gather<T: 'static>(handles: impl IntoIterator<Item = JoinHandle<T>>) -> Gather<T> {
    let handles: VecDeque<_> = handles.into_iter().collect();
    Gather {
        results: Vec::with_capacity(handles.len()),
        handles,
    }
}

/// The future returned by [`gather`].
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let all: looplet::Gather<u32> = looplet::gather([looplet::spawn(async { 1 }), looplet::spawn(async { 2 })]);
///     let sum: u32 = all.await.into_iter().map(Result::unwrap).sum();
///     assert_eq!(sum, 3);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it before it finished cancels the tasks whose results it has
/// not collected (asyncio's rule for a cancelled `gather`), and drops the
/// results it has.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Gather<T> {
    /// Handles not collected yet, in input order.
    handles: VecDeque<JoinHandle<T>>,
    /// Results so far, in input order.
    results: Vec<Result<T, JoinError>>,
}

// Nothing in a `Gather` is ever pinned: the handles are `Unpin` and the
// results are only moved.
impl<T> Unpin for Gather<T> {}

impl<T: 'static> Future for Gather<T> {
    type Output = Vec<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        while let Some(handle) = self.handles.front_mut() {
            let result = std::task::ready!(Pin::new(handle).poll(cx));
            self.handles.pop_front();
            self.results.push(result);
        }
        Poll::Ready(std::mem::take(&mut self.results))
    }
}

impl<T> Drop for Gather<T> {
    fn drop(&mut self) {
        // Cancel every task still waited for, even if one's destructor
        // panics; the first such panic goes on afterwards.
        let panic = panic::each_catching(self.handles.drain(..), |handle| {
            handle.cancel();
        });
        if let Some(payload) = panic {
            if !std::thread::panicking() {
                std::panic::resume_unwind(payload);
            }
        }
    }
}

impl<T> fmt::Debug for Gather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("pending", &self.handles)
            .field("collected", &self.results.len())
            .finish()
    }
}
