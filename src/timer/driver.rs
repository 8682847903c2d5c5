//! The timer driver: the wheel, fed by the clock, waking whoever waits.
//!
//! The wheel (`wheel/`) knows nothing of clocks and wakers; this file is
//! where they meet. A timer is armed with a deadline in nanoseconds since
//! the clock's origin, an order and whom to wake, a `W`: the runtime's
//! choice (the executor's: a `task::Wake`, a task of its own by name or
//! any [`Waker`](std::task::Waker)). Once per turn the executor
//! calls [`Driver::fire`], which reads the clock once and hands out,
//! earliest first, every timer whose deadline has passed. When the executor has nothing to
//! do, [`Driver::idle`] says what to do instead (`idle.rs`).
//!
//! # Creation order
//!
//! Equal deadlines fire in the order their sleeps were created, but a
//! sleep arms its timer only on its first poll, and sleeps are not always
//! first polled in the order they were made. So each sleep takes a number
//! from [`Driver::next_order`] when it is made and arms with it; the wheel
//! fires equal deadlines by that number
//! ([`Wheel::insert_in_order`]). A shuffled runtime (`Builder::shuffle`)
//! draws the numbers from a seeded generator instead, so equal deadlines
//! fire in an order fixed by the seed.
//!
//! # Knowing a timer fired without looking
//!
//! The driver counts its drains of the wheel and remembers the time the
//! last one reached. A timer armed before some drain whose time was at or
//! past its deadline has certainly been handed out (a drain hands out
//! everything due), so a sleep can complete without touching the wheel.
//!
//! # Invariants
//!
//! No wheel borrow is held while a `W` is made, woken or dropped (a waker
//! runs foreign code): fired timers are collected into a buffer first.
//!
//! A waker that panics strands nobody: by then every due timer is out of
//! the wheel, so all of them are still handed out (`each_catching` in
//! `util/panic.rs`), the buffer is put back, and the first panic goes back
//! to the caller, to raise once its books are straight.
//!
//! Read next: `idle.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::clock::Clock;
use super::wheel::{Fired, Placement, TimerKey, Visit, Wheel};
use crate::util::panic::{Payload, each_catching};
use crate::util::rng::Rng;
use crate::util::warm::WARM_CHUNK;

/// Nanoseconds per tick of the wheel: ticks are 1 ms.
pub(crate) const NANOS_PER_TICK: u64 = 1_000_000;

/// An armed timer, as its owner remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Armed {
    /// The timer in the wheel.
    pub(crate) key: TimerKey,
    /// How many drains had happened when it was armed.
    drains: u64,
}

/// What one [`Driver::fire`] did.
#[derive(Debug, Default)]
pub(crate) struct FireReport {
    /// How many timers fired; every one of them was handed to `wake`.
    pub(crate) count: u64,
    /// The first panic out of `wake`, for the caller to raise again once
    /// its own books are straight.
    pub(crate) panic: Option<Payload>,
}

/// A runtime's clock and timers; `W` is whom a timer wakes.
#[derive(Debug)]
pub(crate) struct Driver<W> {
    /// The clock the deadlines are measured on (shared with the tracer).
    pub(crate) clock: Rc<Clock>,
    /// Armed timers, each holding whom to wake: the future waiting on it.
    wheel: RefCell<Wheel<W>>,
    /// Reused buffer for the timers of one `fire`.
    fired: RefCell<Vec<Fired<W>>>,
    /// How many times `fire` has drained the wheel.
    drains: Cell<u64>,
    /// The time the last drain reached: every timer armed before it with a
    /// deadline at or before this has fired.
    drained_through: Cell<u64>,
    /// Creation numbers handed out so far: the next sleep's order.
    next_order: Cell<u64>,
    /// On a shuffled runtime, where orders come from instead: numbers
    /// drawn from a seeded generator, so equal deadlines fire in an order
    /// fixed by the seed rather than in creation order.
    shuffled_orders: Option<Rng>,
}

impl<W> Driver<W> {
    /// A driver with no timers, on `clock`; with `shuffle`, equal
    /// deadlines fire in an order drawn from that seed.
    pub(crate) fn new(clock: Rc<Clock>, shuffle: Option<u64>) -> Self {
        Driver {
            shuffled_orders: shuffle.map(Rng::new),
            clock,
            wheel: RefCell::new(Wheel::with_tick(NANOS_PER_TICK)),
            fired: RefCell::new(Vec::new()),
            drains: Cell::new(0),
            drained_through: Cell::new(0),
            next_order: Cell::new(0),
        }
    }

    /// A new creation number: a timer armed with it fires after the timers
    /// with the same deadline armed with earlier numbers. On a shuffled
    /// runtime, a number drawn from the seeded generator instead.
    #[inline]
    pub(crate) fn next_order(&self) -> u64 {
        if let Some(rng) = &self.shuffled_orders {
            return rng.next_u64();
        }
        let order = self.next_order.get();
        self.next_order.set(order + 1);
        order
    }

    /// Arms a timer for `deadline` (nanoseconds since the origin), placed
    /// among equal deadlines by `order` (from [`Driver::next_order`]), that
    /// wakes `wakes`.
    pub(crate) fn arm(&self, deadline: u64, order: u64, wakes: W) -> Armed {
        Armed {
            key: self
                .wheel
                .borrow_mut()
                .insert_in_order(deadline, order, wakes),
            drains: self.drains.get(),
        }
    }

    /// Whether the timer `armed`, due at `deadline`, has certainly fired,
    /// known without looking in the wheel.
    pub(crate) fn has_fired(&self, armed: Armed, deadline: u64) -> bool {
        self.drains.get() > armed.drains && self.drained_through.get() >= deadline
    }

    /// Points the armed timer `key` at whom `make` makes, unless `same`
    /// says that whom it wakes now will do. Returns `None` if the timer is
    /// no longer armed (it fired), else the replaced `W`, if any, for the
    /// caller to drop.
    ///
    /// `make` runs with no wheel borrow held: cloning a waker runs the
    /// waker's own code, which may arm or cancel timers.
    pub(crate) fn update(
        &self,
        key: TimerKey,
        same: impl FnOnce(&W) -> bool,
        make: impl FnOnce() -> W,
    ) -> Option<Option<W>> {
        if same(self.wheel.borrow_mut().get_mut(key)?) {
            return Some(None);
        }
        let wakes = make();
        let mut wheel = self.wheel.borrow_mut();
        match wheel.get_mut(key) {
            Some(current) => Some(Some(std::mem::replace(current, wakes))),
            None => {
                // It fired while `make` ran.
                drop(wheel);
                drop(wakes);
                None
            }
        }
    }

    /// Disarms the timer `key`, returning whom it would have woken, for the
    /// caller to drop.
    pub(crate) fn cancel(&self, key: TimerKey) -> Option<W> {
        self.wheel.borrow_mut().cancel(key)
    }

    /// Whether no timer is armed.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.wheel.borrow().is_empty()
    }

    /// Hands every timer whose deadline has passed to `wake`, earliest
    /// first and with no borrow held, and says how many. Reads the clock
    /// only if a timer is armed.
    ///
    /// If `wake` panics, the timers behind the one that panicked are still
    /// handed to it; the first panic comes back in [`FireReport::panic`].
    /// Before every [`WARM_CHUNK`] timers, `ahead` sees those not handed
    /// out yet, with no borrow held, to warm what `wake` will touch
    /// (`util/warm.rs`).
    ///
    /// Warming buys, with the wheel warming its entries the same way:
    /// `timers_fire` of `benches/examples/scaling.rs` (100,000 timers over
    /// 100 ms, pinned to one core, median of six alternating runs) 933 →
    /// 726 ns of CPU per timer, for 2,613 → 2,650 instructions (callgrind).
    #[inline]
    pub(crate) fn fire(
        &self,
        ahead: impl FnMut(&[Fired<W>]),
        wake: impl FnMut(Fired<W>),
    ) -> FireReport {
        if self.wheel.borrow().is_empty() {
            FireReport::default()
        } else {
            self.fire_due(ahead, wake)
        }
    }

    /// Timers are armed: read the clock and hand out what is due.
    fn fire_due(
        &self,
        mut ahead: impl FnMut(&[Fired<W>]),
        mut wake: impl FnMut(Fired<W>),
    ) -> FireReport {
        let now = self.clock.now_nanos();
        let mut fired = self.fired.take();
        self.wheel.borrow_mut().poll_all(now, &mut fired);
        self.drains.set(self.drains.get() + 1);
        self.drained_through.set(now);
        let count = fired.len() as u64;
        // The wheel borrow has ended: a waker may do anything, panic
        // included. Every due timer is out of the wheel, so stopping at a
        // panic would strand the rest: nobody would ever wake them.
        let mut panic = None;
        let mut due = fired.drain(..);
        while due.len() > 0 {
            ahead(due.as_slice());
            let chunk = due.by_ref().take(WARM_CHUNK);
            if let Some(payload) = each_catching(chunk, &mut wake) {
                panic.get_or_insert(payload);
            }
        }
        drop(due);
        self.fired.replace(fired);
        FireReport { count, panic }
    }

    /// Where the timer `key` waits, for the trace.
    pub(crate) fn placement(&self, key: TimerKey) -> Option<Placement> {
        self.wheel.borrow().placement(key)
    }

    /// Starts recording the wheel's slot visits, for the trace.
    pub(crate) fn record_visits(&self) {
        self.wheel.borrow_mut().record_visits(true);
    }

    /// The wheel's slot visits since the last call.
    pub(crate) fn take_visits(&self) -> Vec<Visit> {
        self.wheel.borrow_mut().take_visits()
    }

    /// The earliest time (nanoseconds since the origin) at which `fire` may
    /// have work: a timer's exact deadline, or the start of a wheel slot to
    /// cascade, never later than the earliest deadline; and the latest
    /// deadline of the batch it belongs to (its tick), for coalescing (see
    /// `idle.rs`). `None` without timers.
    pub(crate) fn next_deadline_span(&self) -> Option<(u64, u64)> {
        self.wheel.borrow_mut().next_expiration_span()
    }

    /// Removes every timer, returning whom they would have woken, for the
    /// caller to drop.
    pub(crate) fn drain(&self) -> Vec<W> {
        self.wheel.borrow_mut().drain()
    }
}
