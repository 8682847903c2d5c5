//! Trace mode: the exact narration of small programs on the virtual clock.

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

mod common;

use common::{Lines, traced};

use looplet::{Builder, Event, Runtime, sleep, spawn, yield_now};

#[test]
fn the_narration_of_a_small_program_is_exact() {
    let (rt, lines) = traced();
    let answer = rt.block_on(async {
        let event = Event::new();
        let waiter = spawn({
            let event = event.clone();
            async move {
                event.wait().await;
                sleep(Duration::from_millis(70)).await;
                7
            }
        });
        yield_now().await;
        event.set();
        waiter.await.unwrap()
    });
    drop(rt);
    assert_eq!(answer, 7);
    let expected = [
        "   0.000000  looplet trace (virtual clock): seconds since the runtime was built; (n) is an edge of the task state diagram in docs/02-life-of-a-task.md",
        "   0.000000  block_on: the main future is task 1 (1)",
        "   0.000000  turn 1: 1 queued",
        "   0.000000  task 1 (main) poll (2)",
        "   0.000000      task 2 spawned (1)",
        "   0.000000      task 1 woken by itself while running: queued again after this poll (5)",
        "   0.000000  task 1 (main) pending, but woken while running: back of the queue (5)",
        "   0.000000  turn 2: 2 queued",
        "   0.000000  task 2 poll (2)",
        "   0.000000      event 1 wait: not set, waiting (1 waiting)",
        "   0.000000  task 2 pending (3)",
        "   0.000000  task 1 (main) poll (2)",
        "   0.000000      event 1 set: releases 1 waiter",
        "   0.000000      task 2 woken by task 1 (main): queued (4)",
        "   0.000000      waits for task 2 to finish",
        "   0.000000  task 1 (main) pending (3)",
        "   0.000000  turn 3: 1 queued",
        "   0.000000  task 2 poll (2)",
        "   0.000000      timer 0 armed for 0.070000 s (in 0.070000 s): wheel level 1 slot 1",
        "   0.000000  task 2 pending (3)",
        "   0.000000  idle: nothing ready; the virtual clock jumps to 0.064000 s (+0.064000 s)",
        "   0.064000  wheel: cascade at tick 64 ms: level 1 slot 1, 1 timer(s) moved down",
        "   0.064000  idle: nothing ready; the virtual clock jumps to 0.070000 s (+0.006000 s)",
        "   0.070000  wheel: tick 70 ms reached: 1 timer(s) into the due heap",
        "   0.070000  timer 0 fires (deadline 0.070000 s)",
        "   0.070000  task 2 woken by timer 0: queued (4)",
        "   0.070000  turn 6: 1 queued",
        "   0.070000  task 2 poll (2)",
        "   0.070000  task 2 ready: completed (6)",
        "   0.070000  task 1 woken by task 2 finishing: queued (4)",
        "   0.070000  turn 7: 1 queued",
        "   0.070000  task 1 (main) poll (2)",
        "   0.070000      task 2 result taken by its handle",
        "   0.070000      task 2 handle dropped: slot freed (9)",
        "   0.070000  task 1 (main) ready: block_on returns (6)",
        "   0.070000  shutdown: 1 task(s) spawned, 1 completed, 0 cancelled, 0 panicked; 6 polls in 7 turns; 1 timer(s) armed, 1 fired, 0 cancelled; 2 park(s)",
    ];
    assert_eq!(lines.take(), expected);
}

#[test]
fn no_trace_unless_asked() {
    let lines = Lines::default();
    let rt = Builder::new()
        .start_paused(true)
        .trace_to(lines.clone())
        .trace(false)
        .build();
    rt.block_on(async {
        spawn(async {}).await.unwrap();
        Event::new().set();
    });
    drop(rt);
    assert_eq!(lines.take(), Vec::<String>::new());
}

#[test]
fn panics_cancellations_and_detaches_are_narrated() {
    let (rt, lines) = traced();
    rt.block_on(async {
        let bad = spawn(async { panic!("on purpose") });
        let idle = spawn(std::future::pending::<()>());
        let detached = spawn(async {
            yield_now().await;
        });
        yield_now().await;
        assert!(bad.await.is_err());
        idle.cancel();
        drop(idle);
        drop(detached);
        yield_now().await;
    });
    drop(rt);
    let lines = lines.take();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("task 2 panicked (7): on purpose"), "{lines:#?}");
    assert!(
        has("task 3 cancelled by task 1 (main): future dropped (8)"),
        "{lines:#?}"
    );
    assert!(has("task 3 handle dropped: slot freed (9)"), "{lines:#?}");
    assert!(
        has("task 4 handle dropped: the task is detached and keeps running"),
        "{lines:#?}"
    );
    assert!(
        has("task 4 ready: completed (6); no handle wants it: slot freed (9)"),
        "{lines:#?}"
    );
}

#[test]
fn shutdown_is_narrated() {
    let (rt, lines) = traced();
    rt.block_on(async {
        drop(spawn(std::future::pending::<()>()));
        yield_now().await;
    });
    drop(rt);
    let lines = lines.take();
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("shutdown: cancelling 1 task(s) still alive (8)")),
        "{lines:#?}"
    );
}

#[test]
fn a_wake_from_another_thread_names_the_thread() {
    let lines = Lines::default();
    let rt = Builder::new().trace_to(lines.clone()).build();
    let thread = rt.block_on(async {
        let lines = lines.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut sent = false;
        std::future::poll_fn(move |cx| {
            if sent {
                return std::task::Poll::Ready(rx.recv().unwrap());
            }
            sent = true;
            let (waker, tx, lines) = (cx.waker().clone(), tx.clone(), lines.clone());
            std::thread::spawn(move || {
                // Wake only once the runtime says it parks, so the test sees
                // the parking line every time (waking earlier would find the
                // runtime still busy, and it would never park).
                let deadline = Instant::now() + Duration::from_secs(30);
                while !lines.contains("parking until a wake from another thread") {
                    assert!(Instant::now() < deadline, "the runtime never parked");
                    std::thread::sleep(Duration::from_millis(1));
                }
                tx.send(std::thread::current().id()).unwrap();
                waker.wake();
            });
            std::task::Poll::Pending
        })
        .await
    });
    drop(rt);
    let lines = lines.take();
    let expected = format!("task 1 woken by thread {thread:?} (via the inbox): queued (4)");
    assert!(
        lines.iter().any(|l| l.ends_with(&expected)),
        "{expected} not in {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("parking until a wake from another thread")),
        "{lines:#?}"
    );
}

#[test]
fn a_panic_in_main_is_narrated_and_ends_its_indentation() {
    let (rt, lines) = traced();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            drop(spawn(std::future::pending::<()>()));
            yield_now().await;
            panic!("main fails");
        })
    }));
    assert!(result.is_err());
    drop(rt);
    let lines = lines.take();
    let at = |line: &str| lines.iter().position(|l| l == line);
    let panicked = at("   0.000000  task 1 (main) panicked (7): block_on passes the panic on");
    let shutdown = at("   0.000000  shutdown: cancelling 1 task(s) still alive (8)");
    assert!(panicked.is_some() && panicked < shutdown, "{lines:#?}");
}

#[test]
fn a_paused_deadlock_is_narrated_before_the_panic() {
    let (rt, lines) = traced();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(std::future::pending::<()>())
    }));
    let message = common::panic_message(&*result.unwrap_err());
    assert!(message.starts_with("looplet deadlock"), "{message}");
    let lines = lines.take();
    assert!(
        lines.iter().any(|l| l.ends_with(
            "idle: nothing ready, no timer, and the clock is paused: waits 250 ms for a wake from another thread, then block_on panics (deadlock)"
        )),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("parking until a wake")),
        "a paused clock never parks: {lines:#?}"
    );
}

#[test]
fn a_block_on_that_returns_inside_an_unwinding_destructor_is_not_a_panic() {
    let (rt, lines) = traced();
    struct RunsOnDrop(Runtime);
    impl Drop for RunsOnDrop {
        fn drop(&mut self) {
            assert_eq!(self.0.block_on(async { 5 }), 5);
        }
    }
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let _guard = RunsOnDrop(rt);
        panic!("something else fails");
    }));
    assert!(result.is_err());
    let lines = lines.take();
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("task 1 (main) ready: block_on returns (6)")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("(main) panicked")),
        "{lines:#?}"
    );
}

/// The environment variable is read by `Builder::new()` (and so `run`).
/// Setting it inside this process would race with the other tests, so the
/// test runs this same binary again, with the variable set, on the child
/// test below.
#[test]
fn looplet_trace_env_var_turns_tracing_on_for_run() {
    let output = common::run_child_with(
        "env_child",
        &[("LOOPLET_TRACE", "1"), ("LOOPLET_TRACE_TEST_CHILD", "1")],
    );
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("looplet trace (real clock)"), "{stderr}");
    assert!(stderr.contains("task 2 spawned (1)"), "{stderr}");
}

/// Runs only as the child of the test above.
#[test]
fn env_child() {
    if std::env::var_os("LOOPLET_TRACE_TEST_CHILD").is_none() {
        return;
    }
    looplet::run(async { spawn(async {}).await.unwrap() });
}

/// A trace writer is user code, and may do anything: here it drops another
/// runtime (whose shutdown makes that runtime current for a moment) in the
/// middle of narrating a task's wake of itself. The executor must not be
/// holding its thread-local context then.
#[test]
fn a_trace_writer_may_drop_a_runtime_while_a_task_wakes_itself() {
    struct DropsARuntime {
        lines: Lines,
        victim: std::rc::Rc<std::cell::RefCell<Option<Runtime>>>,
    }
    impl Write for DropsARuntime {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let written = self.lines.write(buf)?;
            if self.lines.contains("woken by itself") {
                drop(self.victim.borrow_mut().take());
            }
            Ok(written)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let victim = std::rc::Rc::new(std::cell::RefCell::new(Some(
        Builder::new().start_paused(true).build(),
    )));
    // A task for the victim's shutdown to cancel (the handle detaches).
    drop(
        victim
            .borrow()
            .as_ref()
            .unwrap()
            .spawn(std::future::pending::<()>()),
    );
    let lines = Lines::default();
    let rt = Builder::new()
        .start_paused(true)
        .trace_to(DropsARuntime {
            lines: lines.clone(),
            victim: victim.clone(),
        })
        .build();
    rt.block_on(async { spawn(async { yield_now().await }).await.unwrap() });
    assert!(victim.borrow().is_none(), "the writer dropped the runtime");
    assert!(
        lines.contains("task 2 woken by itself"),
        "{:?}",
        lines.take()
    );
}

#[test]
// The producer hands back a handle on purpose.
#[allow(clippy::async_yields_async)]
fn a_named_task_is_named_in_every_line_that_names_it() {
    let (rt, lines) = traced();
    rt.block_on(async {
        let event = Event::new();
        let producer = looplet::spawn_named("producer", {
            let event = event.clone();
            async move {
                event.wait().await;
                looplet::spawn_named("helper", std::future::pending::<()>())
            }
        });
        yield_now().await;
        event.set();
        let helper = producer.await.unwrap();
        helper.cancel();
        drop(helper);
        let detached = looplet::spawn_named("forever", std::future::pending::<()>());
        drop(detached);
    });
    drop(rt);
    let text = lines.take().join("\n");
    for needle in [
        "task 2 'producer' spawned (1)",
        "task 2 'producer' poll (2)",
        "task 2 'producer' pending (3)",
        "task 2 'producer' woken by task 1 (main): queued (4)",
        "waits for task 2 'producer' to finish",
        "task 3 'helper' spawned (1)",
        "task 1 woken by task 2 'producer' finishing: queued (4)",
        "task 2 'producer' handle dropped: slot freed (9)",
        "task 2 'producer' result taken by its handle",
        "task 3 'helper' cancelled by task 1 (main): future dropped (8)",
        "task 3 'helper' handle dropped: slot freed (9)",
        "task 4 'forever' handle dropped: the task is detached and keeps running",
    ] {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }
}

#[test]
fn a_named_main_spawned_from_outside_is_named_in_its_polls() {
    let (rt, lines) = traced();
    let handle = rt.spawn_named("early", async { yield_now().await });
    rt.block_on(handle).unwrap();
    let text = lines.take().join("\n");
    assert!(text.contains("task 1 'early' spawned (1)"), "{text}");
    assert!(
        text.contains("task 1 'early' woken by itself while running"),
        "{text}"
    );
    assert!(
        text.contains("task 1 'early' ready: completed (6)"),
        "{text}"
    );
}

/// `LOOPLET_TRACE=<kinds>` keeps only those kinds of line (plus the first
/// line and the shutdown summary): each case runs this binary again.
#[test]
fn looplet_trace_kinds_filter_the_lines() {
    let run = |value: &str| {
        let output = common::run_child_with(
            "filter_child",
            &[("LOOPLET_TRACE", value), ("LOOPLET_TRACE_TEST_CHILD", "1")],
        );
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let has = |text: &str, needle: &str| text.lines().any(|line| line.contains(needle));
    let kinds = [
        ("tasks", "spawned (1)"),
        ("sync", "event 1 set"),
        ("timers", "armed for"),
        ("wheel", "wheel: "),
        ("park", "idle: "),
    ];
    let all = run("1");
    for (kind, needle) in kinds {
        assert!(has(&all, needle), "`1` keeps {kind}: {all}");
        let only = run(kind);
        assert!(has(&only, "looplet trace ("), "{kind}: {only}");
        assert!(has(&only, "shutdown: 2 task(s) spawned"), "{kind}: {only}");
        for (other, needle) in kinds {
            assert_eq!(
                has(&only, needle),
                other == kind,
                "LOOPLET_TRACE={kind} and `{needle}` ({other}):\n{only}"
            );
        }
    }
    let two = run("sync, park");
    assert!(has(&two, "event 1 set") && has(&two, "idle: "), "{two}");
    assert!(!has(&two, "spawned (1)"), "{two}");
}

/// Runs only as the child of the test above: tasks, an event, timers
/// that cascade through the wheel, and parks on the virtual clock.
#[test]
fn filter_child() {
    if std::env::var_os("LOOPLET_TRACE_TEST_CHILD").is_none() {
        return;
    }
    Builder::new().start_paused(true).build().block_on(async {
        let event = Event::new();
        let waiter = spawn({
            let event = event.clone();
            async move { event.wait().await }
        });
        let sleeper = spawn(sleep(Duration::from_millis(200)));
        yield_now().await;
        event.set();
        waiter.await.unwrap();
        sleeper.await.unwrap();
    });
}

#[test]
fn each_event_has_its_own_number_in_the_trace() {
    let (rt, lines) = traced();
    let made_outside = Event::new();
    rt.block_on(async {
        let (a, b) = (Event::new(), Event::new());
        b.set(); // b is mentioned first: it is event 1
        a.clear();
        made_outside.set();
        let waiter = spawn({
            let a = a.clone();
            async move { a.wait().await }
        });
        yield_now().await;
        a.set();
        b.wait().await;
        waiter.await.unwrap();
    });
    let text = lines.take().join("\n");
    for needle in [
        "event 1 set: releases 0 waiters",
        "event 2 cleared",
        "event 3 set: releases 0 waiters",
        "event 2 wait: not set, waiting (1 waiting)",
        "event 2 set: releases 1 waiter",
        "event 1 wait: already set, ready at once",
    ] {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }
    // A second runtime numbers its events from 1 again.
    let (rt, lines) = traced();
    rt.block_on(async { Event::new().set() });
    assert!(lines.take().join("\n").contains("event 1 set"));
}

#[test]
fn a_wake_from_a_named_thread_gives_its_name() {
    let lines = Lines::default();
    let rt = Builder::new().trace_to(lines.clone()).build();
    rt.block_on(async {
        let mut woken = false;
        std::future::poll_fn(move |cx| {
            if woken {
                return std::task::Poll::Ready(());
            }
            woken = true;
            let waker = cx.waker().clone();
            std::thread::Builder::new()
                .name("disk-reader".to_string())
                .spawn(move || waker.wake())
                .unwrap()
                .join()
                .unwrap();
            std::task::Poll::Pending
        })
        .await
    });
    drop(rt);
    let lines = lines.take();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("woken by thread 'disk-reader' (ThreadId(")
                && l.ends_with("(via the inbox): queued (4)")),
        "{lines:#?}"
    );
}

#[test]
fn a_task_group_cancelling_and_a_thread_job_are_narrated() {
    let (rt, lines) = traced();
    rt.block_on(async {
        let tg = looplet::TaskGroup::new();
        drop(tg.spawn(std::future::pending::<()>()));
        drop(tg.spawn(async { panic!("boom") }));
        assert!(tg.join().await.is_err());
        assert_eq!(looplet::to_thread(|| 7).await.unwrap(), 7);
    });
    drop(rt);
    let text = lines.take().join("\n");
    assert!(
        text.contains("task group: task 3 panicked: cancelling 1 task(s)"),
        "{text}"
    );
    assert!(
        text.contains("task 2 cancelled by task 3: future dropped (8)"),
        "{text}"
    );
    assert!(
        // (How many jobs are pending depends on how fast the worker is.)
        text.contains("to_thread job 4: sent to the worker threads ("),
        "{text}"
    );
    assert!(
        text.contains("to_thread job 4: back from its thread, done"),
        "{text}"
    );
}
