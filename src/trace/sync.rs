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

/// A task began to wait for `what` (`"lock"`, `"semaphore"`, …); `waiting`
/// are in line now, itself included.
#[cold]
#[inline(never)]
pub(crate) fn sync_waits(what: &str, waiting: usize) {
    hook(format_args!("{what}: waits ({waiting} waiting)"));
}

/// A release handed `what` straight to the oldest waiter; `left` still
/// wait behind it.
#[cold]
#[inline(never)]
pub(crate) fn sync_handed(what: &str, left: usize) {
    hook(format_args!(
        "{what}: handed to the oldest waiter ({left} still waiting)"
    ));
}

/// A waiter granted `what` was dropped before it ran, and passed it on.
#[cold]
#[inline(never)]
pub(crate) fn sync_passed_on(what: &str) {
    hook(format_args!(
        "{what}: a granted waiter was dropped before it ran; passed on"
    ));
}
