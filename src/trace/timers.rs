//! The narrator, continued: one call per step of the timers, of the idle
//! loop, and of shutdown.
//!
//! Read next: `sync.rs`.

use super::narrator::{Narrator, line, line_as};
use super::tracer::{Source, Tracer};
use super::{Kinds, Seconds};
use crate::timer::driver::{Driver, FireReport};
use crate::timer::idle::Idle;
use crate::timer::wheel::{Fired, LEVELS, Placement, TimerKey, Visit};
use crate::util::panic;
use crate::util::stats::{add, bump};

use super::narrator::NOT_A_STRING;

impl Narrator {
    /// Makes `driver` record the wheel's slot visits, if the runtime
    /// traces: the trace shows each cascade.
    pub(crate) fn watch<W>(&self, driver: &Driver<W>) {
        if self.tracer.is_some() {
            driver.record_visits();
        }
    }

    /// A timer `key` was armed for `deadline` (nanoseconds since the
    /// clock's origin).
    #[inline]
    pub(crate) fn timer_armed<W>(&self, key: TimerKey, deadline: u64, driver: &Driver<W>) {
        bump(&self.counters.timers_armed);
        if let Some(tracer) = &self.tracer {
            armed_line(tracer, key, deadline, driver);
        }
    }

    /// The timer `key` was disarmed before its deadline.
    #[inline]
    pub(crate) fn timer_cancelled(&self, key: TimerKey) {
        bump(&self.counters.timers_cancelled);
        if let Some(tracer) = &self.tracer {
            line_as!(tracer, Kinds::TIMERS, "timer {} cancelled", key.seq());
        }
    }

    /// `timer` is due and about to be woken (after the cascades that
    /// brought it due); the wake that follows is its doing.
    #[inline]
    pub(crate) fn timer_fires<W>(&self, timer: &Fired<W>, driver: &Driver<W>) {
        if let Some(tracer) = &self.tracer {
            fires_line(tracer, timer, driver);
        }
    }

    /// A round of firing is over: `report` says how many fired, and
    /// whether a waker panicked.
    #[inline]
    pub(crate) fn timers_fired<W>(&self, report: &FireReport, driver: &Driver<W>) {
        add(&self.counters.timers_fired, report.count);
        if let Some(tracer) = &self.tracer {
            fired_line(tracer, driver, report);
        }
    }

    /// Nothing is ready: the loop carries out `plan`, with `sockets`
    /// registered with the reactor (always 0 without `net`; with some, a
    /// park is a wait in the reactor: see `io.rs`).
    pub(crate) fn idle(&self, plan: Idle, sockets: usize) {
        if plan.is_park() {
            bump(&self.counters.parks);
        }
        if sockets > 0 && self.parked_in_reactor(plan, sockets) {
            return;
        }
        if let Some(tracer) = &self.tracer {
            idle_line(tracer, plan);
        }
    }

    /// Shutdown cancelled `n` tasks that were still alive (edge 8).
    pub(crate) fn shutdown_cancelled(&self, n: u64) {
        add(&self.counters.tasks_cancelled, n);
        if let (Some(tracer), true) = (&self.tracer, n > 0) {
            line!(tracer, "shutdown: cancelling {n} task(s) still alive (8)");
        }
    }

    /// Shutdown is over: the trace ends with the counters.
    pub(crate) fn shutdown_done(&self) {
        if let Some(tracer) = &self.tracer {
            let s = self.counters.snapshot(self.shuffle);
            // The summary is kept whatever the filter.
            tracer.line(format_args!(
                "shutdown: {} task(s) spawned, {} completed, {} cancelled, {} panicked; {} polls \
                 in {} turns; {} timer(s) armed, {} fired, {} cancelled; {} park(s){}",
                s.tasks_spawned,
                s.tasks_completed,
                s.tasks_cancelled,
                s.tasks_panicked,
                s.polls,
                s.turns,
                s.timers_armed,
                s.timers_fired,
                s.timers_cancelled,
                s.parks,
                super::io::summary(&s)
            ));
        }
    }
}

#[cold]
#[inline(never)]
fn armed_line<W>(tracer: &Tracer, key: TimerKey, deadline: u64, driver: &Driver<W>) {
    let now = driver.clock.peek_nanos();
    let place = match driver.placement(key) {
        Some(Placement::Slot { level, slot }) => format!("wheel level {level} slot {slot}"),
        Some(Placement::Due) => "the due heap: its millisecond has come".to_string(),
        Some(Placement::Overflow) => "the overflow list: beyond the top level".to_string(),
        None => "nowhere".to_string(),
    };
    line_as!(
        tracer,
        Kinds::TIMERS,
        "timer {} armed for {} s (in {} s): {place}",
        key.seq(),
        Seconds(deadline),
        Seconds(deadline.saturating_sub(now))
    );
}

#[cold]
#[inline(never)]
fn fires_line<W>(tracer: &Tracer, timer: &Fired<W>, driver: &Driver<W>) {
    visit_lines(tracer, driver.take_visits());
    line_as!(
        tracer,
        Kinds::TIMERS,
        "timer {} fires (deadline {} s)",
        timer.key.seq(),
        Seconds(timer.deadline)
    );
    tracer.set_source(Source::Timer(timer.key.seq()));
}

#[cold]
#[inline(never)]
fn fired_line<W>(tracer: &Tracer, driver: &Driver<W>, report: &FireReport) {
    visit_lines(tracer, driver.take_visits());
    tracer.set_source(Source::Runtime);
    if let Some(payload) = &report.panic {
        let message = panic::message(&**payload).unwrap_or(NOT_A_STRING);
        line_as!(
            tracer,
            Kinds::TIMERS,
            "a timer's waker panicked: {message}; every due timer was woken, the panic leaves \
             block_on"
        );
    }
}

/// The wheel's slot visits (cascades) since the last look.
fn visit_lines(tracer: &Tracer, visits: Vec<Visit>) {
    for visit in visits {
        let (tick, n) = (visit.tick.0, visit.timers);
        match visit.level {
            0 => line_as!(
                tracer,
                Kinds::WHEEL,
                "wheel: tick {tick} ms reached: {n} timer(s) into the due heap"
            ),
            level if level < LEVELS => line_as!(
                tracer,
                Kinds::WHEEL,
                "wheel: cascade at tick {tick} ms: level {level} slot {}, {n} timer(s) moved down",
                visit.slot
            ),
            _ => line_as!(
                tracer,
                Kinds::WHEEL,
                "wheel: overflow list looked at again at tick {tick} ms: {n} timer(s)"
            ),
        }
    }
}

#[cold]
#[inline(never)]
fn idle_line(tracer: &Tracer, plan: Idle) {
    match plan {
        Idle::Due => {}
        Idle::Jump { to, by } => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready; the virtual clock jumps to {} s (+{} s)",
            Seconds(to),
            Seconds(by)
        ),
        Idle::Sleep { nanos } => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready; parking {} s until the next timer",
            Seconds(nanos)
        ),
        Idle::Deadlock => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready, no timer, and the clock is paused: waits 250 ms for a wake from another thread, then block_on panics (deadlock)"
        ),
        Idle::WaitForThreads { jobs } => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready; the virtual clock waits for {jobs} job(s) on other threads"
        ),
        Idle::WaitForIo { sockets } => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready, no timer, the clock is paused; waiting in the reactor for I/O \
             on {sockets} socket(s)"
        ),
        Idle::UntilWoken => line_as!(
            tracer,
            Kinds::PARK,
            "idle: nothing ready, no timer; parking until a wake from another thread"
        ),
    }
}
