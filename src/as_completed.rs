//! `as_completed`: results in the order tasks finish; asyncio's
//! `asyncio.as_completed`.
//!
//! Each handle gets a waker of its own that, when its task finishes, puts
//! the handle's index on a shared ready line and wakes whoever awaits
//! [`AsCompleted::next`], as asyncio's done-callbacks feed its queue (and
//! as `futures::stream::FuturesUnordered` does). So results come out in the
//! order the tasks finished, however late the caller looks, and each
//! completion costs O(1). Tasks already finished when `next` first looks
//! come first, in input order.
//!
//! The wakers are `Send + Sync` (std's contract), so the ready line is a
//! `Mutex`: one lock per completion, and one `Arc` per handle.
//!
//! Read next: `group/` (task groups).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_task::{ArcWake, waker};

use crate::join::{JoinError, JoinHandle};

/// Waits for tasks one at a time, in the order they finish; asyncio's
/// `asyncio.as_completed(tasks)`.
///
/// Each [`next`](AsCompleted::next) gives the result of one more task
/// (`Ok` with its output, or the `JoinError` of a panic or cancellation),
/// and `None` once every task's result was given, in the order the tasks
/// finished. Tasks already finished when `next` first looks come first, in
/// input order.
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
    let handles: Vec<_> = handles.into_iter().map(Some).collect();
    let ready = Arc::new(Ready::default());
    let wakers = (0..handles.len())
        .map(|index| {
            waker(Arc::new(Finished {
                index,
                ready: ready.clone(),
            }))
        })
        .collect();
    AsCompleted {
        left: handles.len(),
        handles,
        wakers,
        ready,
        looked: false,
    }
}

/// The handles that finished, in the order they did, and who waits.
#[derive(Default)]
struct Ready {
    /// Indexes of finished handles (a spurious wake may repeat one).
    line: Mutex<VecDeque<usize>>,
    /// The waker of whoever awaits `next`.
    waiter: Mutex<Option<Waker>>,
}

/// One handle's waker: its task finished.
struct Finished {
    /// The handle's place in the input.
    index: usize,
    /// Where to say so.
    ready: Arc<Ready>,
}

impl ArcWake for Finished {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        let ready = &arc_self.ready;
        ready
            .line
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(arc_self.index);
        // Woken with no lock held: the waiter's code may be anything.
        let waiter = ready
            .waiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(waiter) = waiter {
            waiter.wake();
        }
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
    /// The handles, in input order; `None` once its result was given.
    handles: Vec<Option<JoinHandle<T>>>,
    /// How many results are still to come.
    left: usize,
    /// Each handle's own waker, which reports its index to `ready`.
    wakers: Vec<Waker>,
    /// The finished handles, in finishing order.
    ready: Arc<Ready>,
    /// Whether `next` has looked at every handle once.
    looked: bool,
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
        self.left
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
        self.left == 0
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("left", &self.left)
            .finish_non_exhaustive()
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
        let tasks = &mut *self.tasks;
        if tasks.left == 0 {
            return Poll::Ready(None);
        }
        tasks.wait_with(cx.waker());
        if !tasks.looked {
            // The first look: register each handle's own waker; those
            // already finished go on the line now, in input order.
            tasks.looked = true;
            for index in 0..tasks.handles.len() {
                tasks.watch(index);
            }
        }
        loop {
            let next = tasks
                .ready
                .line
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            let Some(index) = next else {
                return Poll::Pending;
            };
            let Some(handle) = tasks.handles[index].as_ref() else {
                continue; // already given: a repeated wake
            };
            if !handle.is_finished() {
                tasks.watch(index); // a spurious wake: watch it again
                continue;
            }
            let mut handle = tasks.handles[index].take().expect("checked above");
            tasks.left -= 1;
            return Pin::new(&mut handle).poll(cx).map(Some);
        }
    }
}

impl<T: 'static> AsCompleted<T> {
    /// Registers handle `index`'s own waker with its task, and puts it on
    /// the ready line if the task has already finished.
    fn watch(&mut self, index: usize) {
        let Some(handle) = &self.handles[index] else {
            return;
        };
        let mut cx = Context::from_waker(&self.wakers[index]);
        if handle.poll_finished(&mut cx).is_ready() {
            self.ready
                .line
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(index);
        }
    }

    /// Makes `waker` the one a finishing task wakes.
    fn wait_with(&self, waker: &Waker) {
        let current = self
            .ready
            .waiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if current.is_some_and(|w| w.will_wake(waker)) {
            return;
        }
        // Cloned with no lock held: a clone runs the waker's own code.
        let waker = waker.clone();
        let old = self
            .ready
            .waiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(waker);
        drop(old);
    }
}

impl<T> fmt::Debug for NextCompleted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextCompleted")
            .field("left", &self.tasks.left)
            .finish()
    }
}
