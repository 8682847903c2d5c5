//! The lines of the synchronization primitives, written through the hook
//! (see `mod.rs`): `sync/` calls these only after [`tracing`](super::tracing)
//! said yes, so they cost one thread-local read when nobody traces, and
//! they are kept out of line so the primitives' own code stays small.
//!
//! Read next: `sync/` (the primitives themselves).

use super::hook;

/// `Event::set` released `waiters` waiters (`None`: it was already set).
#[cold]
#[inline(never)]
pub(crate) fn event_set(waiters: Option<usize>) {
    match waiters {
        None => hook(format_args!("event set: already set, nothing to do")),
        Some(1) => hook(format_args!("event set: releases 1 waiter")),
        Some(n) => hook(format_args!("event set: releases {n} waiters")),
    }
}

/// `Event::clear` ran.
#[cold]
#[inline(never)]
pub(crate) fn event_cleared() {
    hook(format_args!("event cleared"));
}

/// A wait began: `Some(n)` now waiting, or `None` (already set, ready).
#[cold]
#[inline(never)]
pub(crate) fn event_wait(waiting: Option<usize>) {
    match waiting {
        None => hook(format_args!("event wait: already set, ready at once")),
        Some(n) => hook(format_args!("event wait: not set, waiting ({n} waiting)")),
    }
}
