//! The runtime's clock: the real monotonic clock, or a virtual one that
//! only moves when the executor has nothing else to do.
//!
//! Deadlines are kept as nanoseconds since the clock's `origin` (the
//! moment the runtime was built), a `u64` good for 584 years; the wheel
//! counts them in ticks of 1 ms. A deadline the `u64` cannot hold is
//! "never" (`None`): `sleep(Duration::MAX)` is a sleep that never ends,
//! not a panic and not an early wake-up.
//!
//! # Invariants
//!
//! The virtual time never goes backwards.
//!
//! The clock is shared (`Rc`) by the timer driver, which reads it to fire
//! timers, and the tracer, which stamps each trace line with it.
//!
//! Read next: `wheel/mod.rs`.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// A runtime's clock.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Nanosecond 0 of the clock's time line.
    origin: Instant,
    /// The virtual time in nanoseconds since `origin`, when paused.
    paused: Option<Cell<u64>>,
    /// The latest reading of the real clock, in nanoseconds since `origin`:
    /// a time that has certainly passed, known without reading the clock.
    latest: Cell<u64>,
}

impl Clock {
    /// A clock starting now; virtual if `paused`.
    pub(crate) fn new(paused: bool) -> Self {
        Clock {
            origin: Instant::now(),
            paused: paused.then(|| Cell::new(0)),
            latest: Cell::new(0),
        }
    }

    /// Whether this is a virtual clock.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// The current time.
    pub(crate) fn now(&self) -> Instant {
        match &self.paused {
            Some(virtual_now) => self.origin + Duration::from_nanos(virtual_now.get()),
            None => Instant::now(),
        }
    }

    /// The current time in nanoseconds since the origin.
    pub(crate) fn now_nanos(&self) -> u64 {
        match &self.paused {
            Some(virtual_now) => virtual_now.get(),
            None => {
                let now = self.nanos_of(Instant::now()).unwrap_or(u64::MAX);
                self.latest.set(now);
                now
            }
        }
    }

    /// The current time in nanoseconds since the origin, without updating
    /// the latest reading (for the trace, which must not change behaviour).
    pub(crate) fn peek_nanos(&self) -> u64 {
        match &self.paused {
            Some(virtual_now) => virtual_now.get(),
            None => self.nanos_of(Instant::now()).unwrap_or(u64::MAX),
        }
    }

    /// A time that has certainly passed: the latest reading of the clock
    /// (the virtual time itself when paused). Reads no clock.
    pub(crate) fn latest_nanos(&self) -> u64 {
        match &self.paused {
            Some(virtual_now) => virtual_now.get(),
            None => self.latest.get(),
        }
    }

    /// The deadline `duration` from now, in nanoseconds since the origin;
    /// `None` if it is too far away to count.
    pub(crate) fn deadline_after(&self, duration: Duration) -> Option<u64> {
        let duration = u64::try_from(duration.as_nanos()).ok()?;
        self.now_nanos().checked_add(duration)
    }

    /// `instant` in nanoseconds since the origin: 0 for instants before it,
    /// `None` for instants too far away to count.
    pub(crate) fn nanos_of(&self, instant: Instant) -> Option<u64> {
        u64::try_from(instant.saturating_duration_since(self.origin).as_nanos()).ok()
    }

    /// Moves the virtual clock forward to `nanos` (never backwards).
    pub(crate) fn advance_to(&self, nanos: u64) {
        let virtual_now = self
            .paused
            .as_ref()
            .expect("only a paused clock is advanced by hand");
        virtual_now.set(virtual_now.get().max(nanos));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_starts_at_origin_and_only_moves_forward() {
        let clock = Clock::new(true);
        assert_eq!(clock.now_nanos(), 0);
        clock.advance_to(5_000);
        clock.advance_to(10);
        assert_eq!(clock.now_nanos(), 5_000);
        assert_eq!(clock.now(), clock.origin + Duration::from_nanos(5_000));
        assert_eq!(clock.latest_nanos(), 5_000);
    }

    #[test]
    fn latest_reading_trails_the_real_clock() {
        let clock = Clock::new(false);
        assert_eq!(clock.latest_nanos(), 0);
        let now = clock.now_nanos();
        assert_eq!(clock.latest_nanos(), now);
        assert!(clock.now_nanos() >= now);
    }

    #[test]
    fn deadline_after_overflows_to_never() {
        let clock = Clock::new(true);
        clock.advance_to(10);
        assert_eq!(clock.deadline_after(Duration::from_nanos(5)), Some(15));
        assert_eq!(clock.deadline_after(Duration::MAX), None);
        assert_eq!(
            clock.deadline_after(Duration::from_secs(600 * 365 * 86_400)),
            None
        );
    }

    #[test]
    fn nanos_of_saturates_before_origin_and_gives_up_far_away() {
        let clock = Clock::new(true);
        let before = clock.origin.checked_sub(Duration::from_secs(1));
        if let Some(before) = before {
            assert_eq!(clock.nanos_of(before), Some(0));
        }
        let far = clock
            .origin
            .checked_add(Duration::from_secs(600 * 365 * 86_400));
        if let Some(far) = far {
            assert_eq!(
                clock.nanos_of(far),
                None,
                "600 years does not fit in u64 nanoseconds"
            );
        }
    }
}
