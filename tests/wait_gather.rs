//! `wait` and `gather`: asyncio's cases on the virtual clock.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

use looplet::{
    Builder, JoinHandle, ReturnWhen, Runtime, gather, now, sleep, spawn, stats, wait, yield_now,
};

fn paused() -> Runtime {
    Builder::new().start_paused(true).build()
}

const MS: Duration = Duration::from_millis(1);

/// A task that sleeps `ms` and returns `ms`.
fn sleeper(ms: u64) -> JoinHandle<u64> {
    spawn(async move {
        sleep(MS * ms as u32).await;
        ms
    })
}

/// A task that sleeps `ms`, then panics.
fn failer(ms: u64) -> JoinHandle<u64> {
    spawn(async move {
        sleep(MS * ms as u32).await;
        panic!("failed after {ms} ms")
    })
}

/// Whether awaiting `handle` completes at once (on its first poll).
fn ready_at_once<T: 'static>(handle: &mut JoinHandle<T>) -> bool {
    let waker = futures::task::noop_waker();
    Pin::new(handle)
        .poll(&mut Context::from_waker(&waker))
        .is_ready()
}

#[test]
fn all_completed_returns_when_the_last_finishes() {
    paused().block_on(async {
        let start = now();
        let (done, pending) = wait([sleeper(100), sleeper(150)], ReturnWhen::AllCompleted).await;
        assert_eq!(now() - start, MS * 150);
        assert_eq!((done.len(), pending.len()), (2, 0));
        let results: Vec<u64> = looplet::gather(done)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(results, [100, 150]);
    });
}

#[test]
fn first_completed_returns_at_the_first_with_the_other_still_pending() {
    paused().block_on(async {
        let start = now();
        let (mut done, mut pending) =
            wait([sleeper(150), sleeper(100)], ReturnWhen::FirstCompleted).await;
        assert_eq!(now() - start, MS * 100);
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(done[0].is_finished() && !pending[0].is_finished());
        assert!(
            ready_at_once(&mut done[0]),
            "a done handle gives its result at once"
        );
        assert_eq!(pending.pop().unwrap().await.unwrap(), 150);
        assert_eq!(now() - start, MS * 150);
    });
}

#[test]
fn first_exception_returns_when_a_task_panics() {
    paused().block_on(async {
        let start = now();
        let (done, pending) = wait(
            [sleeper(150), failer(50), sleeper(100)],
            ReturnWhen::FirstException,
        )
        .await;
        assert_eq!(now() - start, MS * 50);
        assert_eq!((done.len(), pending.len()), (1, 2));
        let err = done.into_iter().next().unwrap().await.unwrap_err();
        assert!(err.is_panic());
        // The others were not cancelled.
        for h in pending {
            assert!(h.await.is_ok());
        }
    });
}

#[test]
fn first_exception_without_a_failure_behaves_as_all_completed() {
    paused().block_on(async {
        let start = now();
        let (done, pending) = wait([sleeper(100), sleeper(150)], ReturnWhen::FirstException).await;
        assert_eq!(now() - start, MS * 150);
        assert_eq!((done.len(), pending.len()), (2, 0));
    });
}

#[test]
fn first_exception_does_not_count_a_cancelled_task() {
    // `wait` owns the handles it is given, so a task in its set can only be
    // one cancelled before: it counts as finished, not as a failure.
    paused().block_on(async {
        let start = now();
        let victim = sleeper(500);
        assert!(victim.cancel());
        let (done, pending) = wait([victim, sleeper(100)], ReturnWhen::FirstException).await;
        assert_eq!(
            now() - start,
            MS * 100,
            "a cancellation is not an exception"
        );
        assert_eq!((done.len(), pending.len()), (2, 0));
        assert!(
            done.into_iter()
                .next()
                .unwrap()
                .await
                .unwrap_err()
                .is_cancelled()
        );
    });
}

#[test]
fn gather_keeps_input_order() {
    paused().block_on(async {
        let results = gather([sleeper(30), sleeper(10), failer(20), sleeper(0)]).await;
        assert_eq!(results.len(), 4);
        assert_eq!(results[0].as_ref().unwrap(), &30);
        assert_eq!(results[1].as_ref().unwrap(), &10);
        assert!(results[2].as_ref().unwrap_err().is_panic());
        assert_eq!(results[3].as_ref().unwrap(), &0);
    });
}

#[test]
fn empty_inputs_return_at_once() {
    paused().block_on(async {
        let start = stats().turns;
        for when in [
            ReturnWhen::FirstCompleted,
            ReturnWhen::FirstException,
            ReturnWhen::AllCompleted,
        ] {
            let (done, pending) = wait(Vec::<JoinHandle<()>>::new(), when).await;
            assert!(done.is_empty() && pending.is_empty());
        }
        assert!(gather(Vec::<JoinHandle<()>>::new()).await.is_empty());
        assert_eq!(stats().turns, start, "no suspension");
    });
}

#[test]
fn a_completion_reaches_the_waiter_on_the_next_turn() {
    // asyncio needs two turns (the task's done-callback, then the waiter);
    // looplet wakes the waiter directly.
    paused().block_on(async {
        let task = spawn(async {
            yield_now().await;
            stats().turns
        });
        let (mut done, _) = wait([task], ReturnWhen::AllCompleted).await;
        let resumed = stats().turns;
        let finished = done.pop().unwrap().await.unwrap();
        assert_eq!(resumed, finished + 1);
    });
}

#[test]
fn wait_returns_every_handle_and_detaches_nothing() {
    paused().block_on(async {
        let (done, pending) = wait(
            [sleeper(10), sleeper(20), sleeper(30)],
            ReturnWhen::FirstCompleted,
        )
        .await;
        assert_eq!(done.len() + pending.len(), 3);
        let ids: Vec<_> = done
            .iter()
            .chain(&pending)
            .map(|h| h.id().as_u64())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "both halves keep input order");
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
    });
}

/// A task that sleeps `ms`, then logs its name; its guard shows whether
/// its future was dropped unfinished.
fn logged_sleeper(
    log: &common::Log,
    ms: u64,
) -> (JoinHandle<u64>, std::rc::Rc<std::cell::Cell<bool>>) {
    let (guard, dropped) = common::DropFlag::new();
    let log = log.clone();
    let handle = spawn(async move {
        let _guard = guard;
        sleep(MS * ms as u32).await;
        log.push(format!("{ms} done"));
        ms
    });
    (handle, dropped)
}

#[test]
fn a_timeout_around_gather_cancels_the_tasks_it_still_waits_for() {
    // asyncio: `async with asyncio.timeout(t): await asyncio.gather(*jobs)`
    // cancels the jobs still running when the timeout fires.
    paused().block_on(async {
        let log = common::Log::new();
        let (jobs, guards): (Vec<_>, Vec<_>) =
            (1..=5).map(|i| logged_sleeper(&log, i * 10)).unzip();
        let outcome = looplet::timeout(MS * 25, gather(jobs)).await;
        assert!(outcome.is_err());
        assert_eq!(stats().tasks_cancelled, 3);
        sleep(MS * 100).await;
        assert_eq!(log.take(), ["10 done", "20 done"], "the rest never ran on");
        assert!(guards.iter().all(|g| g.get()), "every future was dropped");
    });
}

#[test]
fn a_gather_dropped_before_its_first_poll_cancels_every_task() {
    paused().block_on(async {
        let log = common::Log::new();
        let (jobs, _guards): (Vec<_>, Vec<_>) = (1..=3).map(|i| logged_sleeper(&log, i)).unzip();
        drop(gather(jobs));
        sleep(MS * 10).await;
        assert_eq!(log.take(), Vec::<String>::new());
        assert_eq!(stats().tasks_cancelled, 3);
    });
}

#[test]
fn a_finished_gather_cancels_nothing_when_dropped() {
    paused().block_on(async {
        let results = gather([sleeper(1), sleeper(2)]).await;
        assert_eq!(results.len(), 2);
        assert_eq!(stats().tasks_cancelled, 0);
    });
}

#[test]
fn a_timeout_around_wait_leaves_its_tasks_running() {
    // asyncio: cancelling `asyncio.wait` does not cancel the tasks.
    paused().block_on(async {
        let log = common::Log::new();
        let (jobs, _guards): (Vec<_>, Vec<_>) =
            (1..=3).map(|i| logged_sleeper(&log, i * 10)).unzip();
        let outcome = looplet::timeout(MS * 15, wait(jobs, ReturnWhen::AllCompleted)).await;
        assert!(outcome.is_err());
        sleep(MS * 100).await;
        assert_eq!(log.take(), ["10 done", "20 done", "30 done"]);
        assert_eq!(stats().tasks_cancelled, 0);
    });
}

/// Counts the polls of `future`.
struct CountPolls<F> {
    future: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> std::task::Poll<usize> {
        self.polls += 1;
        let polls = self.polls;
        self.future.as_mut().poll(cx).map(|_| polls)
    }
}

/// asyncio's `wait` removes its callbacks from the tasks it did not wait
/// for; looplet's left its waker on them, so each woke the old waiter once
/// more when it finished.
#[test]
fn first_completed_and_first_exception_leave_no_waker_on_pending_tasks() {
    for return_when in [ReturnWhen::FirstCompleted, ReturnWhen::FirstException] {
        paused().block_on(async move {
            let first = if return_when == ReturnWhen::FirstCompleted {
                sleeper(10)
            } else {
                failer(10)
            };
            let (done, pending) = wait([first, sleeper(20)], return_when).await;
            assert_eq!((done.len(), pending.len()), (1, 1));
            // The slow task ends at 20 ms; nothing should wake this task
            // before its own sleep ends at 50 ms.
            let polls = CountPolls {
                future: Box::pin(sleep(MS * 40)),
                polls: 0,
            }
            .await;
            assert_eq!(
                polls, 2,
                "{return_when:?}: woken by a task it no longer waits for"
            );
            assert!(pending[0].is_finished());
        });
    }
}

/// Dropping a handle (or a `Wait` holding it) stops its waker from being
/// woken when the task ends.
#[test]
fn a_dropped_wait_leaves_no_waker_on_its_tasks() {
    paused().block_on(async {
        let slow = sleeper(20);
        let waiting = wait([slow], ReturnWhen::AllCompleted);
        let outcome = looplet::timeout(MS * 5, waiting).await;
        assert!(outcome.is_err(), "the wait timed out and was dropped");
        let polls = CountPolls {
            future: Box::pin(sleep(MS * 40)),
            polls: 0,
        }
        .await;
        assert_eq!(polls, 2, "woken when the detached task finished");
    });
}
