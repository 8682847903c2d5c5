//! `as_completed`: results in the order tasks finish; asyncio's
//! `asyncio.as_completed`.
//!
//! An [`AsCompleted`] holds the handles not yet collected. Each
//! [`next`](AsCompleted::next) looks at them in input order, registering
//! the caller's waker with every unfinished one, and hands back the first
//! that has finished. A task that finishes wakes the caller, which finds it
//! on its next look.
//!
//! # Cost, and where this is simpler than asyncio
//!
//! Each look is O(n) over the handles left, as `wait(FirstCompleted)` is
//! (see `wait.rs`). asyncio queues each completion from a done-callback,
//! so it knows the exact order in which tasks finished; looplet looks
//! after the fact, so tasks that finish in the same turn of the loop come
//! out in input order. A production runtime would give each handle a
//! waker of its own that records which one finished, as
//! `futures::stream::FuturesUnordered` does.
//!
//! Read next: `runtime/` (the entry points).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::join::{JoinError, JoinHandle};

/// Waits for tasks one at a time, in the order they finish; asyncio's
/// `asyncio.as_completed(tasks)`.
///
/// Each [`next`](AsCompleted::next) gives the result of one more task
/// (`Ok` with its output, or the `JoinError` of a panic or cancellation),
/// and `None` once every task's result was given. Tasks that finish in the
/// same turn of the loop come out in input order.
///
/// # Panics
///
/// Like awaiting each handle: if a handle's result was already taken, or
/// if an unfinished task belongs to another runtime than the one whose
/// `block_on` is running.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let jobs = [30, 10, 20].map(|ms| {
///         looplet::spawn(async move {
///             looplet::sleep(Duration::from_millis(ms)).await;
///             ms
///         })
///     });
///     let mut finished = looplet::as_completed(jobs);
///     let mut order = Vec::new();
///     while let Some(result) = finished.next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
#[doc(alias = "asyncio.as_completed")]
pub fn as_completed<T: 'static>(
    handles: impl IntoIterator<Item = JoinHandle<T>>,
) -> AsCompleted<T> {
    AsCompleted {
        handles: handles.into_iter().collect(),
    }
}

/// Results in completion order; made by [`as_completed`].
///
/// Dropping it drops the handles it has not collected, which detaches
/// their tasks (they keep running), as abandoning asyncio's `as_completed`
/// leaves its tasks running.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let mut left: looplet::AsCompleted<u8> = looplet::as_completed([looplet::spawn(async { 1 })]);
///     assert_eq!(left.len(), 1);
///     assert_eq!(left.next().await.unwrap().unwrap(), 1);
///     assert!(left.next().await.is_none());
/// });
/// ```
pub struct AsCompleted<T> {
    /// The handles whose results were not given yet, in input order.
    handles: Vec<JoinHandle<T>>,
}

impl<T: 'static> AsCompleted<T> {
    /// The next task to finish: its result, or `None` when every result has
    /// been given.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let mut finished = looplet::as_completed([looplet::spawn(async { "only" })]);
    ///     assert_eq!(finished.next().await.unwrap().unwrap(), "only");
    ///     assert!(finished.next().await.is_none());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it is ready loses no
    /// result; the next call finds it.
    // The design's name; an `async` next is not `Iterator::next` (nor a
    // `Stream`: looplet depends on no stream trait).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> NextCompleted<'_, T> {
        NextCompleted { tasks: self }
    }

    /// How many results are still to come.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let finished = looplet::as_completed([looplet::spawn(async {}), looplet::spawn(async {})]);
    ///     assert_eq!(finished.len(), 2);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether every result has been given.
    ///
    /// # Examples
    ///
    /// ```
    /// let finished = looplet::as_completed(Vec::<looplet::JoinHandle<()>>::new());
    /// assert!(finished.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("pending", &self.handles)
            .finish()
    }
}

/// The future of [`AsCompleted::next`].
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let mut finished = looplet::as_completed([looplet::spawn(async { 5 })]);
///     let next: looplet::NextCompleted<'_, i32> = finished.next();
///     assert_eq!(next.await.unwrap().unwrap(), 5);
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: a result is only taken out of its handle in the poll that
/// returns it.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct NextCompleted<'a, T> {
    /// The handles left.
    tasks: &'a mut AsCompleted<T>,
}

impl<T: 'static> Future for NextCompleted<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handles = &mut self.tasks.handles;
        if handles.is_empty() {
            return Poll::Ready(None);
        }
        // Look in input order; when none has finished, every handle has
        // been polled and so holds the waker.
        let finished = handles
            .iter()
            .map(|handle| handle.poll_finished(cx).is_ready())
            .position(|ready| ready);
        let Some(index) = finished else {
            return Poll::Pending;
        };
        let mut handle = handles.remove(index);
        Pin::new(&mut handle).poll(cx).map(Some)
    }
}

impl<T> fmt::Debug for NextCompleted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextCompleted")
            .field("pending", &self.tasks.handles.len())
            .finish()
    }
}
