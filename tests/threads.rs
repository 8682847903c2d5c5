//! `to_thread`: asyncio's `asyncio.to_thread` (cases after CPython's
//! `Lib/test/test_asyncio/test_threads.py`), the pool's bounds, shutdown,
//! and the paused clock waiting for a thread.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::panic_message;
use looplet::{Builder, to_thread};

#[test]
fn to_thread_gives_the_result() {
    // CPython: test_to_thread.
    let n = looplet::run(async { to_thread(|| 6 * 7).await.unwrap() });
    assert_eq!(n, 42);
}

#[test]
fn a_panic_in_the_closure_is_the_error() {
    // CPython: test_to_thread_exception.
    looplet::run(async {
        let err = to_thread(|| -> u8 { panic!("in the thread") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "in the thread");
    });
}

#[test]
fn the_closure_runs_on_another_thread() {
    // CPython: test_to_thread_contextvars' cousin: the thread id differs.
    let here = std::thread::current().id();
    let there = looplet::run(async { to_thread(|| std::thread::current().id()).await.unwrap() });
    assert_ne!(here, there);
}

#[test]
fn the_loop_keeps_running_while_a_thread_blocks() {
    // CPython: test_to_thread_concurrent. The closure blocks until a task
    // on the loop has ticked five times: it can only hear from the ticker
    // if the loop runs while the thread blocks (however the OS schedules
    // them; the timeout only keeps a broken loop from hanging the test).
    looplet::run(async {
        let (tick_five, from_ticker) = std::sync::mpsc::channel::<()>();
        let ticker = looplet::spawn(async move {
            for _ in 0..5 {
                looplet::sleep(Duration::from_millis(1)).await;
            }
            tick_five.send(()).unwrap();
        });
        let heard = to_thread(move || from_ticker.recv_timeout(Duration::from_secs(30)).is_ok())
            .await
            .unwrap();
        assert!(heard, "the loop did not run while the thread blocked");
        ticker.await.unwrap();
    });
}

#[test]
fn a_paused_clock_waits_for_the_thread() {
    // A 200 ms closure under a 5 s timeout on the virtual clock: the clock
    // must not jump to the timeout while the thread runs.
    let rt = Builder::new().start_paused(true).build();
    let result = rt.block_on(async {
        let job = to_thread(|| {
            std::thread::sleep(Duration::from_millis(200));
            "done"
        });
        looplet::timeout(Duration::from_secs(5), job).await
    });
    assert_eq!(result.unwrap().unwrap(), "done");
}

#[test]
fn max_threads_bounds_the_threads_and_queues_the_rest_in_order() {
    let rt = Builder::new().max_threads(2).build();
    let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let latch = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    rt.block_on(async {
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (running, peak, latch) = (running.clone(), peak.clone(), latch.clone());
                to_thread(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Wait until two jobs have run at once, so that the
                    // peak does not hang on how soon the second thread
                    // starts (the timeout only ends a test whose limit
                    // broke down to one thread).
                    let (two, reached) = &*latch;
                    let mut open = two.lock().unwrap();
                    *open |= now == 2;
                    reached.notify_all();
                    drop(
                        reached
                            .wait_timeout_while(open, Duration::from_secs(2), |open| !*open)
                            .unwrap(),
                    );
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        let handles: Vec<_> = jobs.into_iter().map(looplet::spawn).collect();
        for handle in handles {
            handle.await.unwrap().unwrap();
        }
    });
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    // One thread: strictly first come, first served.
    let rt = Builder::new().max_threads(1).build();
    let order = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let order = order.clone();
                looplet::spawn(to_thread(move || order.lock().unwrap().push(i)))
            })
            .collect();
        for handle in handles {
            handle.await.unwrap().unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn run_waits_for_a_running_closure_and_drops_the_queued_ones() {
    let started = Arc::new(AtomicBool::new(false));
    let (finished, started_late) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let start = Instant::now();
    // The running closure holds until the queued one is dropped (its
    // sender goes with it), so the queued one cannot start first however
    // late the loop's thread gets to the shutdown. Were it run instead of
    // dropped, the timeout lets the test fail rather than hang.
    let (gate_key, gate) = std::sync::mpsc::channel::<()>();
    Builder::new().max_threads(1).build().block_on({
        let (started, finished, started_late) =
            (started.clone(), finished.clone(), started_late.clone());
        async move {
            let running = looplet::spawn(to_thread({
                let started = started.clone();
                move || {
                    started.store(true, Ordering::SeqCst);
                    let _ = gate.recv_timeout(Duration::from_secs(10));
                    // Still running for a while after the shutdown began.
                    std::thread::sleep(Duration::from_millis(100));
                    finished.store(true, Ordering::SeqCst);
                }
            }));
            let queued = looplet::spawn(to_thread(move || {
                drop(gate_key);
                started_late.store(true, Ordering::SeqCst)
            }));
            while !started.load(Ordering::SeqCst) {
                looplet::sleep(Duration::from_millis(1)).await; // until a worker runs it
            }
            drop((running, queued)); // detached: the runtime's drop decides
        }
    });
    // The runtime was dropped at the end of the statement above.
    assert!(
        finished.load(Ordering::SeqCst),
        "the running closure was waited for"
    );
    assert!(
        !started_late.load(Ordering::SeqCst),
        "the queued one never started"
    );
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn a_cancelled_awaiter_leaves_the_closure_to_finish() {
    struct CountsDrops(Arc<AtomicUsize>);
    impl Drop for CountsDrops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let (started, ran) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let dropped = Arc::new(AtomicUsize::new(0));
    // The closure holds at a gate until the awaiter has given up, so the
    // order does not hang on how the OS schedules the two threads.
    let (open_gate, gate) = std::sync::mpsc::channel::<()>();
    looplet::run({
        let (started, ran, dropped) = (started.clone(), ran.clone(), dropped.clone());
        async move {
            let mut job = Box::pin(to_thread({
                let started = started.clone();
                move || {
                    started.store(true, Ordering::SeqCst);
                    gate.recv().expect("the test opens the gate");
                    // Still running when the loop runs out of tasks:
                    // `run` has to wait for it.
                    std::thread::sleep(Duration::from_millis(50));
                    ran.store(true, Ordering::SeqCst);
                    CountsDrops(dropped)
                }
            }));
            assert!(common::poll_once(&mut job.as_mut()).await.is_pending());
            while !started.load(Ordering::SeqCst) {
                looplet::sleep(Duration::from_millis(1)).await;
            }
            drop(job); // the awaiter gives up while the closure runs
            open_gate.send(()).unwrap();
        }
    });
    assert!(
        ran.load(Ordering::SeqCst),
        "run waited for the running closure"
    );
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the unwanted result was dropped"
    );
}

#[test]
fn a_to_thread_never_polled_never_runs() {
    let ran = Arc::new(AtomicBool::new(false));
    looplet::run({
        let ran = ran.clone();
        async move { drop(to_thread(move || ran.store(true, Ordering::SeqCst))) }
    });
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
// The queued job's future is carried out of `block_on` on purpose.
#[allow(clippy::async_yields_async)]
fn a_queued_closure_dropped_at_shutdown_reports_cancelled() {
    let rt = Builder::new().max_threads(1).build();
    let mut queued = rt.block_on(async {
        let started = Arc::new(AtomicBool::new(false));
        // The blocker holds the only worker until the queued closure is
        // dropped (its sender goes with it): the queued one cannot run
        // first, however the OS schedules the threads.
        let (gate_key, gate) = std::sync::mpsc::channel::<()>();
        let blocker = looplet::spawn(to_thread({
            let started = started.clone();
            move || {
                started.store(true, Ordering::SeqCst);
                let _ = gate.recv_timeout(Duration::from_secs(10));
            }
        }));
        while !started.load(Ordering::SeqCst) {
            looplet::sleep(Duration::from_millis(1)).await; // the only worker is busy
        }
        let mut queued = Box::pin(to_thread(move || {
            drop(gate_key);
            "never"
        }));
        assert!(common::poll_once(&mut queued.as_mut()).await.is_pending());
        drop(blocker);
        queued
    });
    drop(rt);
    let outcome = futures::executor::block_on(queued.as_mut());
    assert!(outcome.unwrap_err().is_cancelled());
}
