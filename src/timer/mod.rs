//! Timers, on their own: the clock, the timing wheel, and the driver that
//! feeds the wheel the clock. This layer knows no tasks and no runtime: a
//! timer holds whom to wake, of a type the runtime picks (a task of its
//! own, or a `Waker`), and firing one hands that back to the runtime.
//!
//! | file | what it holds |
//! |------|---------------|
//! | `clock.rs` | the real or virtual (paused) clock |
//! | `wheel/` | the hierarchical timing wheel: a pure data structure, public as `looplet::time::wheel` |
//! | `driver.rs` | the wheel fed by the clock: arms, cancels and fires timers |
//! | `idle.rs` | what an idle loop should do: sleep until a deadline, jump the virtual clock, or report a deadlock |
//!
//! The public futures built on this ([`sleep`](crate::sleep),
//! [`timeout`](crate::timeout)) live in `time/`, above the runtime.
//!
//! Read next: `clock.rs`.

pub(crate) mod clock;
pub(crate) mod driver;
pub(crate) mod idle;
pub mod wheel;
