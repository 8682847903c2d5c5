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
//! | `waiters.rs` | the FIFO waiter list every primitive shares |
//! | `event.rs` | [`Event`], asyncio's `asyncio.Event` |
//! | `event_wait.rs` | [`EventWait`], the future of `Event::wait` |
//!
//! Read next: `waiters.rs`.

mod event;
mod event_wait;
mod waiters;

pub use event::Event;
pub use event_wait::EventWait;
