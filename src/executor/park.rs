//! Where the loop sleeps when no task is ready, and how other threads wake
//! it: the one seam of the `net` feature in the executor.
//!
//! * Without `net`, the loop sleeps in `std::thread::park` (or
//!   `park_timeout`, until the next timer), and a wake from another thread
//!   is `Thread::unpark`. [`Parker`] is empty and every method below is a
//!   thin wrapper over those two calls.
//! * With `net`, the [`Parker`] owns the runtime's
//!   [`Reactor`](crate::net::reactor::Reactor). While sockets are
//!   registered the loop sleeps in the reactor's selector (`epoll_wait`),
//!   with the next timer's deadline as its timeout, and what became ready
//!   wakes its tasks on this thread (I/O wakes, counted apart). With no
//!   socket it sleeps in `thread::park` exactly as without the feature, so
//!   `sleep`'s precision is unchanged (`epoll_wait` counts whole
//!   milliseconds). The [`Unparker`] does both: `Thread::unpark` and a
//!   write to the reactor's `mio::Waker`.
//!
//! # Why no wakeup is lost (with `net`)
//!
//! `remote.rs` walks the handshake for `Thread::unpark`: push, set
//! `notified`, unpark; the loop checks `notified` last before it sleeps.
//! The reactor keeps the same promise for the same reason: a
//! `mio::Waker::wake` made while the loop is not inside `epoll_wait` leaves
//! the eventfd readable, an edge the kernel keeps queued, so the next
//! `epoll_wait` returns at once, as a pending unpark token makes the next
//! `park` return at once. Either way the loop gets to the inbox. Since the
//! unparker does both, whichever way the loop sleeps, the matching half
//! wakes it; the other half only costs one spurious early return later.
//!
//! Writing the reactor's waker is a system call, so the unparker makes it
//! only when the loop may be in the selector (measured with `to_thread`
//! round trips, whose every result comes back as a remote wake: 1.34x
//! tokio's time with the write on every wake, 0.83x without the feature).
//! Two flags and sequentially consistent order keep the promise:
//!
//! 1. The loop stores `in_reactor = true`, then swaps `woken` to `false`;
//!    if it was `true`, an unpark came already, and the loop looks at the
//!    selector without blocking.
//! 2. An unpark stores `woken = true`, then loads `in_reactor`, and writes
//!    the reactor's waker only if it is `true`.
//!
//! In the one total order of these four operations, either the unpark's
//! load comes after the loop's store (it sees `true` and writes the
//! waker, which ends or pre-empts the wait), or it comes before, and then
//! so does its store of `woken`, which the loop's swap sees. A stale
//! `woken` (left by an unpark the loop answered some other way) costs one
//! look at the selector that does not block.
//!
//! # The busy interval
//!
//! While tasks keep being ready the loop never sleeps, and so never looks
//! at the selector: a task that yields forever would starve every socket.
//! So every [`BUSY_POLL_INTERVAL`] turns that did not sleep, the loop polls
//! the reactor without blocking.
//!
//! # The paused clock
//!
//! A virtual clock jumps to the next deadline when nothing is ready. With
//! sockets registered, I/O may be ready on the real clock: the loop first
//! polls the reactor without blocking, and jumps only if that woke nothing
//! ([`Parker::poll_now`]). With no timer armed, sockets registered mean a
//! wake may still come, so the loop waits in the reactor instead of
//! reporting a deadlock (`Idle::WaitForIo`).
//!
//! Read next: `shutdown.rs`.

use std::sync::Arc;
#[cfg(feature = "net")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};
use std::time::Duration;

use super::core::Core;
#[cfg(feature = "net")]
use crate::net::current::set_current;
#[cfg(feature = "net")]
use crate::net::reactor::{Reactor, Ready};
#[cfg(feature = "net")]
use std::{cell::Cell, cell::RefCell, rc::Rc};

/// With tasks ready every turn, the reactor is polled without blocking
/// once per this many turns. Prime, as tokio's `event_interval` (61) is,
/// so it does not fall into step with a program's own periodic pattern;
/// small enough that a socket waits at most a few dozen turns beside a
/// busy task, large enough that the extra `epoll_wait` is a rounding
/// error of a busy loop.
#[cfg(feature = "net")]
pub(crate) const BUSY_POLL_INTERVAL: u32 = 61;

/// What other threads (remote wakes, worker threads) call to wake the
/// loop, wherever it sleeps. `Send + Sync`.
#[derive(Debug)]
pub(crate) struct Unparker {
    /// The executor's thread, for a loop asleep in `thread::park`.
    thread: Thread,
    /// The reactor's waker, for a loop asleep in its selector.
    #[cfg(feature = "net")]
    reactor: Arc<mio::Waker>,
    /// Set by the loop while it sleeps (or is about to sleep) in the
    /// selector: only then is the reactor's waker written, a system call
    /// the common wake (a loop in `thread::park`, or running) need not
    /// pay. See "Why no wakeup is lost" above.
    #[cfg(feature = "net")]
    in_reactor: AtomicBool,
    /// Set by every unpark, taken by the loop as it enters the selector.
    #[cfg(feature = "net")]
    woken: AtomicBool,
}

impl Unparker {
    /// The executor's thread.
    pub(crate) fn thread_id(&self) -> thread::ThreadId {
        self.thread.id()
    }

    /// Wakes the loop, or makes its next sleep return at once.
    pub(crate) fn unpark(&self) {
        self.thread.unpark();
        #[cfg(feature = "net")]
        {
            self.woken.store(true, Ordering::SeqCst);
            if self.in_reactor.load(Ordering::SeqCst) {
                // Fails only if the eventfd cannot be written at all; the
                // thread was unparked anyway.
                let _ = self.reactor.wake();
            }
        }
    }
}

/// Where the loop sleeps: the thread's park token, or (`net`) the reactor.
#[derive(Debug)]
pub(crate) struct Parker {
    /// The runtime's reactor.
    #[cfg(feature = "net")]
    reactor: Rc<Reactor>,
    /// The flags this loop shares with its unparker.
    #[cfg(feature = "net")]
    unparker: Arc<Unparker>,
    /// Reused buffer of the sockets one look at the selector found ready.
    #[cfg(feature = "net")]
    ready: RefCell<Vec<Ready>>,
    /// Turns since the reactor was last looked at (the busy interval).
    #[cfg(feature = "net")]
    busy_turns: Cell<u32>,
}

impl Parker {
    /// The parker of a runtime on the calling thread, and the unparker
    /// other threads wake it with.
    pub(crate) fn new() -> (Parker, Arc<Unparker>) {
        #[cfg(feature = "net")]
        {
            let reactor = Rc::new(Reactor::new());
            let unparker = Arc::new(Unparker {
                thread: thread::current(),
                reactor: reactor.waker(),
                in_reactor: AtomicBool::new(false),
                woken: AtomicBool::new(false),
            });
            let parker = Parker {
                reactor,
                unparker: unparker.clone(),
                ready: RefCell::new(Vec::new()),
                busy_turns: Cell::new(0),
            };
            (parker, unparker)
        }
        #[cfg(not(feature = "net"))]
        {
            let unparker = Unparker {
                thread: thread::current(),
            };
            (Parker {}, Arc::new(unparker))
        }
    }

    /// Tells `net/` which reactor new sockets on this thread register
    /// with: `parker`'s, or none. Called as a runtime is entered and left.
    #[inline]
    pub(crate) fn make_current(parker: Option<&Parker>) {
        #[cfg(feature = "net")]
        set_current(parker.map(|p| p.reactor.clone()));
        #[cfg(not(feature = "net"))]
        let _ = parker;
    }

    /// How many sockets are registered (always 0 without `net`).
    #[inline]
    pub(crate) fn sockets(&self) -> usize {
        #[cfg(feature = "net")]
        return self.reactor.sockets();
        #[cfg(not(feature = "net"))]
        0
    }

    /// Sleeps until a wake from another thread, I/O on a registered socket,
    /// or `timeout` (`None`: no timeout).
    pub(crate) fn park(&self, core: &Core, timeout: Option<Duration>) {
        #[cfg(feature = "net")]
        if self.sockets() > 0 {
            self.poll(core, timeout);
            return;
        }
        let _ = core;
        match timeout {
            Some(timeout) => thread::park_timeout(timeout),
            None => thread::park(),
        }
    }

    /// Between two turns that found tasks ready: once every
    /// [`BUSY_POLL_INTERVAL`] turns, look at the reactor without blocking.
    #[inline]
    pub(crate) fn poll_when_busy(&self, core: &Core) {
        #[cfg(feature = "net")]
        {
            let turns = self.busy_turns.get() + 1;
            if turns < BUSY_POLL_INTERVAL {
                self.busy_turns.set(turns);
            } else if self.sockets() > 0 {
                core.narrator.reactor_polled_busy();
                self.poll(core, Some(Duration::ZERO));
            } else {
                self.busy_turns.set(0);
            }
        }
        #[cfg(not(feature = "net"))]
        let _ = core;
    }

    /// The paused clock, nothing ready: if sockets are registered, look at
    /// the reactor without blocking. Returns whether that woke a task or
    /// brought a remote wake, in which case the clock must not jump yet.
    pub(crate) fn poll_now(&self, core: &Core) -> bool {
        #[cfg(feature = "net")]
        if self.sockets() > 0 {
            let woke = self.poll(core, Some(Duration::ZERO));
            return woke || core.table.borrow().queued() > 0;
        }
        let _ = core;
        false
    }

    /// The runtime shuts down: sockets fail from now on, and a socket
    /// waited on by another executor is woken to see it.
    pub(crate) fn close(&self) {
        #[cfg(feature = "net")]
        {
            let wakers = self.reactor.close();
            // Foreign wakers may panic; wake them all, then go on: the
            // runtime is being dropped and the tasks are not ours.
            drop(crate::util::panic::each_catching(
                wakers,
                std::task::Waker::wake,
            ));
        }
    }

    /// Looks at the selector (blocking at most `timeout`) and wakes the
    /// tasks of the sockets that became ready, narrated and counted as I/O
    /// wakes. Returns whether another thread woke the loop.
    #[cfg(feature = "net")]
    fn poll(&self, core: &Core, timeout: Option<Duration>) -> bool {
        self.busy_turns.set(0);
        let mut ready = std::mem::take(&mut *self.ready.borrow_mut());
        let woken = if timeout == Some(Duration::ZERO) {
            self.reactor.poll(timeout, &mut ready)
        } else {
            // Announce the sleep, then look for an unpark that came before
            // the announcement (see "Why no wakeup is lost").
            let flags = &self.unparker;
            flags.in_reactor.store(true, Ordering::SeqCst);
            let timeout = if flags.woken.swap(false, Ordering::SeqCst) {
                Some(Duration::ZERO)
            } else {
                timeout
            };
            let woken = self.reactor.poll(timeout, &mut ready);
            flags.in_reactor.store(false, Ordering::SeqCst);
            woken
        };
        let narrator = &core.narrator;
        let io = narrator.io_wakes_begin();
        // Each socket's line comes before the wakes it makes; a waker that
        // panics does not keep the others from being woken.
        let wakers = ready.drain(..).flat_map(|socket| {
            narrator.socket_ready(socket.number, socket.readable, socket.writable);
            socket.wakers.into_iter().flatten()
        });
        let panic = crate::util::panic::each_catching(wakers, std::task::Waker::wake);
        narrator.io_wakes_end(io);
        // Keep the buffer (empty now) for the next look.
        *self.ready.borrow_mut() = ready;
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        woken
    }
}
