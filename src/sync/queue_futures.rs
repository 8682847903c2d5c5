//! The futures of a [`Queue`](super::Queue): [`QueuePut`], [`QueueGet`] and
//! [`QueueJoin`].
//!
//! A put or get that cannot finish at once joins its line (putters or
//! getters). A put or get elsewhere *grants* the oldest a turn (see
//! `queue.rs`); the waiter finds the grant on its next poll and finishes,
//! or, dropped first, gives the turn back so the next waiter gets it.
//!
//! Read next: `condition.rs`, then `barrier.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::event_wait::EventWait;
use super::queue::OrderedQueue as Queue;
use super::queue_error::{GetError, PutError};
use super::queue_order::Order;
use super::queue_state::State;
use super::waiters::{self, Cancelled, Waiters};
use crate::task::Wake;
use crate::trace;

/// Where a put or a get is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Not polled yet.
    Start,
    /// In its line (or granted) at this key.
    Waiting(usize),
    /// Finished.
    Done,
}

/// Which line of the state a future waits in.
fn line<T, O>(state: &mut State<T, O>, putter: bool) -> &mut Waiters {
    if putter {
        &mut state.putters
    } else {
        &mut state.getters
    }
}

/// Joins `line` with the task's waker (cloned with no borrow held).
fn enqueue<T, O: Order<T>>(queue: &Queue<T, O>, putter: bool, cx: &mut Context<'_>) -> usize {
    let waker = Wake::of(cx.waker());
    let mut state = queue.inner.state.borrow_mut();
    let waiters = line(&mut state, putter);
    let key = waiters.push_back(waker);
    let waiting = waiters.len();
    drop(state);
    if trace::tracing() {
        let role = if putter { "put " } else { "get " };
        trace::sync_waits(&queue.inner.label.to_string(), role, waiting);
    }
    key
}

/// Whether waiter `key` was granted (and if so takes the grant); else
/// refreshes its waker.
fn granted<T, O: Order<T>>(
    queue: &Queue<T, O>,
    putter: bool,
    key: usize,
    cx: &mut Context<'_>,
) -> bool {
    waiters::poll_again(
        &queue.inner.state,
        |state| line(state, putter),
        key,
        cx.waker(),
    )
}

/// A dropped waiter (`key` in its line) leaves the line; a granted one
/// gives its turn back.
fn cancel<T, O: Order<T>>(queue: &Queue<T, O>, putter: bool, key: usize) {
    let mut state = queue.inner.state.borrow_mut();
    match line(&mut state, putter).cancel(key) {
        Cancelled::Waiting(waker) => {
            drop(state);
            drop(waker);
        }
        Cancelled::Granted => {
            let wakes = state.settle();
            drop(state);
            if trace::tracing() {
                let role = if putter { "put " } else { "get " };
                trace::sync_passed_on(&queue.inner.label.to_string(), role);
            }
            wakes.wake(&queue.inner.label);
        }
    }
}

/// The future returned by [`Queue::put`](super::OrderedQueue::put).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let queue = looplet::sync::Queue::new(1);
///     queue.put(1).await.unwrap();
///     let late = looplet::timeout(Duration::from_secs(1), queue.put(2)).await;
///     assert!(late.is_err()); // still full: gave up, item 2 dropped
///     assert_eq!(queue.len(), 1);
/// });
/// ```
///
/// # Panics
///
/// Polled again after it completed.
///
/// # Cancel safety
///
/// Dropped before it finished, the item is not put (it is dropped with
/// the future), and its place in line is freed at once; if a place had
/// already been granted to it, the place goes to the next putter.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct QueuePut<'a, T, O: Order<T>> {
    /// The queue.
    queue: &'a Queue<T, O>,
    /// The item, until it is put or given back.
    item: Option<T>,
    /// Where the put is.
    step: Step,
}

impl<'a, T, O: Order<T>> QueuePut<'a, T, O> {
    /// A put not polled yet.
    pub(super) fn new(queue: &'a Queue<T, O>, item: T) -> Self {
        QueuePut {
            queue,
            item: Some(item),
            step: Step::Start,
        }
    }

    /// Puts the item in (the turn is this future's), or fails on shutdown.
    fn finish(&mut self) -> Poll<Result<(), PutError<T>>> {
        self.step = Step::Done;
        let item = self.item.take().expect("a put has its item until done");
        let mut state = self.queue.inner.state.borrow_mut();
        if state.shut_down {
            return Poll::Ready(Err(PutError::ShutDown(item)));
        }
        let first = state.store(item);
        let wakes = state.settle();
        drop(state);
        if first {
            self.queue.inner.finished.clear();
        }
        wakes.wake(&self.queue.inner.label);
        Poll::Ready(Ok(()))
    }
}

impl<T, O: Order<T>> Unpin for QueuePut<'_, T, O> {}

impl<T, O: Order<T>> Future for QueuePut<'_, T, O> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match this.step {
            Step::Done => panic!("`QueuePut` polled after it completed; await it once"),
            Step::Start => {
                let state = this.queue.inner.state.borrow();
                if state.shut_down || state.has_room() {
                    drop(state);
                    return this.finish();
                }
                drop(state);
                this.step = Step::Waiting(enqueue(this.queue, true, cx));
                Poll::Pending
            }
            Step::Waiting(key) => {
                if granted(this.queue, true, key, cx) {
                    this.finish()
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<T, O: Order<T>> Drop for QueuePut<'_, T, O> {
    #[inline]
    fn drop(&mut self) {
        // Most puts complete without ever waiting: nothing to leave.
        if let Step::Waiting(key) = self.step {
            cancel(self.queue, true, key);
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for QueuePut<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuePut")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Queue::get`](super::OrderedQueue::get).
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let queue = looplet::sync::Queue::new(0);
///     let getter = looplet::spawn({
///         let queue = queue.clone();
///         async move { queue.get().await }
///     });
///     looplet::yield_now().await; // the getter waits
///     queue.put_nowait("hello").unwrap();
///     assert_eq!(getter.await.unwrap(), Ok("hello"));
/// });
/// ```
///
/// # Panics
///
/// Polled again after it completed.
///
/// # Cancel safety
///
/// Cancel safe: no item is lost. Dropped while waiting, it leaves the line
/// at once; dropped after an item was promised to it but before it ran,
/// the item stays in the queue and goes to the next getter.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct QueueGet<'a, T, O: Order<T>> {
    /// The queue.
    queue: &'a Queue<T, O>,
    /// Where the get is.
    step: Step,
}

impl<'a, T, O: Order<T>> QueueGet<'a, T, O> {
    /// A get not polled yet.
    pub(super) fn new(queue: &'a Queue<T, O>) -> Self {
        QueueGet {
            queue,
            step: Step::Start,
        }
    }

    /// Takes an item (this future's turn), or fails on shutdown.
    fn finish(&mut self) -> Poll<Result<T, GetError>> {
        self.step = Step::Done;
        let mut state = self.queue.inner.state.borrow_mut();
        let result = self.queue.take(&mut state);
        debug_assert!(
            !matches!(result, Err(GetError::Empty)),
            "a granted get found no item"
        );
        let wakes = state.settle();
        drop(state);
        wakes.wake(&self.queue.inner.label);
        Poll::Ready(result)
    }
}

impl<T, O: Order<T>> Future for QueueGet<'_, T, O> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match this.step {
            Step::Done => panic!("`QueueGet` polled after it completed; await it once"),
            Step::Start => {
                let state = this.queue.inner.state.borrow();
                if state.shut_down || state.free_items() > 0 {
                    drop(state);
                    return this.finish();
                }
                drop(state);
                this.step = Step::Waiting(enqueue(this.queue, false, cx));
                Poll::Pending
            }
            Step::Waiting(key) => {
                if granted(this.queue, false, key, cx) {
                    this.finish()
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<T, O: Order<T>> Drop for QueueGet<'_, T, O> {
    #[inline]
    fn drop(&mut self) {
        // Most gets complete without ever waiting: nothing to leave.
        if let Step::Waiting(key) = self.step {
            cancel(self.queue, false, key);
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for QueueGet<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueGet")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Queue::join`](super::OrderedQueue::join): ready once every item put has
/// been marked done.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let queue = looplet::sync::Queue::new(0);
///     queue.put_nowait(1).unwrap();
///     let join: looplet::sync::QueueJoin<'_> = queue.join();
///     queue.get_nowait().unwrap();
///     queue.task_done();
///     join.await;
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: it only waits; dropping it changes nothing.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct QueueJoin<'a> {
    /// The wait on the queue's `finished` event.
    wait: EventWait<'a>,
}

impl<'a> QueueJoin<'a> {
    /// Wraps the wait on the `finished` event.
    pub(super) fn new(wait: EventWait<'a>) -> Self {
        QueueJoin { wait }
    }
}

impl Future for QueueJoin<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.wait).poll(cx)
    }
}
