//! `sync::Semaphore`, asyncio's `Semaphore` and `BoundedSemaphore`: ports
//! of CPython's `Lib/test/test_asyncio/test_locks.py` `SemaphoreTests`
//! (each test names the one it ports), plus the hand-off and cancellation
//! rules of design.md.

use std::cell::RefCell;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use looplet::sync::Semaphore;
use looplet::{Builder, Event, JoinHandle};

mod common;

fn paused() -> looplet::Runtime {
    Builder::new().start_paused(true).build()
}

async fn settle() {
    for _ in 0..4 {
        looplet::yield_now().await;
    }
}

/// Takes a permit, logs `n`, holds it until `go` is set.
fn holder(sem: &Semaphore, log: &Rc<RefCell<Vec<u32>>>, n: u32, go: &Event) -> JoinHandle<()> {
    let (sem, log, go) = (sem.clone(), log.clone(), go.clone());
    looplet::spawn(async move {
        let _permit = sem.acquire().await;
        log.borrow_mut().push(n);
        go.wait().await;
    })
}

/// Ports `SemaphoreTests.test_initial_value_zero`.
#[test]
fn test_initial_value_zero() {
    let sem = Semaphore::new(0);
    assert!(sem.is_locked());
    assert_eq!(sem.available_permits(), 0);
}

/// Ports `SemaphoreTests.test_repr`, as `Debug`.
#[test]
fn test_repr_as_debug() {
    let sem = Semaphore::new(1);
    assert_eq!(format!("{sem:?}"), "Semaphore { permits: 1, waiters: 0 }");
    let permit = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    assert!(
        waiter
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    );
    assert_eq!(format!("{sem:?}"), "Semaphore { permits: 0, waiters: 1 }");
    drop((waiter, permit));
    let bounded = Semaphore::bounded(2);
    assert_eq!(
        format!("{bounded:?}"),
        "Semaphore { permits: 2, bound: 2, waiters: 0 }"
    );
}

/// Ports `SemaphoreTests.test_semaphore` and `test_semaphore_value`.
#[test]
fn test_semaphore_value() {
    paused().block_on(async {
        let sem = Semaphore::new(1);
        assert!(!sem.is_locked());
        let permit = sem.acquire().await;
        assert!(sem.is_locked());
        assert_eq!(sem.available_permits(), 0);
        drop(permit);
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.is_locked());
    });
}

/// Ports `SemaphoreTests.test_acquire`: three permits, four waiters; the
/// first three go in, the fourth after a release.
#[test]
fn test_acquire() {
    paused().block_on(async {
        let sem = Semaphore::new(3);
        let log = Rc::new(RefCell::new(Vec::new()));
        let go: Vec<Event> = (0..4).map(|_| Event::new()).collect();
        let tasks: Vec<_> = (0..4)
            .map(|i| holder(&sem, &log, i, &go[i as usize]))
            .collect();
        settle().await;
        assert_eq!(*log.borrow(), [0, 1, 2]);
        assert!(sem.is_locked());
        go[1].set();
        settle().await;
        assert_eq!(*log.borrow(), [0, 1, 2, 3]);
        go.iter().for_each(Event::set);
        looplet::gather(tasks).await;
        assert_eq!(sem.available_permits(), 3);
    });
}

/// Ports `SemaphoreTests.test_acquire_cancel`: a cancelled waiter leaves
/// no entry and takes no permit.
#[test]
fn test_acquire_cancel() {
    paused().block_on(async {
        let sem = Semaphore::new(0);
        let task = holder(&sem, &Rc::default(), 0, &Event::new());
        settle().await;
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(format!("{sem:?}"), "Semaphore { permits: 0, waiters: 0 }");
    });
}

/// Ports `SemaphoreTests.test_acquire_cancel_before_awoken` and
/// `test_acquire_hang`: permits handed to waiters that are cancelled
/// before they run go on to the next waiters.
#[test]
fn test_acquire_cancel_before_awoken() {
    paused().block_on(async {
        let sem = Semaphore::new(0);
        let log = Rc::new(RefCell::new(Vec::new()));
        let go = Event::new();
        let t: Vec<_> = (0..4).map(|i| holder(&sem, &log, i, &go)).collect();
        settle().await;
        sem.release(); // granted to t0
        sem.release(); // granted to t1
        t[0].cancel();
        t[1].cancel();
        settle().await;
        assert_eq!(*log.borrow(), [2, 3], "both permits passed on");
        go.set();
        for task in t {
            let _ = task.await;
        }
        assert_eq!(sem.available_permits(), 2);
    });
}

/// Ports `SemaphoreTests.test_acquire_no_hang`: a waiter cancelled after
/// its grant on an otherwise idle semaphore gives the permit back.
#[test]
fn test_acquire_no_hang() {
    let sem = Semaphore::new(0);
    let mut cx = Context::from_waker(Waker::noop());
    let mut waiter = Box::pin(sem.acquire());
    assert!(waiter.as_mut().poll(&mut cx).is_pending());
    sem.release();
    assert_eq!(sem.available_permits(), 0, "granted, not counted");
    drop(waiter);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_some());
}

/// Ports `SemaphoreTests.test_release_not_acquired` (BoundedSemaphore).
#[test]
fn test_release_not_acquired_bounded_panics() {
    let sem = Semaphore::bounded(1);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sem.release())).unwrap_err();
    assert_eq!(
        common::panic_message(&*err),
        "`Semaphore::release` called too many times on a bounded semaphore; \
         release only permits that were acquired"
    );
    assert_eq!(sem.available_permits(), 1, "state unchanged by the panic");
    // An unbounded one just grows.
    let sem = Semaphore::new(1);
    sem.release();
    assert_eq!(sem.available_permits(), 2);
}

/// Ports `SemaphoreTests.test_release_no_waiters`.
#[test]
fn test_release_no_waiters() {
    let sem = Semaphore::bounded(1);
    sem.try_acquire().unwrap().forget();
    assert!(sem.is_locked());
    sem.release();
    assert!(!sem.is_locked());
}

/// Ports `SemaphoreTests.test_timeout_in_block`: a timed-out acquire
/// leaves the semaphore as it was.
#[test]
fn test_timeout_in_block() {
    paused().block_on(async {
        let sem = Semaphore::new(0);
        let r = looplet::timeout(Duration::from_millis(10), sem.acquire()).await;
        assert!(r.is_err());
        assert_eq!(format!("{sem:?}"), "Semaphore { permits: 0, waiters: 0 }");
    });
}

/// Ports `SemaphoreTests.test_acquire_fifo_order` / `_2` / `_3`: waiters
/// are served in the order they came, and a newcomer does not overtake
/// them even when a permit is free at that instant.
#[test]
fn test_acquire_fifo_order_no_barging() {
    let sem = Semaphore::new(1);
    let mut cx = Context::from_waker(Waker::noop());
    let held = sem.try_acquire().unwrap();
    let mut a = pin!(sem.acquire());
    let mut b = pin!(sem.acquire());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(b.as_mut().poll(&mut cx).is_pending());
    drop(held);
    assert!(sem.try_acquire().is_none(), "handed to a, not free");
    assert!(b.as_mut().poll(&mut cx).is_pending(), "b is behind a");
    let Poll::Ready(pa) = a.as_mut().poll(&mut cx) else {
        panic!("a was granted")
    };
    sem.release(); // a second permit: to b
    assert!(sem.is_locked());
    assert!(b.as_mut().poll(&mut cx).is_ready());
    drop(pa);
    assert_eq!(
        sem.available_permits(),
        2,
        "the first permit and the released one"
    );
}

/// A forgotten permit stays taken until released by hand.
#[test]
fn forget_keeps_the_permit_taken() {
    paused().block_on(async {
        let sem = Semaphore::new(2);
        sem.acquire().await.forget();
        assert_eq!(sem.available_permits(), 1);
        sem.release();
        assert_eq!(sem.available_permits(), 2);
    });
}

/// design.md: works under any executor (`futures::executor::block_on`).
#[test]
fn under_futures_block_on() {
    let sem = Semaphore::new(1);
    futures::executor::block_on(async {
        let p = sem.acquire().await;
        assert!(sem.is_locked());
        drop(p);
        let _q = sem.acquire().await;
    });
    assert_eq!(sem.available_permits(), 1);
}
