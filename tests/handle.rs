//! `Handle` and `RemoteJoinHandle`: spawning onto a runtime from other
//! threads, asyncio's `run_coroutine_threadsafe` (cases after CPython's
//! `RunCoroutineThreadsafeTests` in `Lib/test/test_asyncio/test_tasks.py`),
//! no spawn lost or run twice, shutdown races, misuse, and the paused
//! clock's grace period for wakes from foreign threads.

mod common;

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use common::{panic_message, traced};
use looplet::{Builder, Handle, RemoteJoinHandle, Runtime};

fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
fn assert_send<T: Send>() {}

#[test]
fn handle_is_send_sync_clone_and_the_join_handle_is_send() {
    assert_send_sync_clone::<Handle>();
    assert_send::<RemoteJoinHandle<u8>>();
}

/// Runs `rt` until `done` says stop, yielding on the real clock.
fn run_until(rt: &Runtime, done: impl Fn() -> bool) {
    rt.block_on(async {
        while !done() {
            looplet::sleep(Duration::from_millis(1)).await;
        }
    });
}

#[test]
fn a_remote_spawn_gives_its_result() {
    // CPython: test_run_coroutine_threadsafe.
    let rt = Builder::new().build();
    let handle = rt.handle();
    let sender = thread::spawn(move || handle.spawn(|| async { 6 * 7 }).join());
    run_until(&rt, || sender.is_finished());
    assert_eq!(sender.join().unwrap().unwrap(), 42);
}

#[test]
fn a_panic_in_the_remote_task_is_the_error() {
    // CPython: test_run_coroutine_threadsafe_with_exception.
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async {
        looplet::yield_now().await;
        panic!("in the remote task")
    });
    let err = rt.block_on(remote).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), "in the remote task");
    // The runtime saw the task panic too.
    assert_eq!(rt.stats().tasks_panicked, 1);
}

#[test]
fn a_panic_in_make_is_the_error() {
    let rt = Builder::new().build();
    let remote = rt
        .handle()
        .spawn(|| -> std::future::Ready<u8> { panic!("in make") });
    let err = rt.block_on(remote).unwrap_err();
    assert_eq!(panic_message(&*err.into_panic()), "in make");
}

#[test]
fn cancel_from_another_thread_drops_the_task() {
    // CPython: test_run_coroutine_threadsafe_task_cancelled.
    let rt = Builder::new().start_paused(true).build();
    let dropped = Arc::new(AtomicBool::new(false));
    let remote = rt.handle().spawn({
        let dropped = dropped.clone();
        move || {
            let guard = SetOnDrop(dropped);
            async move {
                let _guard = guard;
                looplet::sleep(Duration::from_secs(3600)).await;
            }
        }
    });
    let (tx, rx) = mpsc::channel();
    let err = rt.block_on(async move {
        // Let the task start and sleep, then cancel it from a thread.
        looplet::yield_now().await;
        let canceller = thread::spawn(move || {
            let cancelled = remote.cancel();
            tx.send(cancelled).unwrap();
            remote
        });
        let remote = looplet::to_thread(move || canceller.join().unwrap())
            .await
            .unwrap();
        remote.await.unwrap_err()
    });
    assert!(rx.recv().unwrap(), "cancel of a running task returns true");
    assert!(err.is_cancelled());
    assert!(dropped.load(Ordering::SeqCst), "the future was dropped");
    // Cancelled by the runtime, as its `JoinHandle::cancel` would.
    assert_eq!(rt.stats().tasks_cancelled, 1);
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn cancel_before_the_spawn_arrives_never_runs_make() {
    let rt = Builder::new().build();
    let ran = Arc::new(AtomicBool::new(false));
    let remote = rt.handle().spawn({
        let ran = ran.clone();
        move || {
            ran.store(true, Ordering::SeqCst);
            async {}
        }
    });
    assert!(remote.cancel());
    assert!(rt.block_on(remote).unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
fn cancel_after_the_task_ended_returns_false_and_keeps_the_output() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async { 1 });
    rt.block_on(looplet::yield_now());
    assert!(remote.is_finished());
    assert!(!remote.cancel());
    assert_eq!(rt.block_on(remote).unwrap(), 1);
}

#[test]
fn the_future_is_built_and_run_on_the_runtime_thread() {
    let rt = Builder::new().build();
    let here = thread::current().id();
    let handle = rt.handle();
    let remote = thread::spawn(move || {
        handle.spawn(|| {
            let built = thread::current().id();
            // A `!Send` future: it holds an `Rc` across an await.
            let local = Rc::new(Cell::new(0));
            async move {
                local.set(1);
                looplet::yield_now().await;
                (built, thread::current().id(), local.get())
            }
        })
    })
    .join()
    .unwrap();
    let (built, ran, value) = rt.block_on(remote).unwrap();
    assert_eq!((built, ran, value), (here, here, 1));
}

#[test]
fn a_remote_join_handle_is_awaitable_under_another_executor() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async { "hello" });
    let waiter = thread::spawn(move || futures::executor::block_on(remote));
    run_until(&rt, || waiter.is_finished());
    assert_eq!(waiter.join().unwrap().unwrap(), "hello");
}

#[test]
fn looplet_handle_inside_a_runtime_spawns_onto_it() {
    let total = looplet::run(async {
        let handle = looplet::handle();
        let senders: Vec<_> = (0..4)
            .map(|i| {
                let handle = handle.clone();
                thread::spawn(move || handle.spawn(move || async move { i * 10 }))
            })
            .collect();
        let mut total = 0;
        for sender in senders {
            let remote = looplet::to_thread(move || sender.join().unwrap())
                .await
                .unwrap();
            total += remote.await.unwrap();
        }
        total
    });
    assert_eq!(total, 60);
}

#[test]
#[should_panic(expected = "`looplet::handle` called outside a runtime")]
fn looplet_handle_outside_a_runtime_panics() {
    let _ = looplet::handle();
}

#[test]
#[should_panic(expected = "`RemoteJoinHandle::join` called on the runtime's own thread")]
fn join_on_the_runtime_thread_panics_instead_of_deadlocking() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async {});
    let _ = remote.join();
}

#[test]
fn join_inside_the_runtime_panics_too() {
    let message = looplet::run(async {
        let remote = looplet::handle().spawn(|| async {});
        looplet::spawn(async move { remote.join() })
            .await
            .unwrap_err()
    });
    assert!(
        panic_message(&*message.into_panic()).contains("runtime's own thread"),
        "the panic names the misuse"
    );
}

#[test]
fn a_handle_whose_runtime_is_gone_reports_cancelled() {
    let rt = Builder::new().build();
    let handle = rt.handle();
    drop(rt);
    let ran = Arc::new(AtomicBool::new(false));
    let remote = handle.spawn({
        let ran = ran.clone();
        move || {
            ran.store(true, Ordering::SeqCst);
            async {}
        }
    });
    assert!(remote.is_finished());
    assert!(remote.join().unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst), "make is dropped unrun");
}

#[test]
fn a_spawn_still_in_the_inbox_at_shutdown_reports_cancelled() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async {});
    drop(rt);
    assert!(remote.join().unwrap_err().is_cancelled());
}

#[test]
fn a_remote_task_alive_at_shutdown_reports_cancelled() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(std::future::pending::<()>);
    rt.block_on(looplet::yield_now());
    assert!(!remote.is_finished());
    drop(rt);
    assert!(remote.join().unwrap_err().is_cancelled());
}

#[test]
fn a_dropped_remote_join_handle_detaches_the_task() {
    let rt = Builder::new().build();
    let ran = Arc::new(AtomicBool::new(false));
    drop(rt.handle().spawn({
        let ran = ran.clone();
        move || async move {
            looplet::yield_now().await;
            ran.store(true, Ordering::SeqCst);
        }
    }));
    rt.block_on(async {
        looplet::sleep(Duration::from_millis(2)).await;
    });
    assert!(ran.load(Ordering::SeqCst));
}

#[test]
fn eight_threads_times_ten_thousand_spawns_all_complete_once() {
    const THREADS: usize = 8;
    const EACH: usize = 10_000;
    let rt = Builder::new().build();
    // Counted on the runtime's thread: each task bumps it once.
    let runs = Rc::new(Cell::new(0usize));
    thread_local! {
        static RUNS: Cell<usize> = const { Cell::new(0) };
    }
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let handle = rt.handle();
            thread::spawn(move || {
                let remotes: Vec<_> = (0..EACH)
                    .map(|i| {
                        let n = t * EACH + i;
                        handle.spawn(move || async move {
                            RUNS.with(|runs| runs.set(runs.get() + 1));
                            n * 2
                        })
                    })
                    .collect();
                remotes
                    .into_iter()
                    .map(|remote| remote.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    run_until(&rt, || senders.iter().all(|s| s.is_finished()));
    let mut seen = HashSet::new();
    for (t, sender) in senders.into_iter().enumerate() {
        let results = sender.join().unwrap();
        let expected: Vec<_> = (0..EACH).map(|i| (t * EACH + i) * 2).collect();
        assert_eq!(results, expected, "thread {t}'s results, in order");
        seen.extend(results);
    }
    assert_eq!(seen.len(), THREADS * EACH, "nothing lost");
    runs.set(RUNS.with(Cell::get));
    assert_eq!(runs.get(), THREADS * EACH, "nothing run twice");
    assert_eq!(rt.stats().tasks_spawned, (THREADS * EACH) as u64);
}

#[test]
fn spawns_racing_shutdown_each_run_or_report_cancelled() {
    for round in 0..20 {
        let rt = Builder::new().build();
        let handle = rt.handle();
        let ran = Arc::new(AtomicUsize::new(0));
        let go = Arc::new(AtomicBool::new(false));
        let sender = thread::spawn({
            let ran = ran.clone();
            let go = go.clone();
            move || {
                while !go.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                (0..2_000)
                    .map(|_| {
                        let ran = ran.clone();
                        handle.spawn(move || async move {
                            ran.fetch_add(1, Ordering::SeqCst);
                        })
                    })
                    .collect::<Vec<_>>()
            }
        });
        go.store(true, Ordering::Release);
        rt.block_on(async {
            for _ in 0..round % 5 {
                looplet::yield_now().await;
            }
        });
        drop(rt);
        let remotes = sender.join().unwrap();
        let (mut ok, mut cancelled) = (0, 0);
        for remote in remotes {
            match remote.join() {
                Ok(()) => ok += 1,
                Err(err) if err.is_cancelled() => cancelled += 1,
                Err(err) => panic!("unexpected {err}"),
            }
        }
        assert_eq!(ok + cancelled, 2_000, "round {round}: every spawn answered");
        assert_eq!(
            ok,
            ran.load(Ordering::SeqCst),
            "round {round}: ok means it ran"
        );
    }
}

#[test]
fn a_spawn_in_the_inbox_runs_before_the_paused_clock_jumps() {
    let rt = Builder::new().start_paused(true).build();
    let handle = rt.handle();
    let remote = thread::spawn(move || handle.spawn(|| async { looplet::now() }))
        .join()
        .unwrap();
    let start = rt.block_on(async { looplet::now() });
    let when = rt.block_on(async {
        looplet::sleep(Duration::from_secs(60)).await;
        remote.await.unwrap()
    });
    assert_eq!(when, start, "it ran before the clock moved");
}

#[test]
fn a_paused_runtime_waits_for_a_reply_from_a_plain_thread() {
    // The case: a task awaits a reply from a `std::thread` that
    // answers at once. Without the grace period the paused runtime called
    // this a deadlock in nearly every run. Fifty runs catch that for
    // certain; more would only widen the chance that a loaded machine
    // leaves the answering thread unscheduled past the grace.
    for _ in 0..50 {
        let rt = Builder::new().start_paused(true).build();
        let reply = rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel();
            let waiting = OneShot::new();
            let waker_slot = waiting.clone();
            thread::spawn(move || {
                tx.send(7).unwrap();
                waker_slot.fire();
            });
            waiting.await;
            rx.recv().unwrap()
        });
        assert_eq!(reply, 7);
    }
}

/// A minimal cross-thread signal: a plain thread fires it, a task awaits.
#[derive(Clone)]
struct OneShot(Arc<std::sync::Mutex<(bool, Option<std::task::Waker>)>>);

impl OneShot {
    fn new() -> Self {
        OneShot(Arc::new(std::sync::Mutex::new((false, None))))
    }

    fn fire(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl std::future::Future for OneShot {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.0 {
            return std::task::Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

#[test]
fn a_real_deadlock_is_still_reported_after_the_grace_period() {
    let started = std::time::Instant::now();
    let result = std::panic::catch_unwind(|| {
        Builder::new()
            .start_paused(true)
            .build()
            .block_on(std::future::pending::<()>())
    });
    let message = panic_message(&*result.unwrap_err());
    assert!(message.contains("looplet deadlock"), "{message}");
    assert!(message.contains("thread"), "names threads: {message}");
    assert!(message.contains("I/O"), "names I/O: {message}");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited the grace"
    );
}

#[test]
fn the_trace_says_where_a_remote_spawn_came_from() {
    let (rt, lines) = traced();
    let handle = rt.handle();
    let remote = thread::Builder::new()
        .name("sender".into())
        .spawn(move || handle.spawn(|| async { 1 }))
        .unwrap()
        .join()
        .unwrap();
    rt.block_on(remote).unwrap();
    let text = lines.text();
    assert!(
        text.contains("remote spawn from thread 'sender'"),
        "trace:\n{text}"
    );
}

#[test]
fn a_paused_runtime_waits_for_a_remote_spawn_on_another_runtime() {
    // Runtime B on a thread of its own, serving remote spawns.
    let (tx, rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let b = thread::spawn(move || {
        let rt = Builder::new().build();
        tx.send(rt.handle()).unwrap();
        rt.block_on(async {
            while stop_rx.try_recv().is_err() {
                looplet::sleep(Duration::from_millis(1)).await;
            }
        });
    });
    let on_b = rx.recv().unwrap();
    // Paused runtime A: the clock must not jump to the 5 s deadline (nor
    // report a deadlock) while B works on the real clock for 300 ms.
    let a = Builder::new().start_paused(true).build();
    let started = a.block_on(async { looplet::now() });
    let result = a.block_on(async move {
        let remote = on_b.spawn(|| async {
            thread::sleep(Duration::from_millis(300));
            1
        });
        looplet::timeout(Duration::from_secs(5), remote).await
    });
    assert_eq!(result.unwrap().unwrap(), 1);
    assert_eq!(a.block_on(async { looplet::now() }), started);
    stop_tx.send(()).unwrap();
    b.join().unwrap();
}

#[test]
fn a_remote_spawn_on_its_own_runtime_still_lets_the_paused_clock_jump() {
    let rt = Builder::new().start_paused(true).build();
    let handle = rt.handle();
    let waited = rt.block_on(async move {
        let start = looplet::now();
        handle
            .spawn(|| looplet::sleep(Duration::from_secs(60)))
            .await
            .unwrap();
        looplet::now() - start
    });
    assert_eq!(waited, Duration::from_secs(60));
}

#[test]
fn cancel_called_many_times_posts_one_request() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(std::future::pending::<()>);
    rt.block_on(looplet::yield_now());
    for _ in 0..100_000 {
        assert!(remote.cancel());
    }
    assert!(rt.block_on(remote).unwrap_err().is_cancelled());
    assert_eq!(rt.stats().tasks_cancelled, 1);
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic!("drop of a remote task's capture");
        }
    }
}

#[test]
fn a_panicking_destructor_in_a_remote_cancel_does_not_escape_or_strand_wakes() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| {
        let guard = PanicOnDrop;
        async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }
    });
    let signal = OneShot::new();
    let waiter = rt.spawn(signal.clone());
    rt.block_on(looplet::yield_now());
    // In one batch of the inbox: the cancel (whose destructor panics),
    // then a wake of another task.
    assert!(remote.cancel());
    thread::spawn(move || signal.fire()).join().unwrap();
    let quiet = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async {})));
    assert!(
        quiet.is_ok(),
        "the destructor's panic does not leave block_on"
    );
    rt.block_on(looplet::timeout(Duration::from_secs(5), waiter))
        .expect("the other task was woken")
        .unwrap();
    assert!(rt.block_on(remote).unwrap_err().is_cancelled());
}

#[test]
fn a_panicking_capture_dropped_at_shutdown_still_cancels_every_remote_spawn() {
    let rt = Builder::new().build();
    let handle = rt.handle();
    let guard = PanicOnDrop;
    let first = handle.spawn(move || {
        drop(guard);
        async {}
    });
    let second = handle.spawn(|| async {});
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
    assert!(
        dropped.is_err(),
        "the destructor's panic is raised from the drop"
    );
    assert!(first.join().unwrap_err().is_cancelled());
    assert!(second.join().unwrap_err().is_cancelled());
}

#[test]
fn the_error_of_a_spawn_that_never_started_names_no_task() {
    let rt = Builder::new().build();
    let remote = rt.handle().spawn(|| async {});
    drop(rt);
    let err = remote.join().unwrap_err();
    assert_eq!(
        err.to_string(),
        "a remote spawn that never started was cancelled"
    );
}
