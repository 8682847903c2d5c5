//! The reactor: a selector (`mio::Poll`: epoll on Linux, kqueue on the
//! BSDs and macOS) and the books of what waits on each registered socket.
//!
//! The executor owns one [`Reactor`] per runtime and parks in it
//! (`executor/park.rs`): [`Reactor::poll`] blocks in the selector until a
//! socket becomes ready, the timeout (the timer wheel's next deadline)
//! passes, or another thread wakes the loop through [`Reactor::waker`]. It
//! hands back one [`Ready`] per socket that became ready, with the wakers
//! of the tasks that waited on it; the executor narrates and wakes them.
//! This file knows no tasks, runtimes or trace: only sockets, readiness and
//! wakers.
//!
//! # Edge-triggered, readiness kept here
//!
//! Every socket is registered once, for reading and writing, edge-triggered:
//! the selector reports a direction when it *becomes* ready, not while it
//! stays ready, so a socket costs no system call to re-arm after each event
//! (async-io's level-style re-arming costs one per event). The price is that
//! an edge must not be forgotten: each [`Slot`] keeps, per direction, whether
//! the socket may be ready, and only an operation that failed with
//! `WouldBlock` clears it (`Registered::poll_io`). A read that stopped
//! before `WouldBlock` leaves the flag set, so the next read goes straight to
//! the system call; one that waited without clearing it would wait for an
//! edge that already came.
//!
//! No readiness can be lost between the failed system call and the clear:
//! the selector is only looked at by the loop, between batches, never while a
//! task is being polled, and this is one thread.
//!
//! # Invariants
//!
//! * A slot's key is its socket's token; [`WAKER_TOKEN`] is never a key.
//! * A direction is tried while `ready` or `closed` is set; only `ready`
//!   is ever cleared (a hang-up sends no second edge).
//! * A slot holds at most one waker per direction: the last task to wait
//!   (two tasks reading one socket at once is a bug in the caller's design;
//!   the first one is simply not woken, as in tokio's `poll_read_ready`).
//! * Once [`Reactor::close`] has run, no waker is kept and every operation
//!   on a socket of this reactor fails: a socket that outlives its runtime
//!   errors, never hangs.
//! * No `RefCell` borrow is held while a waker runs: wakers are taken out
//!   and handed to the caller.
//!
//! # Simpler than production
//!
//! A slot freed and reused between an event and its dispatch cannot happen
//! here (events are read and dispatched in one call, with the slab borrowed),
//! so tokens carry no generation, as tokio's do. A reused slot can at worst
//! see a stale readiness flag: harmless, since a spurious "ready" only costs
//! one system call that returns `WouldBlock`.
//!
//! Which reactor is current on this thread, and the error of a socket
//! that waits in another runtime, are in `current.rs`.
//!
//! Read next: `current.rs`.

use std::cell::{Cell, RefCell};
use std::io;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

/// The token of the waker that other threads use to wake a parked loop.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

/// How many events one look at the selector takes at most; more wait for
/// the next look (edge-triggered events stay queued in the kernel).
const EVENTS_CAPACITY: usize = 1024;

/// One of a socket's two directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Reading (and accepting, and `recv_from`).
    Read = 0,
    /// Writing (and finishing a `connect`, and `send_to`).
    Write = 1,
}

/// What the reactor knows of one registered socket.
#[derive(Debug)]
struct Slot {
    /// The socket's number in the trace ("socket 3"), never reused.
    number: u64,
    /// Per direction: whether the socket may be ready (an edge came, or
    /// nothing has failed with `WouldBlock` since it was registered).
    ready: [bool; 2],
    /// Per direction: the peer hung up or the socket failed. Never
    /// cleared: no edge follows a hang-up, and every later call must reach
    /// the system to learn of it (end of file, the error), even one made
    /// after a short read cleared `ready`.
    closed: [bool; 2],
    /// Per direction: the task waiting for the next edge, if any.
    wakers: [Option<Waker>; 2],
}

/// A socket that became ready: what the executor narrates and wakes.
#[derive(Debug)]
pub(crate) struct Ready {
    /// The socket's number in the trace.
    pub(crate) number: u64,
    /// Whether it became readable (or hung up, or failed).
    pub(crate) readable: bool,
    /// Whether it became writable (or hung up, or failed).
    pub(crate) writable: bool,
    /// The tasks that waited on it, reader first; each is to be woken.
    pub(crate) wakers: [Option<Waker>; 2],
}

/// The selector and the books of one runtime's sockets.
pub(crate) struct Reactor {
    /// The selector; borrowed only inside [`Reactor::poll`] and to
    /// register and deregister.
    selector: RefCell<Poll>,
    /// Reused buffer of the events of one look at the selector.
    events: RefCell<Events>,
    /// One slot per registered socket, keyed by its token.
    slots: RefCell<Slab<Slot>>,
    /// Writes to an eventfd (or a pipe) the selector watches: a wake from
    /// any thread makes the current or next [`Reactor::poll`] return.
    waker: Arc<mio::Waker>,
    /// The next socket number for the trace.
    next_number: Cell<u64>,
    /// Set when the runtime shuts down: sockets fail from then on.
    closed: Cell<bool>,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("sockets", &self.sockets())
            .field("closed", &self.closed.get())
            .finish_non_exhaustive()
    }
}

impl Reactor {
    /// A reactor with no sockets.
    ///
    /// # Panics
    ///
    /// If the system refuses a selector (out of file descriptors, say):
    /// a runtime cannot work without it.
    pub(crate) fn new() -> Self {
        let fail = |e: io::Error| -> ! {
            panic!("looplet: could not create the reactor of the `net` feature (mio::Poll): {e}")
        };
        let selector = Poll::new().unwrap_or_else(|e| fail(e));
        let waker = mio::Waker::new(selector.registry(), WAKER_TOKEN).unwrap_or_else(|e| fail(e));
        Reactor {
            selector: RefCell::new(selector),
            events: RefCell::new(Events::with_capacity(EVENTS_CAPACITY)),
            slots: RefCell::new(Slab::new()),
            waker: Arc::new(waker),
            next_number: Cell::new(1),
            closed: Cell::new(false),
        }
    }

    /// What other threads call to wake the loop parked in [`Reactor::poll`].
    pub(crate) fn waker(&self) -> Arc<mio::Waker> {
        self.waker.clone()
    }

    /// How many sockets are registered.
    #[inline]
    pub(crate) fn sockets(&self) -> usize {
        self.slots.borrow().len()
    }

    /// Registers `source` for both directions, edge-triggered. `ready` is
    /// the starting readiness of both directions: `true` for a socket that
    /// may already have data (try the system call first), `false` for a
    /// connect in progress (wait for the selector's first word).
    /// Returns the slot's key and the socket's number.
    pub(crate) fn register<S: Source>(
        &self,
        source: &mut S,
        ready: bool,
    ) -> io::Result<(usize, u64)> {
        if self.closed.get() {
            return Err(gone());
        }
        let number = self.next_number.get();
        let mut slots = self.slots.borrow_mut();
        let entry = slots.vacant_entry();
        let key = entry.key();
        self.selector.borrow().registry().register(
            source,
            Token(key),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        entry.insert(Slot {
            number,
            ready: [ready; 2],
            closed: [false; 2],
            wakers: [None, None],
        });
        self.next_number.set(number + 1);
        Ok((key, number))
    }

    /// Deregisters `source`, registered as `key`, and forgets its slot. The
    /// wakers it held are returned, to be dropped by the caller with no
    /// borrow held.
    pub(crate) fn deregister<S: Source>(&self, source: &mut S, key: usize) -> [Option<Waker>; 2] {
        // Deregistering can only fail if the socket was never registered
        // here; closing the socket right after removes it from the
        // selector anyway, so the error is of no use to anyone.
        let _ = self.selector.borrow().registry().deregister(source);
        let slot = self.slots.borrow_mut().try_remove(key);
        slot.map_or([None, None], |slot| slot.wakers)
    }

    /// Whether `key` may be ready in `dir`; if not, `waker` is kept to be
    /// woken by its next edge. A waker replaced by it is returned to be
    /// dropped with no borrow held.
    pub(crate) fn ready_or_wait(
        &self,
        key: usize,
        dir: Direction,
        waker: &Waker,
    ) -> io::Result<Result<(), Option<Waker>>> {
        if self.closed.get() {
            return Err(gone());
        }
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots.get_mut(key) else {
            return Err(gone());
        };
        if slot.ready[dir as usize] || slot.closed[dir as usize] {
            return Ok(Ok(()));
        }
        let stored = &mut slot.wakers[dir as usize];
        if stored.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return Ok(Err(None));
        }
        Ok(Err(stored.replace(waker.clone())))
    }

    /// Clears `key`'s readiness in `dir`: the kernel's buffer is known to
    /// be empty (or full), so the next operation waits for an edge.
    pub(crate) fn clear_ready(&self, key: usize, dir: Direction) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(key) {
            slot.ready[dir as usize] = false;
        }
    }

    /// An operation failed with `WouldBlock`: clears `key`'s readiness in
    /// `dir` and keeps `waker` for the next edge, in one look at the slot.
    /// A waker replaced by it is returned to be dropped with no borrow held.
    pub(crate) fn clear_and_wait(
        &self,
        key: usize,
        dir: Direction,
        waker: &Waker,
    ) -> Option<Waker> {
        let mut slots = self.slots.borrow_mut();
        let slot = slots.get_mut(key)?;
        slot.ready[dir as usize] = false;
        let stored = &mut slot.wakers[dir as usize];
        if stored.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return None;
        }
        stored.replace(waker.clone())
    }

    /// Looks at the selector, blocking at most `timeout` (`None`: until an
    /// event; zero: not at all), and appends to `out` each socket that
    /// became ready, with the wakers to wake. Returns whether another
    /// thread woke the loop.
    ///
    /// An interrupted wait (a signal) counts as a return with no event.
    pub(crate) fn poll(&self, timeout: Option<Duration>, out: &mut Vec<Ready>) -> bool {
        let mut events = self.events.borrow_mut();
        match self.selector.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return false,
            Err(e) => panic!("looplet: the reactor's selector failed: {e}"),
        }
        let mut woken = false;
        let mut slots = self.slots.borrow_mut();
        for event in events.iter() {
            if event.token() == WAKER_TOKEN {
                woken = true;
                continue;
            }
            let Some(slot) = slots.get_mut(event.token().0) else {
                continue;
            };
            // A hang-up or an error wakes both sides: the next system call
            // returns what happened (EOF, `ConnectionReset`, ...).
            let failed = event.is_error();
            let read_closed = event.is_read_closed() || failed;
            let write_closed = event.is_write_closed() || failed;
            let readable = event.is_readable() || read_closed;
            let writable = event.is_writable() || write_closed;
            let mut wakers = [None, None];
            for (dir, now, closed) in [
                (Direction::Read, readable, read_closed),
                (Direction::Write, writable, write_closed),
            ] {
                if now {
                    let d = dir as usize;
                    slot.ready[d] = true;
                    slot.closed[d] |= closed;
                    wakers[d] = slot.wakers[d].take();
                }
            }
            out.push(Ready {
                number: slot.number,
                readable,
                writable,
                wakers,
            });
        }
        woken
    }

    /// The runtime is shutting down: every socket fails from now on.
    /// Returns the wakers still kept, for the caller to wake (a socket
    /// polled by another executor then sees its error instead of hanging).
    pub(crate) fn close(&self) -> Vec<Waker> {
        self.closed.set(true);
        let mut slots = self.slots.borrow_mut();
        slots
            .iter_mut()
            .flat_map(|(_, slot)| slot.wakers.iter_mut().filter_map(Option::take))
            .collect()
    }
}

/// The error of a socket whose runtime is gone.
pub(crate) fn gone() -> io::Error {
    io::Error::other(
        "the looplet runtime this socket was made in is gone (shut down or dropped); \
         a socket works only while its runtime runs",
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    fn udp() -> mio::net::UdpSocket {
        mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap()
    }

    #[test]
    fn an_edge_sets_readiness_and_hands_back_the_waiting_waker() {
        let reactor = Reactor::new();
        let (mut a, b) = (udp(), udp());
        let (key, number) = reactor.register(&mut a, false).unwrap();
        assert_eq!((reactor.sockets(), number), (1, 1));
        let (count, waker) = counting();
        // Not ready: the waker is kept.
        assert!(matches!(
            reactor.ready_or_wait(key, Direction::Read, &waker),
            Ok(Err(None))
        ));
        b.send_to(b"x", a.local_addr().unwrap()).unwrap();
        let mut out = Vec::new();
        // Loopback delivers at once; allow a few looks for slow machines.
        for _ in 0..100 {
            reactor.poll(Some(Duration::from_millis(10)), &mut out);
            if out.iter().any(|r| r.readable) {
                break;
            }
        }
        let ready = out
            .iter_mut()
            .find(|r| r.readable)
            .expect("a readable edge");
        assert_eq!(ready.number, 1);
        ready.wakers[Direction::Read as usize]
            .take()
            .unwrap()
            .wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // Ready now: no waker is kept, the caller tries the system call.
        assert!(matches!(
            reactor.ready_or_wait(key, Direction::Read, &waker),
            Ok(Ok(()))
        ));
        // `WouldBlock` later: cleared, and the waker kept again.
        assert!(
            reactor
                .clear_and_wait(key, Direction::Read, &waker)
                .is_none()
        );
        assert!(matches!(
            reactor.ready_or_wait(key, Direction::Read, &waker),
            Ok(Err(None))
        ));
        let [read, write] = reactor.deregister(&mut a, key);
        assert!(read.is_some() && write.is_none());
        assert_eq!(reactor.sockets(), 0);
    }

    #[test]
    fn a_wake_before_the_poll_makes_it_return_at_once() {
        let reactor = Reactor::new();
        reactor.waker().wake().unwrap();
        let mut out = Vec::new();
        // No timeout: this would block forever if the wake were lost.
        assert!(reactor.poll(None, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn closing_hands_back_every_waker_and_fails_every_socket() {
        let reactor = Reactor::new();
        let mut a = udp();
        let (key, _) = reactor.register(&mut a, false).unwrap();
        let (_count, waker) = counting();
        let _ = reactor.ready_or_wait(key, Direction::Read, &waker).unwrap();
        let _ = reactor
            .ready_or_wait(key, Direction::Write, &waker)
            .unwrap();
        assert_eq!(reactor.close().len(), 2);
        assert!(reactor.ready_or_wait(key, Direction::Read, &waker).is_err());
        assert!(reactor.register(&mut udp(), true).is_err());
    }
}
