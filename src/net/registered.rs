//! A socket registered with its runtime's reactor: the one piece of code
//! every socket type does its I/O through.
//!
//! [`Registered::poll_io`] is the edge-triggered discipline in one loop:
//!
//! 1. If the reactor says the direction is not ready, keep the task's waker
//!    and return `Pending`: the next edge wakes it.
//! 2. Otherwise try the system call. Anything but `WouldBlock` (data, EOF,
//!    an error) is the answer.
//! 3. On `WouldBlock`, clear the readiness and keep the waker (as 1 would),
//!    and return `Pending`.
//!
//! A socket is deregistered when dropped. Its reactor is held by an `Rc`, so
//! a socket that outlives its runtime still finds it, closed, and errors.
//!
//! Read next: `tcp_stream.rs`.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use mio::event::Source;

use super::current;
use super::reactor::{Direction, Reactor};

/// A socket and its slot in the reactor.
#[derive(Debug)]
pub(crate) struct Registered<S: Source> {
    /// The non-blocking socket.
    source: S,
    /// The reactor it is registered with.
    reactor: Rc<Reactor>,
    /// Its slot (and token) there.
    key: usize,
}

impl<S: Source> Registered<S> {
    /// Registers `source` with the current runtime's reactor; `ready` says
    /// whether to try system calls before the first event (see
    /// `Reactor::register`).
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming `api`.
    #[track_caller]
    pub(crate) fn new(api: &str, mut source: S, ready: bool) -> io::Result<Self> {
        let reactor = current::current(api);
        let (key, _number) = reactor.register(&mut source, ready)?;
        Ok(Registered {
            source,
            reactor,
            key,
        })
    }

    /// The socket itself, for calls that do not wait (addresses, options).
    pub(crate) fn get(&self) -> &S {
        &self.source
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for an
    /// edge in `dir` between tries (see the module docs).
    ///
    /// # Errors
    ///
    /// What `op` returns, or an error if the runtime is gone.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match self.reactor.ready_or_wait(self.key, dir, cx.waker()) {
                Err(gone) => return Poll::Ready(Err(gone)),
                Ok(Err(replaced)) => {
                    // Dropped here, with no borrow of the reactor held.
                    drop(replaced);
                    return self.pending();
                }
                Ok(Ok(())) => {}
            }
            match op(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Clear and keep the waker in one step: the next edge
                    // wakes this task.
                    let replaced = self.reactor.clear_and_wait(self.key, dir, cx.waker());
                    drop(replaced);
                    return self.pending();
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return Poll::Ready(done),
            }
        }
    }

    /// `Pending`, unless another runtime's `block_on` is running here: its
    /// loop never looks at this socket's reactor, so waiting would hang (a
    /// `JoinHandle` awaited there panics for the same reason; a socket
    /// returns an error instead).
    fn pending<R>(&self) -> Poll<io::Result<R>> {
        if current::other_is_current(&self.reactor) {
            return Poll::Ready(Err(current::elsewhere()));
        }
        Poll::Pending
    }

    /// Clears the readiness in `dir` without a `WouldBlock` to prove it:
    /// for a stream whose read or write did less than asked, which means
    /// the kernel's buffer was emptied (or filled) at that moment; any later
    /// change comes as a new edge. Saves the system call that would only
    /// have returned `WouldBlock` (tokio does the same).
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.reactor.clear_ready(self.key, dir);
    }
}

impl<S: Source> Drop for Registered<S> {
    fn drop(&mut self) {
        let wakers = self.reactor.deregister(&mut self.source, self.key);
        // A waker's destructor is foreign code: run it with no borrow held.
        drop(wakers);
    }
}
