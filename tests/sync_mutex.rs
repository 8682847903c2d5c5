//! `sync::Mutex`, asyncio's `Lock`: ports of CPython's
//! `Lib/test/test_asyncio/test_locks.py` `LockTests` (each test names the
//! one it ports), plus the hand-off and cancellation rules of design.md
//! and a run under another executor.

use std::cell::RefCell;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use looplet::sync::Mutex;
use looplet::{Builder, Event, JoinHandle};

mod common;

fn paused() -> looplet::Runtime {
    Builder::new().start_paused(true).build()
}

/// Lets every ready task run a few times over.
async fn settle() {
    for _ in 0..4 {
        looplet::yield_now().await;
    }
}

/// A task that takes `lock`, logs `n`, then holds the lock until `go` is
/// set: asyncio's tests' `acquire()` … later `release()`.
fn holder(lock: &Mutex<()>, log: &Rc<RefCell<Vec<u32>>>, n: u32, go: &Event) -> JoinHandle<()> {
    let (lock, log, go) = (lock.clone(), log.clone(), go.clone());
    looplet::spawn(async move {
        let _guard = lock.lock().await;
        log.borrow_mut().push(n);
        go.wait().await;
    })
}

/// Ports `LockTests.test_lock` and `test_release_no_waiters`.
#[test]
fn test_lock_and_release_no_waiters() {
    paused().block_on(async {
        let lock = Mutex::new(());
        let guard = lock.lock().await;
        assert!(lock.is_locked());
        drop(guard);
        assert!(!lock.is_locked());
    });
}

/// Ports `LockTests.test_acquire`: waiters get the lock in the order
/// they asked, one release at a time.
#[test]
fn test_acquire_fifo_one_release_at_a_time() {
    paused().block_on(async {
        let lock = Mutex::new(());
        let log = Rc::new(RefCell::new(Vec::new()));
        let go: Vec<Event> = (0..3).map(|_| Event::new()).collect();
        let main = lock.lock().await;
        let t1 = holder(&lock, &log, 1, &go[0]);
        let t2 = holder(&lock, &log, 2, &go[1]);
        settle().await;
        assert!(log.borrow().is_empty());
        drop(main);
        settle().await;
        assert_eq!(*log.borrow(), [1]);
        let t3 = holder(&lock, &log, 3, &go[2]);
        settle().await;
        go[0].set();
        settle().await;
        assert_eq!(*log.borrow(), [1, 2]);
        go[1].set();
        settle().await;
        assert_eq!(*log.borrow(), [1, 2, 3]);
        go[2].set();
        looplet::gather([t1, t2, t3]).await;
        assert!(!lock.is_locked());
    });
}

/// Ports `LockTests.test_acquire_cancel`: a cancelled waiter leaves no
/// entry.
#[test]
fn test_acquire_cancel_leaves_no_waiter() {
    paused().block_on(async {
        let lock = Mutex::new(());
        let _main = lock.lock().await;
        let task = looplet::spawn({
            let lock = lock.clone();
            async move {
                let _g = lock.lock().await;
            }
        });
        settle().await;
        assert_eq!(
            format!("{lock:?}"),
            "Mutex { locked: true, waiters: 1, value: <locked> }"
        );
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(
            format!("{lock:?}"),
            "Mutex { locked: true, waiters: 0, value: <locked> }"
        );
    });
}

/// Ports `LockTests.test_cancel_race` (and `test_cancel_release_race`): A
/// holds, B and C wait; A releases and B is cancelled before it runs. The
/// lock must reach C, not be stranded with B.
#[test]
fn test_cancel_race_granted_waiter_passes_the_lock_on() {
    paused().block_on(async {
        let lock = Mutex::new(());
        let log = Rc::new(RefCell::new(Vec::new()));
        let go = Event::new();
        let a = holder(&lock, &log, 1, &go);
        settle().await;
        let b = holder(&lock, &log, 2, &go);
        let c = holder(&lock, &log, 3, &go);
        settle().await;
        go.set(); // A releases: the lock is handed to B…
        settle().await;
        assert_eq!(*log.borrow(), [1, 2, 3], "released in turn");
        let _ = (a.await, b.await, c.await);

        // Now the race itself: B granted, then cancelled before it ran.
        let held = lock.lock().await;
        let b = holder(&lock, &log, 20, &go);
        let c = holder(&lock, &log, 30, &go);
        settle().await;
        drop(held); // hands the lock to B and wakes it
        b.cancel(); // B never runs
        settle().await;
        assert!(b.await.unwrap_err().is_cancelled());
        c.await.unwrap();
        assert_eq!(log.borrow()[3..], [30]);
        assert!(!lock.is_locked());
    });
}

/// Ports `LockTests.test_finished_waiter_cancelled`: the same, on the last
/// waiter: cancelled after the grant, the lock ends up free.
#[test]
fn test_finished_waiter_cancelled_unlocks() {
    let lock = Mutex::new(());
    let held = lock.try_lock().unwrap();
    let mut waiter = Box::pin(lock.lock());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(waiter.as_mut().poll(&mut cx).is_pending());
    drop(held);
    assert!(lock.is_locked(), "handed to the waiter, not free");
    assert!(lock.try_lock().is_none(), "no barging past the grant");
    drop(waiter);
    assert!(!lock.is_locked());
    assert!(lock.try_lock().is_some());
}

/// Ports `LockTests.test_repr`, as `Debug`.
#[test]
fn test_repr_as_debug() {
    let lock = Mutex::new(7);
    assert_eq!(
        format!("{lock:?}"),
        "Mutex { locked: false, waiters: 0, value: 7 }"
    );
    let guard = lock.try_lock().unwrap();
    assert_eq!(format!("{guard:?}"), "7");
    assert_eq!(
        format!("{lock:?}"),
        "Mutex { locked: true, waiters: 0, value: <locked> }"
    );
}

/// Ports `LockTests.test_context_manager`: the guard's scope is the
/// `async with` block.
#[test]
fn test_context_manager_guard_scope() {
    paused().block_on(async {
        let lock = Mutex::new(Vec::new());
        {
            let mut v = lock.lock().await;
            v.push(1);
            assert!(lock.is_locked());
        }
        assert!(!lock.is_locked());
        assert_eq!(*lock.lock().await, [1]);
    });
}

/// design.md: no barging. Released with a waiter in line, the lock cannot
/// be taken by `try_lock` nor by a later `lock()` that is polled first.
#[test]
fn no_barging_after_release() {
    let lock = Mutex::new(());
    let mut cx = Context::from_waker(Waker::noop());
    let held = lock.try_lock().unwrap();
    let mut first = pin!(lock.lock());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    drop(held);
    let mut late = pin!(lock.lock());
    assert!(late.as_mut().poll(&mut cx).is_pending(), "queued behind");
    assert!(lock.try_lock().is_none());
    let guard = match first.as_mut().poll(&mut cx) {
        Poll::Ready(guard) => guard,
        Poll::Pending => panic!("the oldest waiter was handed the lock"),
    };
    drop(guard);
    assert!(late.as_mut().poll(&mut cx).is_ready());
}

/// A guard's value changes are seen by the next holder across an await.
#[test]
fn counter_with_await_inside() {
    paused().block_on(async {
        let counter = Mutex::new(0u32);
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let counter = counter.clone();
                looplet::spawn(async move {
                    let mut n = counter.lock().await;
                    let seen = *n;
                    looplet::yield_now().await;
                    *n = seen + 1;
                })
            })
            .collect();
        looplet::gather(tasks).await;
        assert_eq!(*counter.lock().await, 10);
    });
}

/// design.md: works under any executor (here `futures`' `LocalPool`).
#[test]
fn under_futures_local_pool() {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let counter = Mutex::new(Vec::new());
    for i in 0..5 {
        let counter = counter.clone();
        pool.spawner()
            .spawn_local(async move {
                let mut v = counter.lock().await;
                futures::future::ready(()).await;
                v.push(i);
            })
            .unwrap();
    }
    pool.run();
    assert_eq!(
        *futures::executor::block_on(counter.lock()),
        [0, 1, 2, 3, 4]
    );
}

/// Polling a completed `MutexLock` again is a bug, and says so.
#[test]
fn polled_after_completion_panics() {
    let lock = Mutex::new(());
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = Box::pin(lock.lock());
    let Poll::Ready(guard) = fut.as_mut().poll(&mut cx) else {
        panic!("free lock")
    };
    drop(guard);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = fut.as_mut().poll(&mut cx);
    }))
    .unwrap_err();
    assert!(common::panic_message(&*err).contains("`MutexLock` polled after it completed"));
}

/// The issue: trace lines for waits, hand-offs and passing a grant on.
#[test]
fn trace_narrates_waits_hand_offs_and_pass_ons() {
    let (rt, lines) = common::traced();
    rt.block_on(async {
        let lock = Mutex::new(());
        let held = lock.lock().await;
        let log = Rc::new(RefCell::new(Vec::new()));
        let go = Event::new();
        let b = holder(&lock, &log, 1, &go);
        let c = holder(&lock, &log, 2, &go);
        settle().await;
        drop(held);
        b.cancel();
        go.set();
        let _ = (b.await, c.await);
    });
    let text = lines.text();
    let ours: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("lock 1: ").map(|(_, rest)| rest))
        .collect();
    assert_eq!(
        ours,
        [
            "waits (1 waiting)",
            "waits (2 waiting)",
            "handed to the oldest waiter (1 still waiting)",
            "a granted waiter was dropped before it ran; passed on",
            "handed to the oldest waiter (0 still waiting)",
        ],
        "{text}"
    );
}

/// design.md: `looplet::sync::Event` is the same type as `looplet::Event`.
#[test]
fn sync_event_is_the_crate_event() {
    let event: looplet::sync::Event = looplet::Event::new();
    let wait: looplet::EventWait<'_> = event.wait();
    drop(wait);
}

/// Each primitive has its own number in the trace, as tasks do: two locks
/// are told apart.
#[test]
fn trace_numbers_each_primitive() {
    let (rt, lines) = common::traced();
    rt.block_on(async {
        let (first, second) = (Mutex::new(()), Mutex::new(()));
        let (a, b) = (first.lock().await, second.lock().await);
        let waiters = [&first, &second].map(|lock| {
            let lock = lock.clone();
            looplet::spawn(async move { drop(lock.lock().await) })
        });
        looplet::yield_now().await;
        drop((a, b));
        for waiter in waiters {
            waiter.await.unwrap();
        }
    });
    let text = lines.text();
    assert!(text.contains("lock 1: waits (1 waiting)"), "{text}");
    assert!(text.contains("lock 2: waits (1 waiting)"), "{text}");
    assert!(
        text.contains("lock 1: handed to the oldest waiter"),
        "{text}"
    );
    assert!(
        text.contains("lock 2: handed to the oldest waiter"),
        "{text}"
    );
}

/// Queue grants, notifications and barrier releases are narrated too.
#[test]
fn trace_narrates_queue_grants_notifications_and_barrier_releases() {
    let (rt, lines) = common::traced();
    rt.block_on(async {
        let queue = looplet::sync::Queue::new(1);
        let getter = {
            let queue = queue.clone();
            looplet::spawn(async move { queue.get().await.unwrap() })
        };
        looplet::yield_now().await;
        queue.put(5_u8).await.unwrap();
        assert_eq!(getter.await.unwrap(), 5);

        let cond = looplet::sync::Condition::new(false);
        let waiter = {
            let cond = cond.clone();
            looplet::spawn(async move {
                let guard = cond.lock().await;
                drop(cond.wait_for(guard, |ready| *ready).await);
            })
        };
        looplet::yield_now().await;
        let mut guard = cond.lock().await;
        *guard = true;
        cond.notify_all();
        drop(guard);
        waiter.await.unwrap();

        let barrier = looplet::sync::Barrier::new(2);
        let other = {
            let barrier = barrier.clone();
            looplet::spawn(async move { barrier.wait().await.unwrap() })
        };
        barrier.wait().await.unwrap();
        other.await.unwrap();
    });
    let text = lines.text();
    for expected in [
        ": an item granted to the oldest getter",
        ": notifies 1 waiter(s) (0 still waiting)",
        ": lets 1 waiter(s) through",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(text.contains("queue "), "{text}");
    assert!(text.contains("condition "), "{text}");
    assert!(text.contains("barrier "), "{text}");
}
