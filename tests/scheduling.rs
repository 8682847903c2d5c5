//! Scheduling order: FIFO spawn order, round-robin `yield_now`, batches,
//! and at most one queue entry per task.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::{Log, Probe};
use looplet::{Builder, JoinHandle, run, spawn, yield_now};

/// Spawns a task that logs `name` each time it runs a step, `steps` times,
/// yielding between steps.
fn stepper(log: &Log, name: &'static str, steps: usize) -> JoinHandle<()> {
    let log = log.clone();
    spawn(async move {
        for step in 0..steps {
            log.push(format!("{name}{step}"));
            if step + 1 < steps {
                yield_now().await;
            }
        }
    })
}

#[test]
fn main_result_is_returned() {
    assert_eq!(run(async { 6 * 7 }), 42);
    let s: String = run(async { String::from("owned") });
    assert_eq!(s, "owned");
}

#[test]
fn spawned_tasks_first_run_in_spawn_order() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let handles: Vec<_> = ["a", "b", "c", "d"]
                .into_iter()
                .map(|n| stepper(&log, n, 1))
                .collect();
            log.push("main spawned");
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(log.take(), ["main spawned", "a0", "b0", "c0", "d0"]);
}

#[test]
fn yield_now_round_robins_in_fifo_order() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let a = stepper(&log, "a", 3);
            let b = stepper(&log, "b", 3);
            let c = stepper(&log, "c", 2);
            a.await.unwrap();
            b.await.unwrap();
            c.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2"]);
}

#[test]
fn main_takes_part_in_the_queue_like_a_task() {
    // asyncio: main yields with sleep(0), so every task queued before it runs.
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let a = stepper(&log, "a", 2);
            let b = stepper(&log, "b", 2);
            log.push("main0");
            yield_now().await;
            log.push("main1");
            yield_now().await;
            log.push("main2");
            a.await.unwrap();
            b.await.unwrap();
        }
    });
    assert_eq!(
        log.take(),
        ["main0", "a0", "b0", "main1", "a1", "b1", "main2"]
    );
}

/// asyncio's `asyncio.run(main())` where main creates a task and returns at
/// once logs `[main returns, A step0]`: main's completion is noticed by a
/// callback queued behind the task, so the loop runs one more iteration.
#[test]
fn a_task_spawned_by_main_as_it_returns_takes_its_first_step() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            drop(stepper(&log, "A step", 2));
            log.push("main returns");
        }
    });
    assert_eq!(log.take(), ["main returns", "A step0"]);
}

/// The turn main finishes in is finished (each task queued when it began
/// takes its step), then one more turn runs, as asyncio's loop finishes
/// the iteration that runs its done callback; then the rest is cancelled.
#[test]
fn when_main_returns_its_turn_and_one_more_are_finished() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let ready = looplet::Event::new();
            let spinner = |name: &'static str, set: Option<looplet::Event>| {
                let log = log.clone();
                drop(spawn(async move {
                    for step in 0.. {
                        log.push(format!("{name}{step}"));
                        if let Some(event) = &set {
                            event.set(); // main goes ahead of `t` in the queue
                        }
                        yield_now().await;
                    }
                }));
            };
            spinner("s", Some(ready.clone()));
            spinner("t", None);
            ready.wait().await;
            log.push("main returns");
        }
    });
    // Turn 3 began as [main, s, t]: s and t still take their step, and
    // one more turn follows.
    assert_eq!(
        log.take(),
        ["s0", "t0", "main returns", "s1", "t1", "s2", "t2"]
    );
}

#[test]
fn tasks_spawned_during_a_turn_run_next_turn_in_spawn_order() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let outer_log = log.clone();
            let outer = spawn(async move {
                outer_log.push("outer");
                let x = stepper(&outer_log, "x", 1);
                let y = stepper(&outer_log, "y", 1);
                outer_log.push("outer spawned x, y");
                x.await.unwrap();
                y.await.unwrap();
            });
            let z = stepper(&log, "z", 1);
            outer.await.unwrap();
            z.await.unwrap();
        }
    });
    // z was queued before x and y existed.
    assert_eq!(
        log.take(),
        ["outer", "outer spawned x, y", "z0", "x0", "y0"]
    );
}

#[test]
fn a_self_waking_task_cannot_starve_the_others() {
    // `spinner` wakes itself on every poll and never finishes by itself; the
    // batch rule still lets `finisher` run, and it cancels the spinner.
    let spins = Rc::new(Cell::new(0u32));
    run({
        let spins = spins.clone();
        async move {
            let spinner = spawn(async move {
                loop {
                    spins.set(spins.get() + 1);
                    yield_now().await;
                }
            });
            let finisher = spawn(async { "done" });
            assert_eq!(finisher.await.unwrap(), "done");
            assert!(spinner.cancel());
        }
    });
    assert!(
        spins.get() <= 2,
        "spinner ran {} times before the others",
        spins.get()
    );
}

#[test]
fn a_task_woken_twice_is_polled_once() {
    let probe = Probe::new();
    run({
        let probe = probe.clone();
        async move {
            let task = spawn(probe.future());
            yield_now().await; // first poll
            assert_eq!(probe.polls(), 1);
            probe.wake();
            probe.wake();
            probe.wake();
            yield_now().await;
            yield_now().await;
            assert_eq!(probe.polls(), 2, "three wakes, one poll");
            task.cancel();
        }
    });
}

#[test]
fn a_task_woken_while_running_is_polled_again_once() {
    // Wakes itself twice in one poll: it goes to the back once.
    let polls = Rc::new(Cell::new(0));
    run({
        let polls = polls.clone();
        async move {
            let task = spawn(std::future::poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                if polls.get() < 3 {
                    cx.waker().wake_by_ref();
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                } else {
                    std::task::Poll::Ready(())
                }
            }));
            task.await.unwrap();
            // Two of each poll's wakes found the task running (edge 5: a
            // flag, no queue entry); the second of them found the flag set.
            let stats = looplet::stats();
            assert_eq!(
                stats.wakes_deduplicated, 2,
                "one duplicate per pending poll"
            );
        }
    });
    assert_eq!(polls.get(), 3);
}

#[test]
fn a_wake_during_its_own_poll_puts_the_task_back_once_per_turn() {
    // Polls per turn, not just in total: a task woken twice during its
    // poll is polled exactly once in each following turn.
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let polls = Rc::new(Cell::new(0));
            let task = spawn({
                let polls = polls.clone();
                std::future::poll_fn(move |cx| {
                    polls.set(polls.get() + 1);
                    cx.waker().wake_by_ref();
                    cx.waker().wake_by_ref();
                    if polls.get() < 3 {
                        std::task::Poll::Pending
                    } else {
                        std::task::Poll::Ready(())
                    }
                })
            });
            for turn in 1..=3 {
                yield_now().await; // one turn: the task runs before main again
                log.push(format!("after turn {turn}: {} polls", polls.get()));
            }
            task.await.unwrap();
        }
    });
    assert_eq!(
        log.take(),
        [
            "after turn 1: 1 polls",
            "after turn 2: 2 polls",
            "after turn 3: 3 polls"
        ]
    );
}

#[test]
fn a_woken_task_goes_behind_tasks_already_queued() {
    let log = Log::new();
    let probe = Probe::new();
    run({
        let log = log.clone();
        let probe = probe.clone();
        async move {
            let woken = {
                let log = log.clone();
                let probe = probe.clone();
                spawn(async move {
                    probe.future().await;
                    log.push("woken");
                })
            };
            yield_now().await; // `woken` is now idle inside the probe
            let a = stepper(&log, "a", 1);
            probe.ready.set(true);
            probe.wake();
            let b = stepper(&log, "b", 1);
            a.await.unwrap();
            b.await.unwrap();
            woken.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["a0", "woken", "b0"]);
}

#[test]
// Returns a handle out of `block_on` on purpose: tasks outlive it.
#[allow(clippy::async_yields_async)]
fn runtime_runs_several_block_ons_and_keeps_tasks_between_them() {
    let rt = Builder::new().build();
    assert_eq!(rt.block_on(async { 1 }), 1);
    let log = Log::new();
    let handle = rt.block_on({
        let log = log.clone();
        async move { stepper(&log, "t", 3) }
    });
    // Main returned at its first poll; as in asyncio's `run_until_complete`,
    // the task queued by then still took its first step.
    assert_eq!(log.snapshot(), ["t0"]);
    rt.block_on(handle).unwrap();
    assert_eq!(log.take(), ["t0", "t1", "t2"]);
}

#[test]
fn run_can_be_called_again_on_the_same_thread() {
    for i in 0..3 {
        assert_eq!(
            run(async move { spawn(async move { i }).await.unwrap() }),
            i
        );
    }
}

#[test]
fn many_tasks_complete_and_slots_are_reused() {
    let total = run(async {
        let mut sum = 0u64;
        for round in 0..10u64 {
            let handles: Vec<_> = (0..1000u64)
                .map(|i| spawn(async move { round * 1000 + i }))
                .collect();
            for handle in handles {
                sum += handle.await.unwrap();
            }
        }
        sum
    });
    assert_eq!(total, (0..10_000u64).sum());
}

#[test]
fn tasks_spawned_from_outside_run_in_the_next_block_on_in_spawn_order() {
    let rt = Builder::new().build();
    let log = Log::new();
    let tasks: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let log = log.clone();
            rt.spawn(async move {
                log.push(name);
                yield_now().await;
                log.push(format!("{name} again"));
            })
        })
        .collect();
    assert!(log.snapshot().is_empty(), "nothing runs outside block_on");
    assert!(!tasks[0].is_finished());
    rt.block_on({
        let log = log.clone();
        async move {
            log.push("main");
            // Inside, `Runtime::spawn` and `looplet::spawn` queue alike.
            for task in tasks {
                task.await.unwrap();
            }
        }
    });
    assert_eq!(
        log.take(),
        ["a", "b", "c", "main", "a again", "b again", "c again"]
    );
    let late = rt.spawn(async { 9 });
    assert_eq!(rt.block_on(late).unwrap(), 9);
}

/// A task that parks on `probe`, then logs "task" once woken; returned
/// parked, after one `block_on`, with the probe ready to complete.
fn parked_task(rt: &looplet::Runtime, log: &Log, probe: &Probe) -> JoinHandle<()> {
    let task = rt.spawn({
        let (log, probe) = (log.clone(), probe.clone());
        async move {
            probe.future().await;
            log.push("task");
        }
    });
    rt.block_on(async {}); // the task runs once and parks on the probe
    assert_eq!(probe.polls(), 1);
    probe.ready.set(true);
    task
}

/// Runs a `block_on` whose main only logs "main"; returns what was logged.
fn next_main_logs(rt: &looplet::Runtime, log: &Log) -> Vec<String> {
    rt.block_on({
        let log = log.clone();
        async move { log.push("main") }
    });
    log.take()
}

#[test]
fn a_wake_on_this_thread_between_block_ons_runs_ahead_of_the_next_main() {
    let rt = Builder::new().build();
    let (log, probe) = (Log::new(), Probe::new());
    let task = parked_task(&rt, &log, &probe);
    probe.wake(); // on this thread, with no `block_on` running
    assert_eq!(next_main_logs(&rt, &log), ["task", "main"]);
    assert!(task.is_finished());
}

#[test]
fn a_wake_from_another_thread_between_block_ons_runs_ahead_of_the_next_main() {
    let rt = Builder::new().build();
    let (log, probe) = (Log::new(), Probe::new());
    let task = parked_task(&rt, &log, &probe);
    let waker = probe.waker.borrow().clone().unwrap();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(next_main_logs(&rt, &log), ["task", "main"]);
    assert!(task.is_finished());
}

#[test]
fn a_timer_due_between_block_ons_runs_ahead_of_the_next_main() {
    let rt = Builder::new().build(); // the real clock: time passes between calls
    let log = Log::new();
    let task = rt.spawn({
        let log = log.clone();
        async move {
            looplet::sleep(std::time::Duration::from_millis(1)).await;
            log.push("task");
        }
    });
    rt.block_on(async {}); // arms the timer
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(next_main_logs(&rt, &log), ["task", "main"]);
    assert!(task.is_finished());
}

#[test]
fn ticking_block_on_by_hand_does_not_starve_a_sleeping_task() {
    // The way futures' `LocalPool` and smol users drive an executor: many
    // short `block_on`s. Each must also fire the timers that came due.
    let rt = Builder::new().build();
    let task = rt.spawn(async { looplet::sleep(std::time::Duration::from_millis(2)).await });
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !task.is_finished() {
        assert!(
            std::time::Instant::now() < give_up,
            "the sleeping task never ran"
        );
        rt.block_on(async {});
    }
}
