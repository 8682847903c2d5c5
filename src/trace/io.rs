//! The narrator, continued: the reactor's steps (feature `net`). Plain
//! values only: socket numbers and readiness, never the reactor itself,
//! so this file compiles, and says nothing, without the feature.
//!
//! The lines read
//!
//! ```text
//!    0.000210  idle: nothing ready, no timer; parked in the reactor until I/O on 2 socket(s) or a wake from another thread
//!    0.000388  socket 3 readable
//!    0.000389  task 7 woken by socket 3: queued (4)
//! ```
//!
//! Read next: `sync.rs`.

use super::narrator::line_as;
#[cfg(feature = "net")]
use super::tracer::Source;
use super::{Kinds, Seconds};
use crate::timer::idle::Idle;
#[cfg(feature = "net")]
use crate::util::stats::add;
use crate::util::stats::{Stats, bump};

impl super::Narrator {
    /// A park with `sockets` registered: a wait in the reactor, counted and
    /// narrated here. Returns `false` for a plan that is no wait (a jump of
    /// the virtual clock, a due timer, a deadlock), which `idle` narrates.
    pub(crate) fn parked_in_reactor(&self, plan: Idle, sockets: usize) -> bool {
        let until = match plan {
            Idle::Sleep { nanos } => Some(nanos),
            Idle::UntilWoken | Idle::WaitForThreads { .. } | Idle::WaitForIo { .. } => None,
            Idle::Due | Idle::Jump { .. } | Idle::Deadlock => return false,
        };
        bump(&self.counters.parks_in_reactor);
        if let Some(tracer) = &self.tracer {
            let what = match plan {
                Idle::WaitForThreads { jobs } => {
                    format!("; the virtual clock waits for {jobs} job(s) on worker threads")
                }
                Idle::WaitForIo { .. } => ", no timer, the clock is paused".to_string(),
                Idle::UntilWoken => ", no timer".to_string(),
                _ => String::new(),
            };
            let until = match until {
                Some(nanos) => format!(
                    "the next timer (in {} s), I/O on {sockets} socket(s) or a wake from another \
                     thread",
                    Seconds(nanos)
                ),
                None => format!("I/O on {sockets} socket(s) or a wake from another thread"),
            };
            line_as!(
                tracer,
                Kinds::PARK,
                "idle: nothing ready{what}; parked in the reactor until {until}"
            );
        }
        true
    }
}

/// The steps only a reactor takes.
#[cfg(feature = "net")]
impl super::Narrator {
    /// Tasks kept the loop busy for the whole busy interval: it looks at
    /// the reactor without blocking.
    pub(crate) fn reactor_polled_busy(&self) {
        bump(&self.counters.reactor_busy_polls);
        if let Some(tracer) = &self.tracer {
            line_as!(
                tracer,
                Kinds::PARK,
                "busy: a look at the reactor without blocking, so sockets are not starved"
            );
        }
    }

    /// The reactor is about to wake the tasks of ready sockets: returns
    /// the local wake count so far, for [`io_wakes_end`](Self::io_wakes_end).
    #[inline]
    pub(crate) fn io_wakes_begin(&self) -> u64 {
        self.counters.wakes_local.get()
    }

    /// The reactor's wakes are done: the local wakes they made since
    /// `before` are I/O wakes. Counting them by difference keeps the wake
    /// path itself free of any I/O check.
    #[inline]
    pub(crate) fn io_wakes_end(&self, before: u64) {
        let made = self.counters.wakes_local.get() - before;
        self.counters.wakes_local.set(before);
        add(&self.counters.wakes_io, made);
        if let Some(tracer) = &self.tracer {
            tracer.set_source(Source::Runtime);
        }
    }

    /// Socket `number` became `readable` and/or `writable`; the wakes that
    /// follow are its doing.
    #[inline]
    pub(crate) fn socket_ready(&self, number: u64, readable: bool, writable: bool) {
        if let Some(tracer) = &self.tracer {
            let how = match (readable, writable) {
                (true, true) => "readable and writable",
                (true, false) => "readable",
                _ => "writable",
            };
            line_as!(tracer, Kinds::PARK, "socket {number} {how}");
            tracer.set_source(Source::Socket(number));
        }
    }
}

/// The shutdown summary's words on I/O: nothing when no socket did
/// anything, so a runtime without sockets reads as before.
pub(super) fn summary(s: &Stats) -> String {
    if s.wakes_io == 0 && s.parks_in_reactor == 0 {
        return String::new();
    }
    format!(
        " ({} in the reactor); {} I/O wake(s)",
        s.parks_in_reactor, s.wakes_io
    )
}
