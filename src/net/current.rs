//! Which reactor is current on this thread: the one new sockets register
//! with, and the test that keeps a socket from waiting where nothing
//! would wake it.
//!
//! The executor sets it as it enters and leaves a runtime
//! (`executor/park.rs`), the way it tells `trace/` its tracer, so sockets
//! find their reactor without naming the executor.
//!
//! # Invariants
//!
//! * `CURRENT` follows the executor's own current runtime: set as a
//!   runtime is entered, given back to the one before as it is left. It
//!   is only borrowed for the length of one call.
//! * A socket made outside a runtime panics, naming the API and the fix;
//!   a socket that would wait inside another runtime's `block_on` gets an
//!   error instead of hanging.
//!
//! Read next: `registered.rs`.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use super::reactor::Reactor;

thread_local! {
    /// The reactor of the runtime current on this thread, set by the
    /// executor as it enters and leaves (as `trace/` is told its tracer),
    /// so that sockets find it without naming the executor.
    static CURRENT: RefCell<Option<Rc<Reactor>>> = const { RefCell::new(None) };
}

/// Makes `reactor` the one new sockets on this thread register with.
pub(crate) fn set_current(reactor: Option<Rc<Reactor>>) {
    let _old = CURRENT.try_with(|current| current.replace(reactor));
}

/// Whether a runtime other than `reactor`'s is current on this thread:
/// then `reactor` is not looked at until that runtime's `block_on`
/// returns, and a socket of it that waits now would hang.
pub(crate) fn other_is_current(reactor: &Rc<Reactor>) -> bool {
    CURRENT
        .try_with(|current| {
            current
                .borrow()
                .as_ref()
                .is_some_and(|current| !Rc::ptr_eq(current, reactor))
        })
        .unwrap_or(false)
}

/// The error of a socket that would wait inside another runtime.
pub(crate) fn elsewhere() -> io::Error {
    io::Error::other(
        "a looplet socket waited inside another runtime's `block_on`; its runtime's reactor \
         is only looked at by that runtime's own loop, so use the socket there",
    )
}

/// The reactor of the runtime current on this thread.
///
/// # Panics
///
/// Outside a runtime, naming `api` and the fix.
#[track_caller]
pub(crate) fn current(api: &str) -> Rc<Reactor> {
    let reactor = CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten();
    match reactor {
        Some(reactor) => reactor,
        None => panic!(
            "`looplet::net::{api}` called outside a runtime; call it from inside \
             `looplet::run` or `Runtime::block_on`"
        ),
    }
}
