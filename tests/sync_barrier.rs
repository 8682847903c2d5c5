//! `sync::Barrier`: ports of CPython's
//! `Lib/test/test_asyncio/test_locks.py` `BarrierTests` (each test names
//! the one it ports).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use looplet::sync::{Barrier, BrokenBarrier};
use looplet::{Builder, JoinHandle};

mod common;

fn paused() -> looplet::Runtime {
    Builder::new().start_paused(true).build()
}

async fn settle() {
    for _ in 0..4 {
        looplet::yield_now().await;
    }
}

fn waiters(barrier: &Barrier, n: usize) -> Vec<JoinHandle<Result<usize, BrokenBarrier>>> {
    (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            looplet::spawn(async move { barrier.wait().await })
        })
        .collect()
}

async fn results(
    tasks: Vec<JoinHandle<Result<usize, BrokenBarrier>>>,
) -> Vec<Result<usize, BrokenBarrier>> {
    looplet::gather(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// Ports `BarrierTests.test_barrier_parties` and the 0-parties misuse.
#[test]
fn test_barrier_parties() {
    assert_eq!(Barrier::new(3).parties(), 3);
    let err = std::panic::catch_unwind(|| Barrier::new(0)).unwrap_err();
    assert_eq!(
        common::panic_message(&*err),
        "`Barrier::new` called with 0 parties; a barrier needs at least 1"
    );
}

/// Ports `BarrierTests.test_filling_task_by_task` and
/// `test_filling_tasks_check_return_value`: indexes in arrival order,
/// `n_waiting` counts up, the last arrival releases everyone.
#[test]
fn test_filling_task_by_task_indexes() {
    paused().block_on(async {
        let barrier = Barrier::new(3);
        let tasks = waiters(&barrier, 2);
        settle().await;
        assert_eq!(barrier.n_waiting(), 2);
        assert_eq!(barrier.wait().await, Ok(2), "the last arrival");
        assert_eq!(results(tasks).await, [Ok(0), Ok(1)]);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// Ports `BarrierTests.test_filling_one_task_twice` and
/// `test_filling_tasks_wait_twice`: the barrier is reused cycle after
/// cycle.
#[test]
fn test_filling_tasks_wait_twice() {
    paused().block_on(async {
        let barrier = Barrier::new(2);
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let barrier = barrier.clone();
                looplet::spawn(async move {
                    let a = barrier.wait().await.unwrap();
                    let b = barrier.wait().await.unwrap();
                    (a, b)
                })
            })
            .collect();
        let got: Vec<_> = looplet::gather(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, [(0, 0), (1, 1)]);
    });
}

/// Ports `BarrierTests.test_blocking_tasks_while_draining` and
/// `test_draining_state`: tasks arriving while a released cycle drains
/// wait for the next cycle.
#[test]
fn test_blocking_tasks_while_draining() {
    paused().block_on(async {
        let barrier = Barrier::new(2);
        let first = waiters(&barrier, 1);
        settle().await;
        // The last arrival of cycle 1 releases `first`, which has not run
        // yet: the barrier drains. A new wait must not join cycle 1.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut own = Box::pin(barrier.wait());
        assert_eq!(own.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(1)));
        let mut late = Box::pin(barrier.wait());
        assert!(late.as_mut().poll(&mut cx).is_pending());
        assert_eq!(
            barrier.n_waiting(),
            0,
            "draining: nobody counted as waiting"
        );
        assert_eq!(results(first).await, [Ok(0)]);
        // Drained: `late` arrives in cycle 2 as index 0.
        assert!(late.as_mut().poll(&mut cx).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        assert_eq!(barrier.wait().await, Ok(1));
        assert_eq!(late.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(0)));
    });
}

/// Ports `BarrierTests.test_filling_tasks_cancel_one`: a waiter dropped
/// while the barrier fills leaves the count. As in asyncio, an index is
/// the count at arrival, so after a cancellation two tasks of a cycle may
/// share one.
#[test]
fn test_filling_tasks_cancel_one() {
    paused().block_on(async {
        let barrier = Barrier::new(3);
        let tasks = waiters(&barrier, 2);
        settle().await;
        tasks[0].cancel();
        settle().await;
        assert_eq!(barrier.n_waiting(), 1);
        let more = waiters(&barrier, 1);
        settle().await;
        assert_eq!(barrier.wait().await, Ok(2));
        let mut all = tasks;
        all.extend(more);
        let got: Vec<_> = looplet::gather(all)
            .await
            .into_iter()
            .map(|r| r.ok())
            .collect();
        assert_eq!(got, [None, Some(Ok(1)), Some(Ok(1))]);
    });
}

/// Ports `BarrierTests.test_reset_barrier_while_tasks_waiting`: waiters
/// fail with `BrokenBarrier`, and the barrier is usable again.
#[test]
fn test_reset_barrier_while_tasks_waiting() {
    paused().block_on(async {
        let barrier = Barrier::new(3);
        let tasks = waiters(&barrier, 2);
        settle().await;
        barrier.reset();
        assert_eq!(
            results(tasks).await,
            [Err(BrokenBarrier), Err(BrokenBarrier)]
        );
        assert!(!barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
        let tasks = waiters(&barrier, 2);
        settle().await;
        assert_eq!(barrier.wait().await, Ok(2));
        assert_eq!(results(tasks).await, [Ok(0), Ok(1)]);
    });
}

/// Ports `BarrierTests.test_abort_barrier` and
/// `test_abort_barrier_when_exception_then_resetting`.
#[test]
fn test_abort_barrier_then_reset() {
    paused().block_on(async {
        let barrier = Barrier::new(3);
        let tasks = waiters(&barrier, 2);
        settle().await;
        barrier.abort();
        assert!(barrier.is_broken());
        assert_eq!(
            results(tasks).await,
            [Err(BrokenBarrier), Err(BrokenBarrier)]
        );
        assert_eq!(
            barrier.wait().await,
            Err(BrokenBarrier),
            "broken until reset"
        );
        barrier.reset();
        assert!(!barrier.is_broken());
        let tasks = waiters(&barrier, 2);
        settle().await;
        assert_eq!(barrier.wait().await, Ok(2));
        assert_eq!(results(tasks).await, [Ok(0), Ok(1)]);
    });
}

/// A wait that times out leaves the barrier as it was (`Debug` shows it).
#[test]
fn timed_out_wait_leaves_no_trace() {
    paused().block_on(async {
        let barrier = Barrier::new(2);
        assert!(
            looplet::timeout(Duration::from_secs(1), barrier.wait())
                .await
                .is_err()
        );
        assert_eq!(
            format!("{barrier:?}"),
            "Barrier { parties: 2, phase: Filling, count: 0, waiters: 0 }"
        );
    });
}

/// Waits run under another executor.
#[test]
fn under_futures_local_pool() {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let barrier = Barrier::new(3);
    let got = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..3 {
        let (barrier, got) = (barrier.clone(), got.clone());
        pool.spawner()
            .spawn_local(async move {
                let index = barrier.wait().await;
                got.borrow_mut().push(index);
            })
            .unwrap();
    }
    pool.run();
    assert_eq!(*got.borrow(), [Ok(2), Ok(0), Ok(1)]);
}
