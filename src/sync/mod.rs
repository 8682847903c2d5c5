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
//! | `event.rs` | [`Event`], asyncio's `asyncio.Event` |
//! | `event_wait.rs` | [`EventWait`], the future of `Event::wait` |
//!
//! Every primitive follows the same rules: what is released goes to the
//! longest-waiting task (no barging), a waiter dropped after it was handed
//! something hands it on, and no `RefCell` borrow is held while waking.
//! `docs/08-sync.md` tells the story.
//!
//! Read next: `waiters.rs`, then `permits.rs`.

mod event;
mod event_wait;
mod mutex;
mod permits;
mod semaphore;
mod waiters;

pub use event::Event;
pub use event_wait::EventWait;
pub use mutex::{Mutex, MutexGuard, MutexLock};
pub use semaphore::{Semaphore, SemaphoreAcquire, SemaphorePermit};
