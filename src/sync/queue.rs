//! [`OrderedQueue`], behind [`Queue`] (asyncio's `asyncio.Queue`),
//! [`LifoQueue`] and [`PriorityQueue`]: items, an optional `maxsize`, two
//! waiter lines (getters waiting for an item, putters waiting for room),
//! the count of unfinished items behind `join`, and `shutdown`.
//!
//! # Hand-off
//!
//! As with the lock, what frees up goes to the oldest waiter and no
//! latecomer can barge: a put with getters in line *grants* the oldest
//! getter a turn ([`Waiters::grant_front`]); the item stays in the queue,
//! but `get_nowait` and new getters only see items beyond those promised
//! to granted getters. A get with putters in line grants the oldest putter
//! a place the same way. A granted waiter dropped before it ran gives its
//! turn back and [`State::settle`] grants it to the next one.
//!
//! The state and its `settle` are in `queue_state.rs`; `task_done`,
//! `join` and `shutdown` in `queue_done.rs`.
//!
//! # Invariants
//!
//! * Getters wait in line only while every item is promised:
//!   `!getters.is_empty()` ⇒ `items.len() <= getters granted`.
//! * Putters wait in line only while every place is promised:
//!   `!putters.is_empty()` ⇒ `items.len() + putters granted >= maxsize`.
//! * `finished` is set exactly when `unfinished == 0`.
//! * After `shutdown`, no waiter is left in either line (all granted).
//! * No borrow of the state is held while a waker is woken or dropped.
//!
//! Read next: `queue_futures.rs`, the futures of `put`, `get` and `join`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::event::Event;
use super::queue_error::{GetError, PutError};
use super::queue_futures::{QueueGet, QueuePut};
use super::queue_order::{Fifo, Lifo, Order, Priority};
use super::queue_state::State;
use super::waiters::Waiters;
use crate::trace;

/// A queue whose items come out in the order `O` keeps: [`Fifo`]
/// ([`Queue`]), [`Lifo`] ([`LifoQueue`]) or [`Priority`]
/// ([`PriorityQueue`]). Use it through those three names; the methods are
/// the same for all.
///
/// A queue is a cheap handle: clones are the same queue. It only uses
/// wakers, so it works under any executor.
///
/// # Examples
///
/// ```
/// use looplet::sync::{Fifo, OrderedQueue, Queue};
///
/// let queue: OrderedQueue<u8, Fifo<u8>> = Queue::new(0);
/// queue.put_nowait(1).unwrap();
/// assert_eq!(queue.len(), 1);
/// ```
pub struct OrderedQueue<T, O: Order<T>> {
    /// The state and the `join` event, shared by every clone.
    pub(super) inner: Rc<Inner<T, O>>,
}

/// A FIFO queue of items between tasks of one thread; asyncio's
/// `asyncio.Queue`. Its methods are those of [`OrderedQueue`], the one
/// type behind `Queue`, [`LifoQueue`] and [`PriorityQueue`].
///
/// A queue is a cheap handle: clones are the same queue. It only uses
/// wakers, so it works under any executor. Getters blocked on an empty
/// queue are served oldest first, as are putters blocked on a full one.
///
/// # Examples
///
/// asyncio's queue tutorial shape: workers take jobs until the producer
/// has `join`ed every job, then are cancelled.
///
/// ```
/// use looplet::sync::Queue;
///
/// looplet::run(async {
///     let queue = Queue::new(2); // maxsize 2: the producer waits for room
///     let workers: Vec<_> = (0..3)
///         .map(|_| {
///             let queue = queue.clone();
///             looplet::spawn(async move {
///                 while let Ok(job) = queue.get().await {
///                     let _ = job * 2; // the work
///                     queue.task_done();
///                 }
///             })
///         })
///         .collect();
///     for job in 0..10 {
///         queue.put(job).await.unwrap();
///     }
///     queue.join().await; // every job marked done
///     queue.shutdown(false); // workers' `get` now fails: they return
///     looplet::gather(workers).await;
/// });
/// ```
///
/// `Queue` is neither `Send` nor `Sync`:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::sync::Queue<u8>>();
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::sync::Queue<u8>>();
/// ```
#[doc(alias = "asyncio.Queue")]
pub type Queue<T> = OrderedQueue<T, Fifo<T>>;

/// asyncio's `LifoQueue`: the last item put is the first out.
///
/// # Examples
///
/// ```
/// let stack = looplet::sync::LifoQueue::new(0);
/// stack.put_nowait(1).unwrap();
/// stack.put_nowait(2).unwrap();
/// assert_eq!(stack.get_nowait(), Ok(2));
/// ```
#[doc(alias = "asyncio.LifoQueue")]
pub type LifoQueue<T> = OrderedQueue<T, Lifo<T>>;

/// asyncio's `PriorityQueue`: the smallest item first, equal items in the
/// order they were put.
///
/// # Examples
///
/// ```
/// let queue = looplet::sync::PriorityQueue::new(0);
/// for job in [(2, "write"), (1, "read"), (3, "close")] {
///     queue.put_nowait(job).unwrap();
/// }
/// assert_eq!(queue.get_nowait(), Ok((1, "read")));
/// assert_eq!(queue.get_nowait(), Ok((2, "write")));
/// ```
#[doc(alias = "asyncio.PriorityQueue")]
pub type PriorityQueue<T> = OrderedQueue<T, Priority<T>>;

/// A queue's state and its `join` event.
pub(super) struct Inner<T, O> {
    /// Items, waiters, counts.
    pub(super) state: RefCell<State<T, O>>,
    /// Set while every item put has been marked done (`join` waits on it).
    pub(super) finished: Event,
    /// Its name in trace lines: `queue 5`.
    pub(super) label: trace::Label,
}

impl<T, O: Order<T>> Default for OrderedQueue<T, O> {
    /// An unbounded queue.
    fn default() -> Self {
        OrderedQueue::with_order(0)
    }
}

impl<T, O: Order<T>> Clone for OrderedQueue<T, O> {
    fn clone(&self) -> Self {
        OrderedQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T, O: Order<T>> OrderedQueue<T, O> {
    /// A queue holding at most `maxsize` items (0: no limit, asyncio's
    /// convention); asyncio's `asyncio.Queue(maxsize)` (or `LifoQueue`,
    /// `PriorityQueue`, by the name it is called through).
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::sync::{LifoQueue, PriorityQueue, Queue};
    ///
    /// let queue: Queue<u8> = Queue::new(10);
    /// assert_eq!(queue.maxsize(), 10);
    /// let stack: LifoQueue<u8> = LifoQueue::new(0);
    /// let jobs: PriorityQueue<(u8, &str)> = PriorityQueue::new(0);
    /// assert!(stack.is_empty() && jobs.is_empty());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        OrderedQueue::with_order(maxsize)
    }

    /// The one constructor.
    fn with_order(maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        OrderedQueue {
            inner: Rc::new(Inner {
                state: RefCell::new(State {
                    items: O::default(),
                    maxsize,
                    unfinished: 0,
                    shut_down: false,
                    getters: Waiters::default(),
                    putters: Waiters::default(),
                    _items: std::marker::PhantomData,
                }),
                finished,
                label: trace::Label::new("queue"),
            }),
        }
    }

    /// Puts `item` in, waiting for room while the queue is full; asyncio's
    /// `await queue.put(item)`. Fails only if the queue is shut down
    /// (before or while waiting), giving the item back.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let queue = looplet::sync::Queue::new(1);
    ///     queue.put("job").await.unwrap();
    ///     assert!(queue.is_full());
    /// });
    /// ```
    pub fn put(&self, item: T) -> QueuePut<'_, T, O> {
        QueuePut::new(self, item)
    }

    /// Puts `item` in if there is room now; asyncio's `put_nowait`.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::sync::{PutError, Queue};
    ///
    /// let queue = Queue::new(1);
    /// assert_eq!(queue.put_nowait(1), Ok(()));
    /// assert_eq!(queue.put_nowait(2), Err(PutError::Full(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        let mut state = self.inner.state.borrow_mut();
        if state.shut_down {
            return Err(PutError::ShutDown(item));
        }
        if !state.has_room() {
            return Err(PutError::Full(item));
        }
        let first = state.store(item);
        let wakes = state.settle();
        drop(state);
        if first {
            self.inner.finished.clear();
        }
        wakes.wake(&self.inner.label);
        Ok(())
    }

    /// Waits for an item and takes it; asyncio's `await queue.get()`.
    /// After a shutdown, gets still drain the items left, then fail with
    /// [`GetError::ShutDown`].
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let queue = looplet::sync::Queue::new(0);
    ///     queue.put_nowait(7).unwrap();
    ///     assert_eq!(queue.get().await, Ok(7));
    /// });
    /// ```
    pub fn get(&self) -> QueueGet<'_, T, O> {
        QueueGet::new(self)
    }

    /// Takes an item if one is there now; asyncio's `get_nowait`.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::sync::{GetError, Queue};
    ///
    /// let queue = Queue::new(0);
    /// assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    /// queue.put_nowait('x').unwrap();
    /// assert_eq!(queue.get_nowait(), Ok('x'));
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetError> {
        let mut state = self.inner.state.borrow_mut();
        let result = self.take(&mut state);
        let wakes = state.settle();
        drop(state);
        wakes.wake(&self.inner.label);
        result
    }

    /// Takes a free item, or says why not.
    pub(super) fn take(&self, state: &mut State<T, O>) -> Result<T, GetError> {
        if state.free_items() > 0 {
            Ok(state.items.pop().expect("a free item"))
        } else if state.shut_down {
            Err(GetError::ShutDown)
        } else {
            Err(GetError::Empty)
        }
    }

    /// How many items are in the queue; asyncio's `qsize()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = looplet::sync::Queue::new(0);
    /// queue.put_nowait(()).unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.inner.state.borrow().items.len()
    }

    /// Whether the queue has no item; asyncio's `empty()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: looplet::sync::Queue<()> = looplet::sync::Queue::new(0);
    /// assert!(queue.is_empty());
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `maxsize` items (never, unbounded);
    /// asyncio's `full()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = looplet::sync::Queue::new(1);
    /// queue.put_nowait(()).unwrap();
    /// assert!(queue.is_full());
    /// ```
    #[doc(alias = "full")]
    pub fn is_full(&self) -> bool {
        let state = self.inner.state.borrow();
        state.maxsize > 0 && state.items.len() >= state.maxsize
    }

    /// The most items the queue holds (0: no limit); asyncio's `maxsize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: looplet::sync::Queue<()> = Default::default();
    /// assert_eq!(queue.maxsize(), 0);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.inner.state.borrow().maxsize
    }
}

impl<T, O: Order<T>> fmt::Debug for OrderedQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(state) = self.inner.state.try_borrow() else {
            return f.write_str("Queue { <in use> }");
        };
        f.debug_struct("Queue")
            .field("len", &state.items.len())
            .field("maxsize", &state.maxsize)
            .field("unfinished", &state.unfinished)
            .field("getters", &state.getters.len())
            .field("putters", &state.putters.len())
            .field("shut_down", &state.shut_down)
            .finish()
    }
}
