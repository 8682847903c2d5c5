//! `sync::Queue`, `LifoQueue` and `PriorityQueue`: ports of CPython's
//! `Lib/test/test_asyncio/test_queues.py` (each test names the one it
//! ports), on the paused clock, plus the hand-off rules of design.md.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use looplet::Builder;
use looplet::sync::{GetError, LifoQueue, PriorityQueue, PutError, Queue};

mod common;

fn paused() -> looplet::Runtime {
    Builder::new().start_paused(true).build()
}

async fn settle() {
    for _ in 0..4 {
        looplet::yield_now().await;
    }
}

fn noop() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// Ports `QueueBasicTests.test_repr` / `test_str`, as `Debug`.
#[test]
fn test_repr_as_debug() {
    let q = Queue::new(2);
    q.put_nowait(1).unwrap();
    assert_eq!(
        format!("{q:?}"),
        "Queue { len: 1, maxsize: 2, unfinished: 1, getters: 0, putters: 0, shut_down: false }"
    );
}

/// Ports `QueueBasicTests.test_empty` and `test_full`.
#[test]
fn test_empty_and_full() {
    let q = Queue::new(1);
    assert!(q.is_empty() && !q.is_full());
    q.put_nowait(1).unwrap();
    assert!(!q.is_empty() && q.is_full());
    let unbounded = Queue::new(0);
    for i in 0..1000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.is_full(), "maxsize 0 is never full");
}

/// Ports `QueueBasicTests.test_order`, `LifoQueueTests.test_order` and
/// `PriorityQueueTests.test_order`.
#[test]
fn test_order_fifo_lifo_priority() {
    let items = [1, 3, 2];
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for i in items {
        fifo.put_nowait(i).unwrap();
        lifo.put_nowait(i).unwrap();
        prio.put_nowait(i).unwrap();
    }
    let drain = |f: &dyn Fn() -> Result<i32, GetError>| -> Vec<i32> {
        std::iter::from_fn(|| f().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.get_nowait()), [1, 3, 2]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 3, 1]);
    assert_eq!(drain(&|| prio.get_nowait()), [1, 2, 3]);
}

/// Ports `QueueBasicTests.test_maxsize`: the putter blocks at maxsize.
#[test]
fn test_maxsize() {
    paused().block_on(async {
        let q = Queue::new(2);
        assert_eq!(q.maxsize(), 2);
        let have_been_put = Rc::new(RefCell::new(Vec::new()));
        let putter = looplet::spawn({
            let (q, log) = (q.clone(), have_been_put.clone());
            async move {
                for i in 0..3 {
                    q.put(i).await.unwrap();
                    log.borrow_mut().push(i);
                }
            }
        });
        settle().await;
        assert_eq!(*have_been_put.borrow(), [0, 1]);
        assert_eq!(q.get().await, Ok(0));
        settle().await;
        assert_eq!(*have_been_put.borrow(), [0, 1, 2]);
        putter.await.unwrap();
        assert!(q.is_full());
    });
}

/// Ports `QueueGetTests.test_blocking_get_wait` and `test_get_with_putters`.
#[test]
fn test_blocking_get_wait() {
    paused().block_on(async {
        let q = Queue::new(0);
        let getter = looplet::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        looplet::sleep(Duration::from_millis(10)).await;
        assert!(!getter.is_finished());
        q.put_nowait('x').unwrap();
        assert_eq!(getter.await.unwrap(), Ok('x'));
    });
}

/// Ports `QueueGetTests.test_nonblocking_get` and
/// `test_nonblocking_get_exception`.
#[test]
fn test_nonblocking_get() {
    let q = Queue::new(0);
    assert_eq!(q.get_nowait(), Err::<u8, _>(GetError::Empty));
    q.put_nowait(1).unwrap();
    assert_eq!(q.get_nowait(), Ok(1));
}

/// Ports `QueueGetTests.test_get_cancelled`: a get that times out leaves
/// no getter behind, and the queue still works.
#[test]
fn test_get_cancelled() {
    paused().block_on(async {
        let q = Queue::new(0);
        assert!(
            looplet::timeout(Duration::from_millis(10), q.get())
                .await
                .is_err()
        );
        assert!(format!("{q:?}").contains("getters: 0"));
        q.put_nowait(5).unwrap();
        assert_eq!(q.get().await, Ok(5));
    });
}

/// Ports `QueueGetTests.test_get_cancelled_race` (and
/// `test_get_cancel_drop_one_pending_reader`): a getter promised an item
/// and dropped before it ran gives the item to the next getter.
#[test]
fn test_get_cancelled_race() {
    let q = Queue::new(0);
    let mut cx = noop();
    let mut a = Box::pin(q.get());
    let mut b = Box::pin(q.get());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(b.as_mut().poll(&mut cx).is_pending());
    q.put_nowait('a').unwrap(); // promised to a
    assert_eq!(q.get_nowait(), Err(GetError::Empty), "no barging");
    drop(a);
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(Ok('a')));
    assert!(q.is_empty());
}

/// Ports `QueuePutTests.test_get_cancel_drop_many_pending_readers`.
#[test]
fn test_get_cancel_drop_many_pending_readers() {
    paused().block_on(async {
        let q = Queue::new(0);
        let readers: Vec<_> = (0..5)
            .map(|_| {
                let q = q.clone();
                looplet::spawn(async move { q.get().await })
            })
            .collect();
        settle().await;
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        readers[0].cancel();
        readers[1].cancel();
        settle().await;
        assert!(readers[2].is_finished() && readers[3].is_finished());
        assert!(!readers[4].is_finished());
        readers[4].cancel();
        let got: Vec<_> = looplet::gather(readers)
            .await
            .into_iter()
            .filter_map(|r| r.ok())
            .collect();
        assert_eq!(got, [Ok(1), Ok(2)], "nothing lost, nothing twice");
        assert!(q.is_empty());
    });
}

/// Ports `QueuePutTests.test_blocking_put_wait` and
/// `test_put_with_waiting_getters`.
#[test]
fn test_blocking_put_wait() {
    paused().block_on(async {
        let q = Queue::new(1);
        q.put_nowait(0).unwrap();
        let putter = looplet::spawn({
            let q = q.clone();
            async move { q.put(1).await }
        });
        looplet::sleep(Duration::from_millis(10)).await;
        assert!(!putter.is_finished());
        assert_eq!(q.get().await, Ok(0));
        assert_eq!(putter.await.unwrap(), Ok(()));
        assert_eq!(q.get_nowait(), Ok(1));
    });
}

/// Ports `QueuePutTests.test_nonblocking_put_exception`: `QueueFull`.
#[test]
fn test_nonblocking_put_exception() {
    let q = Queue::new(1);
    q.put_nowait(1).unwrap();
    assert_eq!(q.put_nowait(2), Err(PutError::Full(2)));
}

/// Ports `QueuePutTests.test_put_cancelled_race` and
/// `test_put_cancel_drop`: a putter granted a place and dropped before it
/// ran gives the place to the next putter; its item is not put.
#[test]
fn test_put_cancelled_race() {
    let q = Queue::new(1);
    let mut cx = noop();
    q.put_nowait('x').unwrap();
    let mut a = Box::pin(q.put('a'));
    let mut b = Box::pin(q.put('b'));
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(b.as_mut().poll(&mut cx).is_pending());
    assert_eq!(q.get_nowait(), Ok('x')); // the place goes to a
    assert_eq!(q.put_nowait('c'), Err(PutError::Full('c')), "no barging");
    drop(a);
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.get_nowait(), Ok('b'));
    assert_eq!(q.get_nowait(), Err(GetError::Empty));
}

/// Ports `_QueueJoinTestMixin.test_task_done_underflow`.
#[test]
fn test_task_done_underflow_panics() {
    let q: Queue<u8> = Queue::new(0);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.task_done())).unwrap_err();
    assert_eq!(
        common::panic_message(&*err),
        "`Queue::task_done` called more times than items were put; \
         call it once per item taken with `get`"
    );
}

/// Ports `_QueueJoinTestMixin.test_task_done`: workers sum 100 items and
/// `join` returns once all are done.
#[test]
fn test_task_done_and_join() {
    paused().block_on(async {
        let q = Queue::new(0);
        let sum = Rc::new(RefCell::new(0));
        for i in 0..100 {
            q.put_nowait(i).unwrap();
        }
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (q, sum) = (q.clone(), sum.clone());
                looplet::spawn(async move {
                    while let Ok(i) = q.get().await {
                        looplet::sleep(Duration::from_millis(1)).await;
                        *sum.borrow_mut() += i;
                        q.task_done();
                    }
                })
            })
            .collect();
        q.join().await;
        assert_eq!(*sum.borrow(), 4950);
        q.shutdown(false);
        looplet::gather(workers).await;
    });
}

/// Ports `_QueueJoinTestMixin.test_join_empty_queue`.
#[test]
fn test_join_empty_queue() {
    let q: Queue<u8> = Queue::new(0);
    futures::executor::block_on(q.join());
    q.put_nowait(1).unwrap();
    q.get_nowait().unwrap();
    q.task_done();
    futures::executor::block_on(q.join());
}

/// Ports `_QueueShutdownTestMixin.test_shutdown_empty`: blocked getters
/// fail; puts fail and give the item back.
#[test]
fn test_shutdown_empty() {
    paused().block_on(async {
        let q: Queue<u8> = Queue::new(1);
        let getter = looplet::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        settle().await;
        q.shutdown(false);
        assert_eq!(getter.await.unwrap(), Err(GetError::ShutDown));
        assert_eq!(q.put(1).await, Err(PutError::ShutDown(1)));
        assert_eq!(q.put_nowait(2), Err(PutError::ShutDown(2)));
        assert_eq!(q.get().await, Err(GetError::ShutDown));
    });
}

/// Ports `_QueueShutdownTestMixin.test_shutdown_nonempty` and
/// `test_shutdown_putters_deque`: blocked putters fail; the items left
/// still drain; `join` still waits for them.
#[test]
fn test_shutdown_nonempty() {
    paused().block_on(async {
        let q = Queue::new(1);
        q.put_nowait(1).unwrap();
        let putter = looplet::spawn({
            let q = q.clone();
            async move { q.put(2).await }
        });
        settle().await;
        q.shutdown(false);
        assert_eq!(putter.await.unwrap(), Err(PutError::ShutDown(2)));
        assert_eq!(q.get().await, Ok(1));
        assert_eq!(q.get().await, Err(GetError::ShutDown));
        let mut join = Box::pin(q.join());
        assert!(join.as_mut().poll(&mut noop()).is_pending());
        q.task_done();
        join.await;
    });
}

/// Ports `_QueueShutdownTestMixin.test_shutdown_immediate` and
/// `test_shutdown_immediate_with_unfinished`: items are dropped, each
/// counted done; items already taken still need their `task_done`.
#[test]
fn test_shutdown_immediate_with_unfinished() {
    paused().block_on(async {
        let q = Queue::new(0);
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        assert_eq!(q.get_nowait(), Ok(0)); // taken, not done
        q.shutdown(true);
        assert!(q.is_empty());
        assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
        let mut join = Box::pin(q.join());
        assert!(join.as_mut().poll(&mut noop()).is_pending());
        q.task_done();
        join.await;

        let q = Queue::new(0);
        q.put_nowait(1).unwrap();
        q.shutdown(true);
        q.join().await; // ready: the dropped item counted done
    });
}

/// Ports `_QueueShutdownTestMixin.test_shutdown_getters_deque`: every
/// blocked getter fails, oldest first.
#[test]
fn test_shutdown_getters_deque() {
    paused().block_on(async {
        let q: Queue<u8> = Queue::new(0);
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                looplet::spawn(async move { q.get().await })
            })
            .collect();
        settle().await;
        q.shutdown(false);
        for r in looplet::gather(getters).await {
            assert_eq!(r.unwrap(), Err(GetError::ShutDown));
        }
    });
}

/// design.md: blocked getters are served oldest first.
#[test]
fn getters_served_oldest_first() {
    paused().block_on(async {
        let q = Queue::new(0);
        let log = Rc::new(RefCell::new(Vec::new()));
        let getters: Vec<_> = (0..3)
            .map(|n| {
                let (q, log) = (q.clone(), log.clone());
                looplet::spawn(async move {
                    let item = q.get().await.unwrap();
                    log.borrow_mut().push((n, item));
                })
            })
            .collect();
        settle().await;
        for item in ['a', 'b', 'c'] {
            q.put_nowait(item).unwrap();
        }
        looplet::gather(getters).await;
        assert_eq!(*log.borrow(), [(0, 'a'), (1, 'b'), (2, 'c')]);
    });
}

/// design.md: works under any executor (`futures`' `LocalPool`).
#[test]
fn under_futures_local_pool() {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let q = Queue::new(4);
    let out = Rc::new(RefCell::new(Vec::new()));
    let spawner = pool.spawner();
    spawner
        .spawn_local({
            let q = q.clone();
            async move {
                for i in 0..20 {
                    q.put(i).await.unwrap();
                }
                q.shutdown(false);
            }
        })
        .unwrap();
    spawner
        .spawn_local({
            let (q, out) = (q.clone(), out.clone());
            async move {
                while let Ok(i) = q.get().await {
                    out.borrow_mut().push(i);
                }
            }
        })
        .unwrap();
    pool.run();
    assert_eq!(*out.borrow(), (0..20).collect::<Vec<_>>());
}
