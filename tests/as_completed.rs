//! `as_completed`: asyncio's `asyncio.as_completed` on the virtual clock
//! (cases after CPython's `test_tasks.py` `test_as_completed*`).

mod common;

use std::time::Duration;

use common::Log;
use looplet::{Builder, JoinHandle, Runtime, as_completed, sleep, spawn, stats};

fn paused() -> Runtime {
    Builder::new().start_paused(true).build()
}

/// A task that sleeps `ms` milliseconds and returns `ms`.
fn sleeper(ms: u64) -> JoinHandle<u64> {
    spawn(async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    })
}

#[test]
fn results_come_in_completion_order_not_input_order() {
    // CPython: test_as_completed (three sleeps given out of order).
    paused().block_on(async {
        let mut finished = as_completed([sleeper(100), sleeper(50), sleeper(150)]);
        let mut order = Vec::new();
        let start = looplet::now();
        while let Some(result) = finished.next().await {
            order.push((result.unwrap(), (looplet::now() - start).as_millis()));
        }
        assert_eq!(order, [(50, 50), (100, 100), (150, 150)]);
    });
}

#[test]
fn results_come_in_finishing_order_even_when_the_caller_looks_late() {
    // asyncio's done-callbacks queue each completion as it happens.
    paused().block_on(async {
        let slow = spawn(async {
            sleep(Duration::from_millis(20)).await;
            "slow"
        });
        let fast = spawn(async {
            sleep(Duration::from_millis(10)).await;
            "fast"
        });
        let mut finished = as_completed([slow, fast]);
        assert!(
            looplet::timeout(Duration::ZERO, finished.next())
                .await
                .is_err()
        );
        sleep(Duration::from_millis(30)).await; // both finish meanwhile
        assert_eq!(finished.next().await.unwrap().unwrap(), "fast");
        assert_eq!(finished.next().await.unwrap().unwrap(), "slow");
    });
}

#[test]
fn tasks_already_finished_at_the_first_look_come_in_input_order() {
    paused().block_on(async {
        let mut finished = as_completed([sleeper(20), sleeper(10)]);
        sleep(Duration::from_millis(30)).await; // nobody has looked yet
        assert_eq!(finished.next().await.unwrap().unwrap(), 20);
        assert_eq!(finished.next().await.unwrap().unwrap(), 10);
    });
}

#[test]
fn tasks_that_finish_in_the_same_turn_come_out_in_the_order_they_finished() {
    paused().block_on(async {
        let mut finished = as_completed([sleeper(20), sleeper(10), sleeper(10)]);
        let mut order = Vec::new();
        while let Some(result) = finished.next().await {
            order.push(result.unwrap());
        }
        assert_eq!(order, [10, 10, 20]);
    });
}

#[test]
fn a_panic_and_a_cancellation_are_results_too() {
    paused().block_on(async {
        let bad = spawn(async {
            sleep(Duration::from_millis(5)).await;
            panic!("bad")
        });
        let cancelled = sleeper(50);
        cancelled.cancel();
        let mut finished = as_completed([sleeper(10), bad, cancelled]);
        let first = finished.next().await.unwrap();
        assert!(first.unwrap_err().is_cancelled(), "already finished");
        assert!(finished.next().await.unwrap().unwrap_err().is_panic());
        assert_eq!(finished.next().await.unwrap().unwrap(), 10);
        assert!(finished.next().await.is_none());
        assert!(finished.next().await.is_none(), "and stays done");
    });
}

#[test]
fn no_handles_means_none_at_once() {
    paused().block_on(async {
        let mut finished = as_completed(Vec::<JoinHandle<()>>::new());
        assert!(finished.is_empty());
        assert!(finished.next().await.is_none());
    });
}

#[test]
fn a_dropped_next_loses_no_result() {
    paused().block_on(async {
        let mut finished = as_completed([sleeper(30)]);
        let early = looplet::timeout(Duration::from_millis(10), finished.next()).await;
        assert!(early.is_err());
        assert_eq!(finished.len(), 1);
        assert_eq!(finished.next().await.unwrap().unwrap(), 30);
    });
}

#[test]
fn dropping_it_leaves_the_tasks_running() {
    paused().block_on(async {
        let log = Log::new();
        let jobs: Vec<_> = [10, 20]
            .into_iter()
            .map(|ms| {
                let log = log.clone();
                spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    log.push(format!("{ms}"));
                })
            })
            .collect();
        let mut finished = as_completed(jobs);
        finished.next().await.unwrap().unwrap();
        drop(finished);
        sleep(Duration::from_millis(50)).await;
        assert_eq!(log.take(), ["10", "20"]);
        assert_eq!(stats().tasks_cancelled, 0);
    });
}

#[test]
fn each_completion_wakes_the_waiter_once() {
    paused().block_on(async {
        let mut finished = as_completed([sleeper(10), sleeper(20), sleeper(30)]);
        let before = stats().polls;
        while finished.next().await.is_some() {}
        // Main is polled once per completion (and the tasks twice each):
        // no busy looking in between.
        assert!(
            stats().polls - before <= 3 + 2 * 3,
            "{}",
            stats().polls - before
        );
    });
}
