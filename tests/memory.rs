//! Memory that must stay flat: a wheel under steady arm and cancel, a loop
//! of timeouts that finish in time, and a storm of wakes from other
//! threads. Measured through the public API, with a global allocator that
//! counts the bytes alive (the one piece of `unsafe` here: `GlobalAlloc`
//! cannot be implemented without it; looplet itself has none).
//!
//! Every test holds `SERIAL`, so no other test of this binary allocates
//! while one measures.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::Probe;
use looplet::time::wheel::Wheel;
use looplet::{Builder, run, sleep, spawn, timeout, yield_now};

/// Bytes allocated and not yet freed, by anyone in the process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting into `LIVE`.
struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; the counter is
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measuring test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// What a measurement may grow by without meaning anything: the test
/// harness's own thread allocates now and then (a finished test's output,
/// say), and it is not serialized. Every failure these tests catch is
/// well above it: about 1 MB, 25 MB, or 196 KB.
const NOISE: isize = 64 * 1024;

/// Bytes alive now.
fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// A live timer on top of the due heap with an earlier deadline than the
/// ones armed and cancelled below it: their stale items used to stay until
/// it fired, 32 bytes per cancel.
#[test]
fn steady_arm_and_cancel_under_a_live_due_timer_keeps_memory_flat() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut wheel = Wheel::with_tick(1000);
    wheel.poll(1000); // tick 1 reached: deadlines in it go to the due heap
    let first = wheel.insert(1100, 0_u32);
    let round = |wheel: &mut Wheel<u32>| {
        let key = wheel.insert(1500, 1);
        assert_eq!(wheel.cancel(key), Some(1));
        assert!(wheel.poll(1050).is_none(), "nothing is due at 1050");
    };
    for _ in 0..1000 {
        round(&mut wheel);
    }
    let before = live();
    for _ in 0..20_000 {
        round(&mut wheel);
    }
    let grown = live() - before;
    assert!(grown < NOISE, "20,000 arm/cancel rounds kept {grown} bytes");
    assert!(wheel.contains(first));
    assert_eq!(wheel.poll(1100).map(|fired| fired.value), Some(0));
    assert!(wheel.is_empty());
}

/// A loop of `timeout`s whose future finishes in time, while a sleeper's
/// timer waits in the due heap with an earlier deadline (the paused clock
/// never jumps, since the loop is always ready).
#[test]
fn a_loop_of_timeouts_that_finish_in_time_keeps_memory_flat() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = Builder::new().start_paused(true).build();
    let grown = rt.block_on(async {
        let sleeper = spawn(sleep(Duration::from_micros(100)));
        yield_now().await; // the sleeper arms its timer
        let round = || timeout(Duration::from_micros(500), yield_now());
        for _ in 0..1000 {
            round().await.expect("finishes in time");
        }
        let before = live();
        for _ in 0..20_000 {
            round().await.expect("finishes in time");
        }
        let grown = live() - before;
        sleeper.await.unwrap();
        grown
    });
    assert!(grown < NOISE, "20,000 timeouts kept {grown} bytes");
}

/// Runs `f` on a fresh thread and fails the test if it takes longer than
/// `limit`: the storms below must end in bounded time, not merely end.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the runner sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("took longer than {limit:?}: the storm of wakes swamped the runtime")
        }
    }
}

/// A million wakes of one idle task from another thread while the
/// executor is inside one poll: the task is posted once, not a million
/// times (that held 24 MB), and polled once for all of them.
#[test]
fn a_million_remote_wakes_during_one_poll_post_the_task_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (grown, polls) = within(Duration::from_secs(60), || {
        let rt = Builder::new().build();
        rt.block_on(async {
            let probe = Probe::new();
            let task = spawn(probe.future());
            yield_now().await; // the task ran once and is idle
            let waker = probe.waker.borrow().clone().expect("the task was polled");
            let before = live();
            // Main's poll blocks here until the storm is over.
            thread::spawn(move || {
                for _ in 0..1_000_000 {
                    waker.wake_by_ref();
                }
            })
            .join()
            .unwrap();
            let grown = live() - before;
            // The inbox is drained after this turn, behind main: the task
            // is polled in the next one.
            yield_now().await;
            yield_now().await;
            let polls = probe.polls();
            probe.ready.set(true);
            probe.wake();
            task.await.unwrap();
            (grown, polls)
        })
    });
    assert!(grown < NOISE, "a million wakes kept {grown} bytes");
    assert_eq!(polls, 2, "one poll before the storm, one for all of it");
}

/// Sets the flag when dropped, so the waking threads stop even if the
/// test fails.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Six threads wake sixteen tasks in a loop while main yields fifty
/// times: each turn drains at most sixteen posts, so the turns stay short
/// and memory flat (this made turns last seconds and memory reach 1 GB).
#[test]
fn six_threads_waking_sixteen_tasks_cannot_swamp_the_runtime() {
    const THREADS: usize = 6;
    const TASKS: usize = 16;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const LIMIT: Duration = Duration::from_secs(60);
    let (peak, polls) = within(LIMIT, || {
        run(async {
            // If the test fails in `within`, this future is never dropped
            // and `stop` never set: the threads also give up at the limit,
            // so they cannot slow the tests after this one for good.
            let give_up = Instant::now() + LIMIT;
            let (wakers, polls, tasks) = parked_tasks(TASKS);
            yield_now().await; // every task registered its waker
            let wakers: Arc<Vec<Waker>> = Arc::new(wakers.borrow().clone());
            let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
            // Sweeps over all sixteen wakers, by all threads.
            let sweeps = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (wakers, stop) = (wakers.clone(), stop.0.clone());
                    let sweeps = sweeps.clone();
                    thread::spawn(move || {
                        let mut sweep = 0u32;
                        while !stop.load(Ordering::Acquire) {
                            for waker in wakers.iter() {
                                waker.wake_by_ref();
                            }
                            sweeps.fetch_add(1, Ordering::Relaxed);
                            sweep = sweep.wrapping_add(1);
                            if sweep % 1024 == 0 && Instant::now() > give_up {
                                break;
                            }
                        }
                    })
                })
                .collect();
            let before = live();
            let mut peak = 0;
            for _ in 0..50 {
                // Every turn sees a storm: 50 sweeps (800 wakes) at least
                // land while main's poll holds the thread.
                let target = sweeps.load(Ordering::Relaxed) + 50;
                while sweeps.load(Ordering::Relaxed) < target {
                    assert!(Instant::now() < give_up, "the waking threads stalled");
                    thread::yield_now();
                }
                yield_now().await;
                peak = peak.max(live() - before);
                assert!(peak < 1 << 20, "the storm holds {peak} bytes");
            }
            drop(stop);
            for thread in threads {
                thread.join().unwrap();
            }
            for task in tasks {
                task.cancel();
            }
            let stats = looplet::stats();
            // Each drain of the inbox (one per turn, plus one when the
            // storm stopped) finds each task at most once.
            assert!(
                stats.wakes_remote <= TASKS as u64 * (stats.turns + 1),
                "{} wakes came through the inbox in {} turns",
                stats.wakes_remote,
                stats.turns
            );
            (peak, polls.get())
        })
    });
    assert!(peak < NOISE, "the storm held up to {peak} bytes");
    assert!(
        polls <= TASKS * 52,
        "{polls} polls: a task ran twice in a turn"
    );
}

/// Eight thousand tasks woken from another thread during one poll are
/// 8,000 posts (one each); once drained, their buffer is let go instead of
/// being kept at its peak for the life of the runtime.
#[test]
fn a_drained_inbox_does_not_keep_its_peak_capacity() {
    const TASKS: usize = 8000;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = Builder::new().build();
    let (grown, polls) = rt.block_on(async {
        let (wakers, polls, tasks) = parked_tasks(TASKS);
        yield_now().await; // every task registered its waker
        let wakers: Arc<Vec<Waker>> = Arc::new(wakers.borrow_mut().drain(..).collect());
        let before = live();
        let remote = wakers.clone();
        thread::spawn(move || {
            for waker in remote.iter() {
                waker.wake_by_ref();
            }
        })
        .join()
        .unwrap();
        yield_now().await; // drained after this turn
        yield_now().await; // the tasks were polled in this one
        let grown = live() - before;
        for task in tasks {
            task.cancel();
        }
        (grown, polls.get())
    });
    assert_eq!(polls, 2 * TASKS);
    assert!(grown < NOISE, "the drained inbox kept {grown} bytes");
}

/// Spawns `n` tasks that never finish: each hands its waker over on its
/// first poll and counts every poll. Returns the wakers (filled once the
/// tasks have run), the poll count and the handles.
#[allow(clippy::type_complexity)]
fn parked_tasks(
    n: usize,
) -> (
    Rc<RefCell<Vec<Waker>>>,
    Rc<std::cell::Cell<usize>>,
    Vec<looplet::JoinHandle<()>>,
) {
    let wakers: Rc<RefCell<Vec<Waker>>> = Rc::default();
    let polls = Rc::new(std::cell::Cell::new(0_usize));
    let tasks = (0..n)
        .map(|_| {
            let (wakers, polls) = (wakers.clone(), polls.clone());
            let mut registered = false;
            spawn(std::future::poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                if !registered {
                    registered = true;
                    wakers.borrow_mut().push(cx.waker().clone());
                }
                Poll::<()>::Pending
            }))
        })
        .collect();
    (wakers, polls, tasks)
}
