//! asyncio's synchronization primitives, for one thread: `!Send`, cheap to
//! clone, and usable under any executor.
//!
//! Everything here is built on wakers alone and never names the runtime,
//! so an [`Event`] works under `futures::executor::block_on` or tokio's
//! `LocalSet` as well as under looplet. Trace lines go through the small
//! hook in `trace/` (one thread-local read when nobody traces).
//!
//! | file | what it holds |
//! |------|---------------|
//! | `waiters.rs` | the FIFO waiter line every primitive shares, with *granted* waiters |
//! | `permits.rs` | free permits and their waiters: the hand-off core of the lock and the semaphore |
//! | `mutex.rs` | [`Mutex`], [`MutexGuard`], [`MutexLock`]: asyncio's `asyncio.Lock` |
//! | `semaphore.rs` | [`Semaphore`], [`SemaphorePermit`], [`SemaphoreAcquire`]: asyncio's `Semaphore` and `BoundedSemaphore` |
//! | `queue.rs` | [`Queue`], [`LifoQueue`], [`PriorityQueue`] (all an [`OrderedQueue`]): asyncio's queues |
//! | `queue_state.rs` | a queue's items, lines and counts, and the grants that keep them fair |
//! | `queue_done.rs` | `task_done`, `join`, `shutdown` |
//! | `queue_futures.rs` | [`QueuePut`], [`QueueGet`], [`QueueJoin`] |
//! | `queue_order.rs` | [`Fifo`], [`Lifo`], [`Priority`]: the order items come out in |
//! | `queue_error.rs` | [`PutError`], [`GetError`] |
//! | `condition.rs` | [`Condition`]: asyncio's `Condition` |
//! | `condition_wait.rs` | [`ConditionWait`], the future of `Condition::wait` |
//! | `barrier.rs` | [`Barrier`], [`BrokenBarrier`]: asyncio's `Barrier` |
//! | `barrier_wait.rs` | [`BarrierWait`], the future of `Barrier::wait` |
//! | `event.rs` | [`Event`], asyncio's `asyncio.Event` |
//! | `event_wait.rs` | [`EventWait`], the future of `Event::wait` |
//!
//! Every primitive follows the same rules: what is released goes to the
//! longest-waiting task (no barging), a waiter dropped after it was handed
//! something hands it on, and no `RefCell` borrow is held while waking.
//! `docs/08-sync.md` tells the story.
//!
//! Read next: `waiters.rs`, then `permits.rs`.

mod barrier;
mod barrier_wait;
mod condition;
mod condition_wait;
mod event;
mod event_wait;
mod mutex;
mod permits;
mod queue;
mod queue_done;
mod queue_error;
mod queue_futures;
mod queue_order;
mod queue_state;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BrokenBarrier};
pub use barrier_wait::BarrierWait;
pub use condition::Condition;
pub use condition_wait::ConditionWait;
pub use event::Event;
pub use event_wait::EventWait;
pub use mutex::{Mutex, MutexGuard, MutexLock};
pub use queue::{LifoQueue, OrderedQueue, PriorityQueue, Queue};
pub use queue_error::{GetError, PutError};
pub use queue_futures::{QueueGet, QueueJoin, QueuePut};
pub use queue_order::{Fifo, Lifo, Order, Priority};
pub use semaphore::{Semaphore, SemaphoreAcquire, SemaphorePermit};
