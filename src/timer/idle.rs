//! What the loop does when no task is ready: a small plan the driver makes
//! from the clock and the next deadline, and the loop carries out.
//!
//! Keeping the decision here, apart from the parking itself, lets it be
//! tested on a bare driver (see the tests below): no threads, no runtime.
//!
//! | clock | a timer is armed | no timer is armed |
//! |-------|------------------|-------------------|
//! | real | sleep until its deadline ([`Idle::Sleep`]), or nothing to wait for if it is already due ([`Idle::Due`]) | sleep until a wake from another thread ([`Idle::UntilWoken`]) |
//! | virtual (paused) | jump the clock to it ([`Idle::Jump`]) | nothing looplet knows of can wake a task: [`Idle::Deadlock`], after a grace period |
//! | virtual, with work on other threads (`to_thread` jobs queued or running, remote spawns on other runtimes awaited) | park until a wake ([`Idle::WaitForThreads`]): that work runs on another clock | the same |
//! | virtual, sockets registered (`net`) | jump, after one look at the reactor (`executor/park.rs`) | wait for I/O ([`Idle::WaitForIo`], see [`Idle::with_io`]) |
//!
//! "Its deadline" is the wheel's next expiration: a timer's exact deadline,
//! or the start of the slot that holds it, where the wheel must cascade
//! (see `wheel/turn.rs`). Either way it is never later than the earliest
//! deadline. On the real clock, when later timers share that timer's tick,
//! the sleep lasts up to [`COALESCE_NANOS`] longer (to the latest of them,
//! at most), so that one wake fires a batch; a timer alone in its tick, or
//! sharing it only with timers of the same deadline, wakes the loop at its
//! exact deadline.
//!
//! Read next: `trace/` (how the runtime narrates what it does).

use std::time::Duration;

use super::driver::Driver;

/// How long a paused runtime with nothing left to do waits, in real time,
/// for a wake from another thread before it reports a deadlock.
///
/// A waker handed to a thread looplet does not know of (a `std::thread`
/// that answers a request at once, another runtime) wakes the task through
/// the inbox, but a few microseconds to milliseconds later: without a
/// grace, such a program was reported deadlocked in nearly every run. 250
/// ms covers a thread that is slow to be scheduled on a loaded two-core
/// machine, and is what a real deadlock costs before its panic.
pub(crate) const DEADLOCK_GRACE: Duration = Duration::from_millis(250);

/// How much later than the next deadline a real-clock loop may wake when
/// later timers share that deadline's tick: 500 µs, half a tick. It wakes
/// at the latest deadline of the tick's timers (as far as the wheel knows
/// it: `Wheel::next_expiration_span`), or this long after the earliest,
/// whichever is sooner.
///
/// Each park costs the thread 30 to 50 µs of CPU on the machines looplet is
/// measured on (the futex, the timer interrupt, the scheduler; a bare
/// `std::thread::sleep` costs as much), far more than firing a timer.
/// Timers armed in a burst have deadlines microseconds apart, and waking
/// for each exact deadline meant about 8 parks per millisecond for 10,000
/// sleeps spread over 100 ms. `timers_fire` of `benches/examples/scaling.rs`
/// (CPU per timer, median of 9 runs, five interleaved rounds on a quiet
/// machine), with no coalescing / 250 µs / 500 µs / a whole tick, tokio
/// beside: 10,000 timers about 4,070 (an earlier, busier run) / 2,024 /
/// 1,584 / 1,498 ns, tokio 1,617 (about 800 / 250 / 185 / 100 parks per
/// run, tokio 100); 1,000 timers 4,740 / 4,367 / 4,423 at 250 µs and up,
/// tokio 4,169 (one park per millisecond for both: a tick's ten timers
/// cannot share fewer); 100,000 timers unchanged (the loop is busy, not
/// parked). Half a tick is as cheap as tokio's whole ticks at half the
/// lateness.
///
/// What it costs: a timer in a crowded tick may fire up to 500 µs (plus the
/// kernel's own timer slack) after its deadline, within the design's "one
/// tick plus scheduling latency". A timer alone in its tick, such as one
/// `sleep(1 ms)` after another, or many sleeping until the same instant,
/// is not delayed at all, and the paused clock always jumps to exact
/// deadlines.
pub(crate) const COALESCE_NANOS: u64 = 500_000;

/// What an idle loop should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Real clock: the next timer is already due (the turn's clock reading
    /// was a little old). Nothing to wait for, so this is no park.
    Due,
    /// Real clock: park the thread for `nanos`, until the next deadline (or
    /// a wake from another thread, whichever comes first).
    Sleep {
        /// How long, in nanoseconds.
        nanos: u64,
    },
    /// Real clock, no timer armed: park until a wake from another thread.
    UntilWoken,
    /// Virtual clock: jump it to `to`, `by` nanoseconds ahead.
    Jump {
        /// The time to jump to, in nanoseconds since the clock's origin.
        to: u64,
        /// How far that is from now.
        by: u64,
    },
    /// Virtual clock, with `jobs` of the runtime's tasks waiting for work
    /// on other threads (`to_thread` jobs, remote spawns on other
    /// runtimes): their wakes will come on another clock, so the virtual
    /// one stands still and the thread parks until a wake.
    WaitForThreads {
        /// How many jobs.
        jobs: usize,
    },
    /// Virtual clock, no timer armed, `sockets` registered with the
    /// reactor (feature `net`): I/O may still wake a task, so the thread
    /// waits for it in the reactor instead of reporting a deadlock.
    WaitForIo {
        /// How many sockets.
        sockets: usize,
    },
    /// Virtual clock, no timer armed, no job out: nothing looplet knows of
    /// can wake a task. The loop waits [`DEADLOCK_GRACE`] for a wake from
    /// another thread, then reports a deadlock.
    Deadlock,
}

impl Idle {
    /// Whether carrying out the plan counts as a park in
    /// [`Stats::parks`](crate::Stats::parks): the thread sleeps, or the
    /// virtual clock jumps in its place.
    pub(crate) fn is_park(self) -> bool {
        matches!(
            self,
            Idle::Sleep { .. }
                | Idle::UntilWoken
                | Idle::Jump { .. }
                | Idle::WaitForThreads { .. }
                | Idle::WaitForIo { .. }
        )
    }

    /// The plan once `sockets` registered with the reactor are counted
    /// (always 0 without the `net` feature): a deadlock is not one while a
    /// socket may still become ready.
    pub(crate) fn with_io(self, sockets: usize) -> Idle {
        match self {
            Idle::Deadlock if sockets > 0 => Idle::WaitForIo { sockets },
            plan => plan,
        }
    }
}

impl<W> Driver<W> {
    /// The plan for a loop with nothing ready, while `jobs` of its own run
    /// on other threads. Reads the real clock only when a timer is armed.
    pub(crate) fn idle(&self, jobs: usize) -> Idle {
        let next = self.next_deadline_span();
        let clock = &self.clock;
        if clock.is_paused() && jobs > 0 {
            return Idle::WaitForThreads { jobs };
        }
        if clock.is_paused() {
            return match next {
                Some((to, _)) => Idle::Jump {
                    to,
                    by: to.saturating_sub(clock.peek_nanos()),
                },
                None => Idle::Deadlock,
            };
        }
        let Some((deadline, latest)) = next else {
            return Idle::UntilWoken;
        };
        let now = clock.now_nanos();
        if deadline <= now {
            Idle::Due
        } else {
            let wake = latest.min(deadline.saturating_add(COALESCE_NANOS));
            Idle::Sleep { nanos: wake - now }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;
    use std::task::Waker;

    use futures_task::noop_waker;

    use super::*;
    use crate::timer::clock::Clock;

    const MS: u64 = 1_000_000;

    fn driver(paused: bool) -> Driver<Waker> {
        Driver::new(Rc::new(Clock::new(paused)), None)
    }

    #[test]
    fn paused_with_no_timer_is_a_deadlock() {
        assert_eq!(driver(true).idle(0), Idle::Deadlock);
    }

    #[test]
    fn paused_jumps_straight_to_the_exact_deadline() {
        let driver = driver(true);
        let armed = driver.arm(5 * MS + MS / 2, 0, noop_waker());
        // Tick 5 sits on level 0, which holds one tick: the wheel knows the
        // exact deadline before the tick is reached (`Wheel::soonest`).
        assert_eq!(
            driver.idle(0),
            Idle::Jump {
                to: 5 * MS + MS / 2,
                by: 5 * MS + MS / 2
            }
        );
        driver.clock.advance_to(5 * MS + MS / 2);
        assert_eq!(driver.fire(|_| {}, |_| {}).count, 1);
        assert!(driver.has_fired(armed, 5 * MS + MS / 2));
        assert_eq!(driver.idle(0), Idle::Deadlock);
    }

    #[test]
    fn paused_jumps_are_parks_and_a_deadlock_is_not() {
        assert!(Idle::Jump { to: 1, by: 1 }.is_park());
        assert!(Idle::Sleep { nanos: 1 }.is_park());
        assert!(Idle::UntilWoken.is_park());
        assert!(!Idle::Due.is_park());
        assert!(!Idle::Deadlock.is_park());
    }

    #[test]
    fn paused_with_jobs_on_threads_waits_instead_of_jumping() {
        let driver = driver(true);
        driver.arm(5 * MS, 0, noop_waker());
        assert_eq!(driver.idle(2), Idle::WaitForThreads { jobs: 2 });
        assert!(Idle::WaitForThreads { jobs: 2 }.is_park());
        assert_eq!(self::driver(true).idle(1), Idle::WaitForThreads { jobs: 1 });
    }

    #[test]
    fn paused_with_sockets_and_no_timer_waits_for_io() {
        assert_eq!(
            driver(true).idle(0).with_io(2),
            Idle::WaitForIo { sockets: 2 }
        );
        assert_eq!(driver(true).idle(0).with_io(0), Idle::Deadlock);
        assert!(Idle::WaitForIo { sockets: 1 }.is_park());
        // A timer armed: the jump stands (the loop looks at the reactor first).
        let driver = driver(true);
        driver.arm(5 * MS, 0, noop_waker());
        assert!(matches!(driver.idle(0).with_io(1), Idle::Jump { .. }));
    }

    #[test]
    fn real_with_no_timer_waits_for_a_wake() {
        assert_eq!(driver(false).idle(0), Idle::UntilWoken);
    }

    #[test]
    fn real_with_a_past_deadline_does_not_park() {
        let driver = driver(false);
        driver.arm(0, 0, noop_waker());
        assert_eq!(driver.idle(0), Idle::Due);
    }

    /// The sleep an idle real-clock driver plans, and the clock reading
    /// the plan was made from (the latest one: `idle` reads the clock), so
    /// that the checks are exact however long the thread was held up.
    fn planned_sleep(driver: &Driver<Waker>) -> (u64, u64) {
        match driver.idle(0) {
            Idle::Sleep { nanos } => (nanos, driver.clock.latest_nanos()),
            other => panic!("expected a sleep, got {other:?}"),
        }
    }

    #[test]
    fn real_wakes_up_to_half_a_tick_late_for_later_timers_of_the_same_tick() {
        let driver = driver(false);
        // Timers in one tick far ahead: a level-0 slot.
        let tick = driver.clock.now_nanos() / MS + 40;
        let first = tick * MS + MS / 10;
        driver.arm(first, 0, noop_waker());
        let (nanos, now) = planned_sleep(&driver);
        assert_eq!(nanos, first - now, "alone: exact");
        // The same deadline again: nothing to wait for beyond it.
        driver.arm(first, 1, noop_waker());
        let (nanos, now) = planned_sleep(&driver);
        assert_eq!(nanos, first - now, "same deadline: exact");
        // 100 µs later: wake at that one, firing both.
        driver.arm(first + 100_000, 2, noop_waker());
        let (nanos, now) = planned_sleep(&driver);
        assert_eq!(nanos, first + 100_000 - now);
        // Eight tenths of a tick later, still in the tick: wake half a tick
        // after the first, no later.
        driver.arm(first + MS * 8 / 10, 3, noop_waker());
        let (nanos, now) = planned_sleep(&driver);
        assert_eq!(nanos, first + COALESCE_NANOS - now);
    }

    #[test]
    fn the_due_heaps_span_is_its_latest_deadline() {
        // The rule does not depend on the clock; a paused one steps exactly.
        let driver = driver(true);
        let due = 1000 * MS + MS / 2;
        driver.arm(due, 0, noop_waker());
        driver.arm(due + 7, 1, noop_waker());
        driver.arm(due + 3, 2, noop_waker());
        // Reach the tick without reaching the deadlines: all go to the heap.
        driver.clock.advance_to(due - 1);
        assert_eq!(driver.fire(|_| {}, |_| {}).count, 0);
        assert_eq!(driver.next_deadline_span(), Some((due, due + 7)));
        driver.clock.advance_to(due + 3);
        assert_eq!(driver.fire(|_| {}, |_| {}).count, 2);
        assert_eq!(driver.next_deadline_span(), Some((due + 7, due + 7)));
        // A timer further than level 0: the span of a cascade is one point.
        driver.arm(due + 500 * MS, 3, noop_waker());
        driver.clock.advance_to(due + 7);
        assert_eq!(driver.fire(|_| {}, |_| {}).count, 1);
        let (at, latest) = driver.next_deadline_span().unwrap();
        assert_eq!(at, latest);
        assert!(at <= due + 500 * MS);
    }

    #[test]
    fn real_sleeps_until_the_next_deadline() {
        let driver = driver(false);
        let deadline = driver.clock.now_nanos() + 10_000 * MS;
        driver.arm(deadline, 0, noop_waker());
        match driver.idle(0) {
            Idle::Sleep { nanos } => assert!(nanos > 0 && nanos <= 10_000 * MS, "{nanos}"),
            other => panic!("expected a sleep, got {other:?}"),
        }
    }
}
