//! The finishing side of a queue: `task_done`, `join` and `shutdown`.
//!
//! `join` waits on an [`Event`](super::Event) the queue keeps set while no
//! item is unfinished: `put` clears it on the first unfinished item,
//! `task_done` sets it on the last. `shutdown` grants every waiter of both
//! lines, so each wakes and finds the queue shut down.
//!
//! Read next: `queue_futures.rs`.

use super::queue::OrderedQueue;
use super::queue_futures::QueueJoin;
use super::queue_order::Order;
use crate::task::Wake;

impl<T, O: Order<T>> OrderedQueue<T, O> {
    /// Marks one item taken as done; asyncio's `queue.task_done()`. When
    /// every item put has been marked done, `join` returns.
    ///
    /// # Panics
    ///
    /// Called more times than items were put (asyncio's `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = looplet::sync::Queue::new(0);
    /// queue.put_nowait(()).unwrap();
    /// queue.get_nowait().unwrap();
    /// queue.task_done();
    /// ```
    pub fn task_done(&self) {
        let mut state = self.inner.state.borrow_mut();
        if state.unfinished == 0 {
            drop(state);
            panic!(
                "`Queue::task_done` called more times than items were put; \
                 call it once per item taken with `get`"
            );
        }
        state.unfinished -= 1;
        let done = state.unfinished == 0;
        drop(state);
        if done {
            self.inner.finished.set();
        }
    }

    /// Waits until every item put has been marked done with `task_done`;
    /// asyncio's `await queue.join()`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let queue: looplet::sync::Queue<u8> = looplet::sync::Queue::new(0);
    ///     queue.join().await; // nothing put: ready at once
    /// });
    /// ```
    pub fn join(&self) -> QueueJoin<'_> {
        QueueJoin::new(self.inner.finished.wait())
    }

    /// Shuts the queue down; asyncio's `queue.shutdown(immediate)` (3.13).
    ///
    /// From then on puts fail with [`PutError::ShutDown`](super::PutError::ShutDown), and every
    /// blocked putter and getter wakes and fails the same way; gets still
    /// drain the items left, then fail. With `immediate`, the items left
    /// are dropped first, each counted done, so `join` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::sync::{GetError, Queue};
    ///
    /// let queue = Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// queue.shutdown(false);
    /// assert_eq!(queue.get_nowait(), Ok(1)); // drains what is left
    /// assert_eq!(queue.get_nowait(), Err(GetError::ShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let mut state = self.inner.state.borrow_mut();
        state.shut_down = true;
        let mut dropped = Vec::new();
        if immediate {
            while let Some(item) = state.items.pop() {
                dropped.push(item);
            }
            state.unfinished = state.unfinished.saturating_sub(dropped.len());
        }
        let done = immediate && state.unfinished == 0;
        let mut wakers = Vec::new();
        while let Some(w) = state.getters.grant_front() {
            wakers.push(w);
        }
        while let Some(w) = state.putters.grant_front() {
            wakers.push(w);
        }
        drop(state);
        drop(dropped); // an item's drop may use the queue
        if done {
            self.inner.finished.set();
        }
        wakers.into_iter().for_each(Wake::wake);
    }
}
