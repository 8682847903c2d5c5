//! `sync::Condition`: ports of CPython's
//! `Lib/test/test_asyncio/test_locks.py` `ConditionTests` (each test
//! names the one it ports), plus misuse panics and gh-112202.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Waker};

use looplet::sync::{Condition, Mutex};
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

/// A task that takes the lock, waits once, logs `n` and releases.
fn waiter(cond: &Condition<()>, log: &Rc<RefCell<Vec<u32>>>, n: u32) -> JoinHandle<()> {
    let (cond, log) = (cond.clone(), log.clone());
    looplet::spawn(async move {
        let guard = cond.lock().await;
        let _guard = cond.wait(guard).await;
        log.borrow_mut().push(n);
    })
}

/// Ports `ConditionTests.test_wait` and `test_notify`: notified waiters
/// wake oldest first, each only once the notifier releases the lock.
#[test]
fn test_wait_and_notify() {
    paused().block_on(async {
        let cond = Condition::new(());
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (1..=3).map(|n| waiter(&cond, &log, n)).collect();
        settle().await;
        assert!(log.borrow().is_empty());
        assert!(!cond.is_locked());
        let guard = cond.lock().await;
        cond.notify(1);
        settle().await;
        assert!(log.borrow().is_empty(), "the notifier still holds the lock");
        drop(guard);
        settle().await;
        assert_eq!(*log.borrow(), [1]);
        let guard = cond.lock().await;
        cond.notify(2);
        drop(guard);
        settle().await;
        assert_eq!(*log.borrow(), [1, 2, 3]);
        looplet::gather(tasks).await;
    });
}

/// Ports `ConditionTests.test_notify_all`.
#[test]
fn test_notify_all() {
    paused().block_on(async {
        let cond = Condition::new(());
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (1..=3).map(|n| waiter(&cond, &log, n)).collect();
        settle().await;
        let guard = cond.lock().await;
        cond.notify_all();
        drop(guard);
        looplet::gather(tasks).await;
        assert_eq!(*log.borrow(), [1, 2, 3]);
    });
}

/// Ports `ConditionTests.test_wait_cancel`: the waiter leaves no entry and
/// the lock is free.
#[test]
fn test_wait_cancel() {
    paused().block_on(async {
        let cond = Condition::new(());
        let task = waiter(&cond, &Rc::default(), 0);
        settle().await;
        assert_eq!(
            format!("{cond:?}"),
            "Condition { locked: false, waiters: 1 }"
        );
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(
            format!("{cond:?}"),
            "Condition { locked: false, waiters: 0 }"
        );
    });
}

/// Ports `ConditionTests.test_cancelled_wakeup` (gh-112202): a notified
/// waiter cancelled before it ran passes its notification on.
#[test]
fn test_cancelled_wakeup_passes_the_notification_on() {
    paused().block_on(async {
        let cond = Condition::new(());
        let log = Rc::new(RefCell::new(Vec::new()));
        let a = waiter(&cond, &log, 1);
        let b = waiter(&cond, &log, 2);
        settle().await;
        let guard = cond.lock().await;
        cond.notify(1); // to a
        a.cancel(); // before a runs
        drop(guard);
        settle().await;
        assert_eq!(*log.borrow(), [2], "b got a's notification");
        b.await.unwrap();
    });
}

/// Ports `ConditionTests.test_wait_for`.
#[test]
fn test_wait_for() {
    paused().block_on(async {
        let cond = Condition::new(false);
        let task = looplet::spawn({
            let cond = cond.clone();
            async move {
                let guard = cond.lock().await;
                let guard = cond.wait_for(guard, |ready| *ready).await;
                *guard
            }
        });
        settle().await;
        let guard = cond.lock().await;
        cond.notify(1); // predicate still false: waits again
        drop(guard);
        settle().await;
        assert!(!task.is_finished());
        let mut guard = cond.lock().await;
        *guard = true;
        cond.notify(1);
        drop(guard);
        assert!(task.await.unwrap());
    });
}

/// Ports `ConditionTests.test_notify_unacquired` and
/// `test_notify_all_unacquired`.
#[test]
fn test_notify_unacquired_panics() {
    let cond = Condition::new(());
    for all in [false, true] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if all {
                cond.notify_all()
            } else {
                cond.notify(1)
            }
        }))
        .unwrap_err();
        let what = if all { "notify_all" } else { "notify" };
        assert_eq!(
            common::panic_message(&*err),
            format!(
                "`Condition::{what}` called without the lock held; \
                 call it while holding the guard of `Condition::lock`"
            )
        );
    }
}

/// Ports `ConditionTests.test_explicit_lock` (and the "wait given another
/// mutex's guard" misuse of design.md).
#[test]
fn test_explicit_lock_and_wrong_guard() {
    let mutex = Mutex::new(1);
    let cond = Condition::with_mutex(mutex.clone());
    let guard = mutex.try_lock().unwrap();
    assert!(cond.is_locked());
    let wait = cond.wait(guard); // a clone of the same mutex: fine
    assert!(!mutex.is_locked());
    drop(wait);

    let other = Mutex::new(1);
    let guard = other.try_lock().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drop(cond.wait(guard));
    }))
    .unwrap_err();
    assert_eq!(
        common::panic_message(&*err),
        "`Condition::wait` given the guard of another mutex; \
         pass the guard from this condition's `lock`"
    );
}

/// Ports `ConditionTests.test_cancelled_error_re_aquire`: a wait dropped
/// while it takes the lock again leaves the lock's line, holding nothing.
#[test]
fn test_cancelled_while_reacquiring() {
    let cond = Condition::new(());
    let mut cx = Context::from_waker(Waker::noop());
    let guard = cond.lock();
    let guard = futures::executor::block_on(guard);
    let mut wait = Box::pin(cond.wait(guard));
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    let held = cond.lock();
    let held = futures::executor::block_on(held);
    cond.notify(1);
    assert!(
        wait.as_mut().poll(&mut cx).is_pending(),
        "queued for the lock"
    );
    drop(wait);
    drop(held);
    assert!(!cond.is_locked());
}

/// A wait polled again with another waker, whose clone notifies this very
/// condition (foreign code may): the notify releases the waiter while its
/// new waker is being made, and the wait must see that grant, not go back
/// in line with nobody left to wake it.
#[test]
fn a_waker_clone_that_notifies_releases_the_waiter() {
    paused().block_on(async {
        let cond = Condition::new(());
        let mut wait = Box::pin(cond.wait(cond.lock().await));
        assert!(common::poll_once(&mut wait).await.is_pending());
        let guard = cond.lock().await;
        let notifier = common::clone_hook::waker({
            let cond = cond.clone();
            move || cond.notify(1)
        });
        let mut cx = Context::from_waker(&notifier);
        assert!(wait.as_mut().poll(&mut cx).is_pending(), "the lock is held");
        drop(guard);
        let reacquired = looplet::timeout(std::time::Duration::from_secs(1), wait).await;
        assert!(reacquired.is_ok(), "the notified waiter was stranded");
        assert_eq!(
            format!("{cond:?}"),
            "Condition { locked: true, waiters: 0 }"
        );
    });
}
