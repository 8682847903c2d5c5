//! Sleeps, timeouts and the clocks, mostly on the virtual clock so every
//! assertion is exact.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::{Log, panic_message};
use futures::task::ArcWake;
use looplet::{
    Builder, JoinHandle, Runtime, now, sleep, sleep_until, spawn, stats, timeout, timeout_at,
    yield_now,
};

fn paused() -> Runtime {
    Builder::new().start_paused(true).build()
}

/// Spawns a task that awaits `future`, then logs `entry`.
fn log_after(log: &Log, entry: &str, future: impl Future + 'static) -> JoinHandle<()> {
    let (log, entry) = (log.clone(), entry.to_string());
    spawn(async move {
        future.await;
        log.push(entry);
    })
}

/// Sleeps `duration` on a paused clock and returns how long it took there.
fn virtual_sleep(duration: Duration) -> Duration {
    paused().block_on(async move {
        let start = now();
        sleep(duration).await;
        now() - start
    })
}

const MS: Duration = Duration::from_millis(1);
const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn sleep_level_0_boundaries() {
    for ms in [1, 2, 63] {
        assert_eq!(virtual_sleep(MS * ms), MS * ms, "{ms} ms");
    }
}

#[test]
fn sleep_level_1_boundaries() {
    for ms in [64, 65, 127, 128, 4095] {
        assert_eq!(virtual_sleep(MS * ms), MS * ms, "{ms} ms");
    }
}

#[test]
fn sleep_level_2_and_3_boundaries() {
    for ms in [4096, 4097, 262_143, 262_144, 262_145] {
        assert_eq!(virtual_sleep(MS * ms), MS * ms, "{ms} ms");
    }
}

#[test]
fn sleep_minutes_hours_days() {
    for duration in [
        Duration::from_secs(60),
        Duration::from_secs(3600),
        DAY,
        DAY * 3,
    ] {
        assert_eq!(virtual_sleep(duration), duration);
    }
}

#[test]
fn sleep_over_a_year_and_beyond_the_wheel() {
    // 400 days sits on level 5; 3 years is past what six levels cover
    // (2^36 ms, about 2.2 years) and waits in the overflow list.
    for duration in [DAY * 400, DAY * 365 * 3, DAY * 365 * 100] {
        assert_eq!(virtual_sleep(duration), duration);
    }
}

#[test]
fn sleep_sub_millisecond_is_exact_on_the_virtual_clock() {
    for micros in [1, 500, 1500, 63_999] {
        let d = Duration::from_micros(micros);
        assert_eq!(virtual_sleep(d), d);
    }
}

#[test]
fn sleep_duration_max_never_fires_and_never_panics() {
    paused().block_on(async {
        let start = now();
        let result = timeout(Duration::from_secs(1), sleep(Duration::MAX)).await;
        assert!(result.is_err(), "a sleep of Duration::MAX never completes");
        assert_eq!(now() - start, Duration::from_secs(1));
        // A timeout of Duration::MAX never fires either.
        assert_eq!(timeout(Duration::MAX, sleep(MS * 5)).await, Ok(()));
        // An instant far beyond what the clock counts.
        if let Some(far) = now().checked_add(DAY * 365 * 1000) {
            let r = timeout(MS, sleep_until(far)).await;
            assert!(r.is_err());
        }
    });
}

#[test]
fn equal_deadlines_fire_in_creation_order() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let deadline = now() + Duration::from_millis(100);
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let log = log.clone();
                    spawn(async move {
                        sleep_until(deadline).await;
                        log.push(i.to_string());
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(
        log.take(),
        (0..10).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

#[test]
fn equal_deadlines_fire_in_creation_order_even_when_armed_in_reverse() {
    // A sleep arms its timer on its first poll, not when it is made: here
    // the sleeps are made s0..s4 but polled (armed) s4 first. Creation
    // order still decides, as the design promises.
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let deadline = now() + Duration::from_millis(100);
            let sleeps: Vec<_> = (0..5).map(|_| sleep_until(deadline)).collect();
            let handles: Vec<_> = sleeps
                .into_iter()
                .enumerate()
                .rev()
                .map(|(i, s)| {
                    let log = log.clone();
                    spawn(async move {
                        s.await;
                        log.push(format!("s{i}"));
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            assert_eq!(now(), deadline);
        }
    });
    assert_eq!(log.take(), ["s0", "s1", "s2", "s3", "s4"]);
}

#[test]
fn equal_durations_made_in_one_turn_fire_in_creation_order() {
    // The virtual clock stands still within a turn, so `sleep`s of one
    // duration made in the same turn share a deadline.
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let first = sleep(Duration::from_secs(1));
            let second = sleep(Duration::from_secs(1));
            let late = log_after(&log, "second", second);
            yield_now().await; // `second` is armed first
            first.await;
            log.push("first");
            late.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["first", "second"]);
}

#[test]
fn random_sleeps_complete_in_deadline_order_at_their_deadlines() {
    // 100,000 sleeps of pseudo-random length up to 10 minutes (so every
    // level up to 3 is used), on the virtual clock.
    const N: usize = 100_000;
    let done: Rc<RefCell<Vec<(Duration, usize, Duration)>>> = Rc::default();
    paused().block_on({
        let done = done.clone();
        async move {
            let start = now();
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    // xorshift64*
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
                    // Milliseconds and a sub-millisecond part, so deadlines
                    // share ticks but rarely instants.
                    let d = Duration::from_micros(r % 600_000_000);
                    let done = done.clone();
                    spawn(async move {
                        sleep(d).await;
                        done.borrow_mut().push((d, i, now() - start));
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    let done = done.borrow();
    assert_eq!(done.len(), N);
    for &(d, i, at) in done.iter() {
        assert_eq!(at, d, "sleep {i} of {d:?} completed at {at:?}");
    }
    let mut sorted = done.clone();
    sorted.sort_by_key(|&(d, i, _)| (d, i));
    assert!(
        *done == sorted,
        "completions are in (deadline, creation) order"
    );
}

#[test]
fn past_deadline_completes_on_the_next_turn() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let before = now();
            let past = log_after(
                &log,
                "past sleep done",
                sleep_until(before - Duration::from_secs(1)),
            );
            let zero = log_after(&log, "zero sleep done", sleep(Duration::ZERO));
            let yielder = {
                let log = log.clone();
                spawn(async move {
                    log.push("yielder turn 1");
                    yield_now().await;
                    log.push("yielder turn 2");
                })
            };
            past.await.unwrap();
            zero.await.unwrap();
            yielder.await.unwrap();
            assert_eq!(now(), before, "past deadlines do not move the clock");
        }
    });
    // Turn 1: all three run; the sleeps arm timers that are already due.
    // Turn 2: the yielder (queued during turn 1) runs before the timers
    // fired between the turns.
    assert_eq!(
        log.take(),
        [
            "yielder turn 1",
            "yielder turn 2",
            "past sleep done",
            "zero sleep done"
        ]
    );
}

#[test]
fn timers_due_in_a_turn_queue_behind_ready_work() {
    // In one turn, `ready` yields (it is queued again: ready work) and
    // `timer` arms a timer that is already due. The timer fires after the
    // batch, so its task queues behind `ready`.
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let timer = log_after(&log, "timer", sleep(Duration::ZERO));
            let ready = log_after(&log, "ready", yield_now());
            timer.await.unwrap();
            ready.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["ready", "timer"]);
}

#[test]
fn timeout_elapses_at_its_deadline_and_drops_the_inner_future() {
    paused().block_on(async {
        let start = now();
        let (flag, dropped) = common::DropFlag::new();
        let result = timeout(Duration::from_secs(1), async move {
            let _flag = flag;
            sleep(Duration::from_secs(2)).await;
        })
        .await;
        assert!(result.is_err());
        assert!(dropped.get());
        assert_eq!(now() - start, Duration::from_secs(1));
        assert_eq!(
            stats().timers_live(),
            0,
            "the inner sleep's timer was cancelled"
        );
    });
}

#[test]
fn timeout_not_elapsed_returns_the_output_and_disarms() {
    paused().block_on(async {
        let start = now();
        let result = timeout(Duration::from_secs(2), async {
            sleep(Duration::from_secs(1)).await;
            "done"
        })
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(now() - start, Duration::from_secs(1));
        let s = stats();
        assert_eq!(s.timers_live(), 0);
        assert_eq!(s.timers_cancelled, 1, "the timeout's own timer");
    });
}

#[test]
fn timeout_zero_around_a_ready_future_wins_and_never_touches_the_wheel() {
    paused().block_on(async {
        assert_eq!(timeout(Duration::ZERO, async { 5 }).await, Ok(5));
        assert_eq!(timeout(Duration::from_secs(1), async { 6 }).await, Ok(6));
        assert_eq!(stats().timers_armed, 0);
    });
}

#[test]
fn timeout_zero_around_yield_now_fires_at_the_first_suspension() {
    paused().block_on(async {
        let start = now();
        assert!(timeout(Duration::ZERO, yield_now()).await.is_err());
        let past = now() - Duration::from_secs(1);
        assert!(timeout_at(past, yield_now()).await.is_err());
        assert_eq!(now(), start);
        assert_eq!(
            stats().timers_armed,
            0,
            "an already-elapsed timeout arms nothing"
        );
    });
}

#[test]
fn timeout_nonzero_around_yield_now_lets_it_finish() {
    paused().block_on(async {
        assert_eq!(timeout(MS, yield_now()).await, Ok(()));
        assert_eq!(stats().timers_live(), 0);
    });
}

#[test]
fn timeout_and_inner_due_at_the_same_instant_inner_wins() {
    paused().block_on(async {
        let d = Duration::from_millis(10);
        assert_eq!(timeout(d, sleep(d)).await, Ok(()));
    });
}

#[test]
fn dropping_ten_thousand_timeouts_leaves_nothing_behind() {
    paused().block_on(async {
        let start = now();
        for i in 0..10_000u64 {
            let mut t = Box::pin(timeout(
                Duration::from_millis(1 + i % 5000),
                std::future::pending::<()>(),
            ));
            // Poll once so the timer is armed, then drop it.
            assert!(common::poll_once(&mut t.as_mut()).await.is_pending());
        }
        let s = stats();
        assert_eq!(s.timers_armed, 10_000);
        assert_eq!(s.timers_live(), 0);
        // The clock does not visit the dropped deadlines.
        sleep(Duration::from_secs(10)).await;
        assert_eq!(now() - start, Duration::from_secs(10));
        assert_eq!(stats().timers_fired, 1);
    });
}

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl ArcWake for Count {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_repolled_sleep_wakes_only_the_latest_waker() {
    paused().block_on(async {
        let first = Arc::new(Count(AtomicUsize::new(0)));
        let second = Arc::new(Count(AtomicUsize::new(0)));
        let mut s = Box::pin(sleep(Duration::from_secs(1)));
        let w1: Waker = futures::task::waker(first.clone());
        let w2: Waker = futures::task::waker(second.clone());
        assert!(s.as_mut().poll(&mut Context::from_waker(&w1)).is_pending());
        assert!(s.as_mut().poll(&mut Context::from_waker(&w2)).is_pending());
        sleep(Duration::from_secs(2)).await;
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            s.as_mut().poll(&mut Context::from_waker(&w2)),
            Poll::Ready(())
        );
    });
}

/// Polled by its own task, a sleep's timer names the task instead of
/// keeping a waker (`task/named.rs`); polled with any other waker,
/// it keeps that waker. Either way a re-poll points it at the latest.
#[test]
fn a_sleep_passed_between_its_task_and_a_foreign_waker_wakes_the_latest() {
    paused().block_on(async {
        let foreign = Arc::new(Count(AtomicUsize::new(0)));
        let other: Waker = futures::task::waker(foreign.clone());
        // The task's own waker first, then the foreign one: only the
        // foreign one is woken.
        let mut nap = Box::pin(sleep(Duration::from_secs(1)));
        let first = std::future::poll_fn(|cx| Poll::Ready(nap.as_mut().poll(cx))).await;
        assert!(first.is_pending());
        assert!(
            nap.as_mut()
                .poll(&mut Context::from_waker(&other))
                .is_pending()
        );
        sleep(Duration::from_secs(2)).await;
        assert_eq!(foreign.0.load(Ordering::SeqCst), 1);
        // The foreign waker first, then the task's own: the task is woken
        // at the deadline (else the paused clock reports a deadlock).
        let mut nap = Box::pin(sleep(Duration::from_secs(1)));
        assert!(
            nap.as_mut()
                .poll(&mut Context::from_waker(&other))
                .is_pending()
        );
        let start = now();
        nap.await;
        assert_eq!(now() - start, Duration::from_secs(1));
        assert_eq!(foreign.0.load(Ordering::SeqCst), 1);
    });
}

/// `rounds` times: a sleep polled by hand with a waker that panics
/// (foreign code), then `tasks` tasks sleeping to the same deadline, made
/// after it so they fire behind it. Checks that the first panic leaves
/// `block_on`, that every due timer fired and was counted, and that every
/// task was woken, in deadline order. Returns the runtime.
fn fire_behind_panicking_wakers(rounds: usize, tasks: usize) -> Runtime {
    let rt = paused();
    let log = Log::new();
    let handles = RefCell::new(Vec::new());
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let deadline = now() + Duration::from_millis(10);
            let waker = common::panicking_waker();
            let mut bad = Vec::new();
            for round in 0..rounds {
                let mut nap = Box::pin(sleep_until(deadline));
                assert!(
                    nap.as_mut()
                        .poll(&mut Context::from_waker(&waker))
                        .is_pending()
                );
                bad.push(nap);
                for i in 0..tasks {
                    let log = log.clone();
                    handles.borrow_mut().push(spawn(async move {
                        sleep_until(deadline).await;
                        log.push(format!("task {}", round * tasks + i));
                    }));
                }
                // Every task of the round makes its sleep now.
                yield_now().await;
            }
            std::future::pending::<()>().await
        })
    }));
    let payload = result.expect_err("the first waker's panic leaves `block_on`");
    assert_eq!(panic_message(&*payload), "this waker panics");
    let timers = (rounds * (tasks + 1)) as u64;
    assert_eq!(
        rt.stats().timers_fired,
        timers,
        "every due timer fired, counted"
    );
    assert_eq!(rt.stats().timers_live(), 0);
    // The tasks behind were woken: they finish with no timer left.
    let handles = handles.take();
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    let expected: Vec<String> = (0..rounds * tasks).map(|i| format!("task {i}")).collect();
    assert_eq!(log.take(), expected);
    rt
}

#[test]
fn a_panicking_waker_on_a_timer_does_not_strand_the_timers_behind_it() {
    let rt = fire_behind_panicking_wakers(1, 3);
    // The runtime can be used again, timers included.
    let took = rt.block_on(async {
        let start = now();
        sleep(MS * 5).await;
        now() - start
    });
    assert_eq!(took, MS * 5);
    assert_eq!(rt.stats().timers_fired, 5);
}

/// The driver wakes a big batch of due timers a chunk at a time, reading
/// each chunk's tasks first (`util/warm.rs`): a panic in a later chunk
/// strands nobody either, and the order stays the deadline order.
#[test]
fn a_big_batch_of_due_timers_with_panicking_wakers_wakes_everyone_in_order() {
    fire_behind_panicking_wakers(2, 100);
}

#[test]
fn the_virtual_clock_is_deterministic() {
    let run_once = || {
        let log = Log::new();
        paused().block_on({
            let log = log.clone();
            async move {
                let start = now();
                let handles: Vec<_> = (0..50u64)
                    .map(|i| {
                        let log = log.clone();
                        spawn(async move {
                            sleep(Duration::from_millis((i * 37) % 101)).await;
                            // The time since the start, to the nanosecond.
                            log.push(format!("{i}@{:?}", now() - start));
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            }
        });
        log.take()
    };
    let first = run_once();
    assert_eq!(first.len(), 50);
    assert_eq!(first, run_once(), "the same order and the same times");
}

#[test]
fn the_virtual_clock_starts_at_the_real_time() {
    let before = Instant::now();
    let t = paused().block_on(async { now() });
    assert!(t >= before && t <= Instant::now());
}

#[test]
#[should_panic(
    expected = "looplet deadlock: no task can run, no timer is armed, and the clock is paused"
)]
fn paused_deadlock_panics_instead_of_hanging() {
    paused().block_on(std::future::pending::<()>());
}

#[test]
fn misuse_outside_a_runtime_names_the_api() {
    for (api, f) in [
        (
            "now",
            Box::new(|| {
                let _ = now();
            }) as Box<dyn Fn()>,
        ),
        (
            "stats",
            Box::new(|| {
                let _ = stats();
            }),
        ),
    ] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
        let message = panic_message(&*err);
        assert_eq!(
            message,
            format!(
                "`looplet::{api}` called outside a runtime; call it from inside `looplet::run` or `Runtime::block_on`"
            )
        );
    }
}

#[test]
fn sleeps_and_timeouts_can_be_made_outside_a_runtime() {
    // Made outside: nothing to read yet, and no panic.
    drop(sleep(MS));
    drop(sleep_until(Instant::now()));
    drop(timeout(MS, async {}));
    drop(timeout_at(Instant::now(), async {}));
}

#[test]
fn run_of_a_sleep_works_as_asyncio_run_of_asyncio_sleep() {
    let wall = Instant::now();
    looplet::run(sleep(MS));
    assert!(wall.elapsed() >= MS);
}

#[test]
fn a_sleep_made_outside_takes_its_deadline_at_its_first_poll() {
    let nap = sleep(Duration::from_secs(3600));
    let rt = paused();
    rt.block_on(async {
        // Ten virtual seconds pass before the nap is first polled: they do
        // not count towards it.
        sleep(Duration::from_secs(10)).await;
        let first_poll = now();
        nap.await;
        assert_eq!(now() - first_poll, Duration::from_secs(3600));
    });
}

#[test]
fn a_sleep_made_outside_is_ordered_by_its_first_poll_among_equal_deadlines() {
    let rt = paused();
    let log = Log::new();
    let outside = sleep(Duration::ZERO);
    rt.block_on({
        let log = log.clone();
        async move {
            let inside = log_after(&log, "inside", sleep(Duration::ZERO));
            let outside = log_after(&log, "outside", outside);
            inside.await.unwrap();
            outside.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["inside", "outside"]);
}

#[test]
fn a_sleep_until_made_outside_reads_the_instant_on_the_polling_runtime() {
    let deadline = Instant::now() + Duration::from_secs(2);
    let nap = sleep_until(deadline);
    paused().block_on(async {
        nap.await;
        assert_eq!(now(), deadline);
    });
}

#[test]
fn a_timeout_made_outside_starts_at_its_first_poll() {
    let limited = timeout(Duration::from_secs(5), std::future::pending::<()>());
    let at = timeout_at(
        Instant::now() + Duration::from_secs(60),
        std::future::pending::<()>(),
    );
    let rt = paused();
    let (started, result) = rt.block_on(async {
        let started = now();
        (started, limited.await)
    });
    assert!(result.is_err());
    assert_eq!(
        rt.block_on(async { now() }) - started,
        Duration::from_secs(5)
    );
    assert!(rt.block_on(at).is_err());
    assert!(looplet::run(timeout(MS, std::future::pending::<()>())).is_err());
}

#[test]
fn a_timeout_made_outside_whose_future_is_ready_needs_no_runtime_clock() {
    assert_eq!(looplet::run(timeout(Duration::ZERO, async { 3 })), Ok(3));
}

#[test]
#[should_panic(
    expected = "a `looplet::sleep` (or timeout) was polled outside a runtime: it has no clock to run on; await it inside `looplet::run` or `Runtime::block_on`"
)]
fn a_sleep_polled_outside_any_runtime_panics_naming_the_fix() {
    futures::executor::block_on(sleep(MS));
}

#[test]
fn a_sleep_made_inside_keeps_its_creation_time_deadline() {
    paused().block_on(async {
        let t0 = now();
        let nap = sleep(Duration::from_secs(1));
        sleep(Duration::from_millis(400)).await;
        nap.await;
        assert_eq!(now() - t0, Duration::from_secs(1));
    });
}

/// A sleep armed on a runtime that is then dropped.
// Returns the sleep out of `block_on` on purpose.
#[allow(clippy::async_yields_async)]
fn orphaned_sleep() -> Pin<Box<looplet::Sleep>> {
    let rt = paused();
    let s = rt.block_on(async {
        let mut s = Box::pin(sleep(Duration::from_secs(5)));
        assert!(common::poll_once(&mut s.as_mut()).await.is_pending());
        s
    });
    drop(rt);
    s
}

#[test]
fn dropping_a_sleep_that_outlived_its_runtime_is_harmless() {
    drop(orphaned_sleep());
}

#[test]
#[should_panic(expected = "polled after its runtime was dropped")]
fn polling_a_sleep_that_outlived_its_runtime_panics_instead_of_completing_early() {
    let mut s = orphaned_sleep();
    let waker = futures::task::noop_waker();
    let _ = s.as_mut().poll(&mut Context::from_waker(&waker));
}

#[test]
#[should_panic(expected = "polled after its runtime was dropped, before its deadline")]
// Returns the sleep out of `block_on` on purpose.
#[allow(clippy::async_yields_async)]
fn an_unpolled_sleep_still_ahead_panics_after_its_runtime_is_gone() {
    let rt = paused();
    let mut s = rt.block_on(async { sleep(Duration::from_secs(5)) });
    drop(rt);
    let waker = futures::task::noop_waker();
    let _ = Pin::new(&mut s).poll(&mut Context::from_waker(&waker));
}

#[test]
// Returns sleeps out of `block_on` on purpose.
#[allow(clippy::async_yields_async)]
fn a_sleep_past_its_deadline_completes_even_after_its_runtime_is_gone() {
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);

    // Never polled, on the virtual clock, which keeps its last reading.
    let rt = paused();
    let (mut zero, mut past, mut limited) = rt.block_on(async {
        (
            sleep(Duration::ZERO),
            sleep_until(now() - Duration::from_secs(1)),
            timeout(Duration::ZERO, std::future::pending::<()>()),
        )
    });
    drop(rt);
    assert_eq!(Pin::new(&mut zero).poll(&mut cx), Poll::Ready(()));
    assert_eq!(Pin::new(&mut past).poll(&mut cx), Poll::Ready(()));
    assert!(matches!(
        Pin::new(&mut limited).poll(&mut cx),
        Poll::Ready(Err(_))
    ));

    // Armed, on the real clock, with its deadline passed but no turn of
    // the loop after it to fire the timer.
    let rt = Builder::new().build();
    let mut armed = rt.block_on(async {
        let mut s = sleep(MS);
        assert!(common::poll_once(&mut s).await.is_pending());
        std::thread::sleep(MS * 2);
        s
    });
    drop(rt);
    assert_eq!(Pin::new(&mut armed).poll(&mut cx), Poll::Ready(()));
}

#[test]
fn real_clock_sleeps_are_never_early() {
    looplet::run(async {
        for ms in [1u64, 2, 5, 20] {
            let d = Duration::from_millis(ms);
            let start = Instant::now();
            sleep(d).await;
            let took = start.elapsed();
            assert!(took >= d, "sleep({d:?}) took only {took:?}");
            assert!(
                took < d + Duration::from_secs(2),
                "sleep({d:?}) took {took:?}"
            );
        }
        // Several at once, from one task each.
        let start = Instant::now();
        let handles: Vec<_> = (1..=20u64)
            .map(|ms| spawn(async move { sleep(Duration::from_millis(ms)).await }))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        assert!(start.elapsed() >= Duration::from_millis(20));
    });
}

#[test]
fn real_clock_timeout_elapses_not_early() {
    looplet::run(async {
        let start = Instant::now();
        let r = timeout(Duration::from_millis(30), std::future::pending::<()>()).await;
        assert!(r.is_err());
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert!(start.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn now_on_the_real_clock_moves() {
    looplet::run(async {
        let a = now();
        sleep(Duration::from_millis(2)).await;
        assert!(now() - a >= Duration::from_millis(2));
    });
}

#[test]
fn a_past_deadline_fires_at_the_first_suspension_on_the_real_clock() {
    // Time passes without a turn of the loop (a blocking call in main), so
    // the runtime's latest clock reading is stale: "past" must be judged
    // on the clock as it is now.
    looplet::run(async {
        let start = looplet::now();
        std::thread::sleep(Duration::from_millis(20));
        let past = looplet::now() - Duration::from_millis(5);
        assert!(past > start);
        let result = looplet::timeout_at(past, looplet::yield_now()).await;
        assert!(result.is_err(), "the past deadline fired first");

        let made_early = looplet::timeout(Duration::from_millis(5), looplet::yield_now());
        std::thread::sleep(Duration::from_millis(20));
        assert!(made_early.await.is_err(), "its deadline had passed");
    });
}

#[test]
// Returns the sleep out of `block_on` on purpose.
#[allow(clippy::async_yields_async)]
fn a_sleep_awaited_inside_another_runtime_panics_instead_of_hanging() {
    for paused_clock in [false, true] {
        let a = Builder::new().start_paused(paused_clock).build();
        let nap = a.block_on(async { looplet::sleep(Duration::from_millis(10)) });
        let b = Builder::new().start_paused(paused_clock).build();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| b.block_on(nap)));
        let message = panic_message(&*caught.unwrap_err());
        assert!(
            message.contains("was awaited inside another runtime's `block_on`"),
            "{message}"
        );
        // In its own runtime it is fine.
        a.block_on(async { looplet::sleep(Duration::from_millis(10)).await });
    }
}

#[test]
fn a_waker_clone_that_arms_a_timer_finds_the_wheel_unborrowed() {
    paused().block_on(async {
        let mut nap = Box::pin(looplet::sleep(Duration::from_secs(1)));
        assert!(common::poll_once(&mut nap.as_mut()).await.is_pending());
        // Re-polled with a waker whose clone arms (then drops) another
        // sleep: the wheel must not be borrowed by then.
        let waker = common::clone_hook::waker(|| {
            let mut other = Box::pin(looplet::sleep(Duration::from_secs(5)));
            let _ = other.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        assert!(
            nap.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        nap.await;
    });
}

#[test]
fn a_waker_clone_that_panics_while_arming_counts_no_timer() {
    let rt = paused();
    rt.block_on(async {
        let waker = common::clone_hook::waker(|| panic!("this clone panics"));
        let mut nap = Box::pin(looplet::sleep(Duration::from_secs(1)));
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let _ = nap.as_mut().poll(&mut Context::from_waker(&waker));
        }));
        assert!(caught.is_err());
    });
    let stats = rt.stats();
    assert_eq!((stats.timers_armed, stats.timers_live()), (0, 0));
}

#[test]
fn a_paused_deadlock_counts_no_park() {
    let rt = paused();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(std::future::pending::<()>())
    }));
    assert!(panic_message(&*caught.unwrap_err()).starts_with("looplet deadlock"));
    assert_eq!(rt.stats().parks, 0);
}

#[test]
fn a_sleeps_deadline_is_fixed_when_sleep_is_called_not_when_first_polled() {
    paused().block_on(async {
        let start = now();
        let nap = sleep(Duration::from_millis(10));
        sleep(Duration::from_millis(4)).await; // the clock moves first
        nap.await;
        assert_eq!(now() - start, Duration::from_millis(10));
    });
}

#[test]
fn an_elapsed_timeout_on_a_handle_leaves_the_task_running() {
    // asyncio's `wait_for` would cancel the task; dropping a handle
    // detaches it (`cancel_on_drop` gives asyncio's behaviour).
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let task = log_after(&log, "the task finished", sleep(Duration::from_millis(20)));
            assert!(timeout(Duration::from_millis(5), task).await.is_err());
            log.push("timed out");
            sleep(Duration::from_millis(30)).await;
        }
    });
    assert_eq!(log.take(), ["timed out", "the task finished"]);
}

/// Deadlines 25 µs apart over 10 ms: waking for each would be hundreds of
/// parks (the kernel's timer slack merges a few); the loop wakes at most
/// about twice per millisecond and fires a batch each time
/// (`timer/idle.rs`, `COALESCE_NANOS`). A generous bound on the real clock.
#[test]
fn timers_sharing_a_millisecond_are_fired_in_batches_on_the_real_clock() {
    let rt = looplet::Builder::new().build();
    rt.block_on(async {
        let first = Instant::now() + Duration::from_millis(5);
        let sleeps: Vec<_> = (0..400)
            .map(|i| looplet::spawn(looplet::sleep_until(first + Duration::from_micros(25 * i))))
            .collect();
        let before = looplet::stats().parks;
        for sleep in sleeps {
            sleep.await.unwrap();
        }
        let parks = looplet::stats().parks - before;
        // Measured: 12 to 20 parks; 81 with no coalescing.
        assert!(parks <= 40, "{parks} parks for 400 deadlines over 10 ms");
        assert!(Instant::now() >= first + Duration::from_micros(25 * 399));
    });
}
