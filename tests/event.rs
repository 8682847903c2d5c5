//! `Event`: asyncio's semantics with exact orders, waiter hygiene,
//! re-entrant wakers, and use under other executors.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use common::Log;
use futures::task::ArcWake;
use looplet::{Event, JoinHandle, run, spawn, yield_now};

/// A waker that counts its wakes.
struct CountingWaker(AtomicUsize);

impl CountingWaker {
    fn new() -> (Arc<Self>, Waker) {
        let arc = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = futures::task::waker(arc.clone());
        (arc, waker)
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl ArcWake for CountingWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `fut` once with `waker`.
fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Spawns a task that waits on `event`, then logs `name`.
fn waiter(event: &Event, log: &Log, name: impl Into<String>) -> JoinHandle<()> {
    let (event, log, name) = (event.clone(), log.clone(), name.into());
    spawn(async move {
        event.wait().await;
        log.push(name);
    })
}

#[test]
fn cpython_test_wait_resumes_as_3_1_2() {
    // CPython Lib/test/test_asyncio/test_locks.py, EventTests.test_wait.
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let t1 = waiter(&ev, &log, "1");
            let t2 = waiter(&ev, &log, "2");
            yield_now().await;
            assert_eq!(log.snapshot(), Vec::<String>::new());
            let t3 = waiter(&ev, &log, "3");
            ev.set();
            yield_now().await;
            assert_eq!(log.snapshot(), ["3", "1", "2"]);
            for t in [t1, t2, t3] {
                t.await.unwrap();
            }
        }
    });
}

#[test]
fn waiters_resume_in_the_order_they_began_waiting() {
    // Tasks 1, 3, 5, 9 are spawned in that order but begin waiting in the
    // order 5, 3, 9, 1 (each yields a different number of times first).
    // They resume in waiting order, behind a task queued before `set` and
    // ahead of one queued after it.
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let delays = [(1, 3), (3, 1), (5, 0), (9, 2)];
            let handles: Vec<_> = delays
                .into_iter()
                .map(|(n, yields)| {
                    let (ev, log) = (ev.clone(), log.clone());
                    spawn(async move {
                        for _ in 0..yields {
                            yield_now().await;
                        }
                        log.push(format!("waiting {n}"));
                        ev.wait().await;
                        log.push(format!("resumed {n}"));
                    })
                })
                .collect();
            for _ in 0..5 {
                yield_now().await;
            }
            let before = {
                let log = log.clone();
                spawn(async move { log.push("queued before set") })
            };
            ev.set();
            let after = {
                let log = log.clone();
                spawn(async move { log.push("queued after set") })
            };
            for h in handles.into_iter().chain([before, after]) {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(
        log.take(),
        [
            "waiting 5",
            "waiting 3",
            "waiting 9",
            "waiting 1",
            "queued before set",
            "resumed 5",
            "resumed 3",
            "resumed 9",
            "resumed 1",
            "queued after set",
        ]
    );
}

#[test]
fn set_then_clear_releases_every_blocked_waiter() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let handles: Vec<_> = (0..4).map(|i| waiter(&ev, &log, i.to_string())).collect();
            yield_now().await;
            ev.set();
            ev.clear();
            assert!(!ev.is_set());
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(log.take(), ["0", "1", "2", "3"]);
}

#[test]
fn set_clear_set_wakes_a_blocked_waiter_once() {
    let ev = Event::new();
    let (count, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &waker).is_pending());
    ev.set();
    ev.clear();
    ev.set();
    assert_eq!(count.count(), 1);
    assert!(poll_once(&mut wait, &waker).is_ready());
}

#[test]
fn set_on_a_set_event_does_nothing() {
    let ev = Event::new();
    ev.set();
    ev.set();
    assert!(ev.is_set());
    assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");
}

#[test]
fn clear_only_lowers_the_flag() {
    let ev = Event::new();
    let (count, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &waker).is_pending());
    ev.clear(); // on a flag that is already down: still waiting, not woken
    assert_eq!(count.count(), 0);
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
    assert!(poll_once(&mut wait, &waker).is_pending());
}

#[test]
fn wait_on_a_set_event_is_ready_on_first_poll_without_yielding() {
    let ev = Event::new();
    ev.set();
    let (count, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &waker).is_ready());
    assert_eq!(count.count(), 0, "no self-wake: it did not yield");
    // And inside looplet: no other task runs in between.
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            ev.set();
            let other = {
                let log = log.clone();
                spawn(async move { log.push("other") })
            };
            ev.wait().await;
            log.push("main after wait");
            other.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["main after wait", "other"]);
}

#[test]
fn wait_on_an_unset_event_suspends_at_least_once() {
    let ev = Event::new();
    let (_count, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &waker).is_pending());
    assert!(
        poll_once(&mut wait, &waker).is_pending(),
        "spurious polls stay pending"
    );
}

#[test]
fn dropping_a_pending_wait_removes_its_waiter_at_once() {
    let ev = Event::new();
    let (count, waker) = CountingWaker::new();
    for _ in 0..10_000 {
        let mut wait = Box::pin(ev.wait());
        assert!(poll_once(&mut wait, &waker).is_pending());
        drop(wait);
    }
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
    ev.set();
    assert_eq!(count.count(), 0, "no stray wake from dropped waiters");
}

#[test]
fn dropping_waiters_in_the_middle_keeps_the_others_in_order() {
    let ev = Event::new();
    let wakers: Vec<_> = (0..5).map(|_| CountingWaker::new()).collect();
    let mut waits: Vec<_> = (0..5).map(|_| Some(Box::pin(ev.wait()))).collect();
    for (wait, (_, waker)) in waits.iter_mut().zip(&wakers) {
        assert!(poll_once(wait.as_mut().unwrap(), waker).is_pending());
    }
    waits[1] = None;
    waits[3] = None;
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 3 }");
    ev.set();
    let counts: Vec<_> = wakers.iter().map(|(c, _)| c.count()).collect();
    assert_eq!(counts, [1, 0, 1, 0, 1]);
}

#[test]
fn a_cancelled_waiter_leaves_no_waiter_behind_and_a_later_set_is_harmless() {
    run(async {
        let ev = Event::new();
        let log = Log::new();
        let task = waiter(&ev, &log, "never");
        yield_now().await;
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
        assert!(task.cancel());
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
        ev.set();
        yield_now().await;
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(log.take(), Vec::<String>::new());
    });
}

#[test]
fn a_released_waiter_dropped_before_its_poll_is_harmless() {
    let ev = Event::new();
    let (count, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &waker).is_pending());
    ev.set();
    drop(wait);
    assert_eq!(count.count(), 1);
    // A new waiter reusing the slab slot is not confused with the old one.
    ev.clear();
    let (count2, waker2) = CountingWaker::new();
    let mut wait2 = Box::pin(ev.wait());
    assert!(poll_once(&mut wait2, &waker2).is_pending());
    ev.set();
    assert_eq!(count2.count(), 1);
}

#[test]
fn repolling_with_a_different_waker_keeps_only_the_latest() {
    let ev = Event::new();
    let (first, w1) = CountingWaker::new();
    let (second, w2) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &w1).is_pending());
    assert!(poll_once(&mut wait, &w2).is_pending());
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
    ev.set();
    assert_eq!((first.count(), second.count()), (0, 1));
}

thread_local! {
    /// The event a re-entrant waker touches (a waker must be `Send + Sync`,
    /// so it cannot hold the `!Send` event itself).
    static TOUCHED: RefCell<Option<Event>> = const { RefCell::new(None) };
}

/// A waker that, inside `wake`, reads, clears, sets and waits on the event.
struct ReentrantWaker;

impl ArcWake for ReentrantWaker {
    fn wake_by_ref(_: &Arc<Self>) {
        TOUCHED.with(|cell| {
            let event = cell.borrow().clone().unwrap();
            assert!(event.is_set());
            let _ = format!("{event:?}");
            event.clear();
            event.set();
            let (_, waker) = CountingWaker::new();
            let mut wait = Box::pin(event.wait());
            assert!(poll_once(&mut wait, &waker).is_ready());
        });
    }
}

#[test]
fn a_waker_that_touches_the_event_from_inside_wake_does_not_panic() {
    // One waiter takes `set`'s path of its own (no buffer); three, the
    // general one.
    for waiters in [1, 3] {
        let ev = Event::new();
        TOUCHED.with(|cell| *cell.borrow_mut() = Some(ev.clone()));
        let waker = futures::task::waker(Arc::new(ReentrantWaker));
        let mut waits: Vec<_> = (0..waiters).map(|_| Box::pin(ev.wait())).collect();
        for wait in &mut waits {
            assert!(poll_once(wait, &waker).is_pending());
        }
        ev.set();
        for wait in &mut waits {
            assert!(poll_once(wait, &waker).is_ready(), "{waiters} waiter(s)");
        }
        TOUCHED.with(|cell| cell.borrow_mut().take());
    }
}

#[test]
fn a_panicking_waker_in_set_does_not_strand_the_waiters_behind_it() {
    let ev = Event::new();
    let (first, w1) = CountingWaker::new();
    let (third, w3) = CountingWaker::new();
    let bad = common::panicking_waker();
    let mut waits: Vec<_> = (0..3).map(|_| Box::pin(ev.wait())).collect();
    for (wait, waker) in waits.iter_mut().zip([&w1, &bad, &w3]) {
        assert!(poll_once(wait, waker).is_pending());
    }
    let caught = std::panic::catch_unwind(AssertUnwindSafe(|| ev.set()));
    let payload = caught.expect_err("the waker's panic reaches set's caller");
    assert_eq!(common::panic_message(&*payload), "this waker panics");
    // The waker behind the panicking one was woken all the same, and the
    // event is in order: set, nobody left waiting, every wait released.
    assert_eq!((first.count(), third.count()), (1, 1));
    assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");
    for wait in &mut waits {
        assert!(poll_once(wait, &w1).is_ready());
    }
    ev.clear();
    let mut again = Box::pin(ev.wait());
    assert!(poll_once(&mut again, &w1).is_pending());
    ev.set();
    assert_eq!(first.count(), 2);
}

#[test]
fn a_wait_whose_waker_clone_panics_leaves_no_waiter_behind() {
    let ev = Event::new();
    let bad = common::clone_hook::waker(|| panic!("this clone panics"));
    let mut wait = Box::pin(ev.wait());
    let caught = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut wait, &bad)));
    assert!(caught.is_err());
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
    // The event still works, for this wait and for others.
    let (counter, good) = CountingWaker::new();
    assert!(poll_once(&mut wait, &good).is_pending());
    ev.set();
    assert_eq!(counter.count(), 1);
    assert!(poll_once(&mut wait, &good).is_ready());

    // On a re-poll the waiter stays, with its previous waker.
    ev.clear();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &good).is_pending());
    let caught = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut wait, &bad)));
    assert!(caught.is_err());
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
    ev.set();
    assert_eq!(counter.count(), 2);
}

#[test]
fn a_waker_clone_that_uses_the_event_finds_it_unborrowed() {
    let ev = Event::new();
    let setter = common::clone_hook::waker({
        let ev = ev.clone();
        move || {
            let _ = format!("{ev:?}");
            ev.set();
        }
    });
    // First poll: the clone sets the event, so the wait is ready at once.
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, &setter).is_ready());
    assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");

    // A re-poll: the clone's `set` releases this very waiter.
    ev.clear();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_once(&mut wait, futures::task::noop_waker_ref()).is_pending());
    assert!(poll_once(&mut wait, &setter).is_ready());
    assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");
}

#[test]
fn debug_reads_like_asyncio_repr() {
    let ev = Event::new();
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
    let (_c, waker) = CountingWaker::new();
    let mut a = Box::pin(ev.wait());
    let mut b = Box::pin(ev.wait());
    let _ = poll_once(&mut a, &waker);
    let _ = poll_once(&mut b, &waker);
    assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 2 }");
    ev.set();
    assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");
}

#[test]
fn clones_are_the_same_event_and_default_is_unset() {
    let ev = Event::default();
    let clone = ev.clone();
    assert!(!clone.is_set());
    clone.set();
    assert!(ev.is_set());
    ev.clear();
    assert!(!clone.is_set());
}

#[test]
fn works_under_futures_local_pool() {
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    let mut pool = LocalPool::new();
    let ev = Event::new();
    let log = Log::new();
    for i in 0..3 {
        let (ev, log) = (ev.clone(), log.clone());
        pool.spawner()
            .spawn_local(async move {
                ev.wait().await;
                log.push(format!("woke {i}"));
            })
            .unwrap();
    }
    pool.run_until_stalled();
    assert_eq!(log.snapshot(), Vec::<String>::new());
    ev.set();
    pool.run();
    assert_eq!(log.take(), ["woke 0", "woke 1", "woke 2"]);
    // And plain `block_on` on a set event.
    futures::executor::block_on(ev.wait());
}

#[test]
fn many_tasks_triggered_at_once() {
    let woken = Rc::new(Cell::new(0));
    run({
        let woken = woken.clone();
        async move {
            let ev = Event::new();
            let handles: Vec<_> = (0..10_000)
                .map(|_| {
                    let (ev, woken) = (ev.clone(), woken.clone());
                    spawn(async move {
                        ev.wait().await;
                        woken.set(woken.get() + 1);
                    })
                })
                .collect();
            yield_now().await;
            assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 10000 }");
            ev.set();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(woken.get(), 10_000);
}

#[test]
fn a_wait_in_a_task_of_its_own_is_asyncio_create_task_of_wait() {
    // asyncio: waiter = asyncio.create_task(event.wait()); ...; event.set()
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let event = Event::new();
            let waiter = spawn({
                let (event, log) = (event.clone(), log.clone());
                async move {
                    event.wait().await;
                    log.push("released");
                }
            });
            yield_now().await;
            assert!(!waiter.is_finished());
            assert_eq!(format!("{event:?}"), "Event { set: false, waiters: 1 }");
            log.push("set");
            event.set();
            waiter.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["set", "released"]);
}

// A task that waits with its own waker is kept by name (`task/named.rs`),
// not by a clone of its waker; these check that such a name still reaches
// its task from wherever `set` runs.

/// Spawns, on `rt`, a task that waits on `event`, returns 7, and counts
/// its polls in `polls`; returns once the task is parked on the event.
fn parked_waiter(rt: &looplet::Runtime, event: &Event, polls: &Rc<Cell<usize>>) -> JoinHandle<u32> {
    // The handle comes out of `block_on` to be awaited in a later one.
    #[allow(clippy::async_yields_async)]
    rt.block_on(async {
        let (event, polls) = (event.clone(), polls.clone());
        let mut wait = Box::pin(async move { event.wait().await });
        let handle = spawn(std::future::poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            wait.as_mut().poll(cx).map(|()| 7)
        }));
        yield_now().await;
        handle
    })
}

#[test]
fn a_set_outside_any_runtime_wakes_a_waiter_parked_in_one() {
    let rt = looplet::Builder::new().start_paused(true).build();
    let (event, polls) = (Event::new(), Rc::new(Cell::new(0)));
    let handle = parked_waiter(&rt, &event, &polls);
    assert_eq!(polls.get(), 1);
    // No runtime is current here: the waiter's runtime is found by its
    // number. Were the wake lost, the timeout below would end the wait.
    event.set();
    let out = rt.block_on(looplet::timeout(std::time::Duration::from_secs(1), handle));
    assert_eq!(out.expect("the set woke the waiter").unwrap(), 7);
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_set_inside_another_runtime_wakes_the_waiter_in_its_own_runtime_only() {
    let (a, b) = (
        looplet::Builder::new().start_paused(true).build(),
        looplet::Builder::new().start_paused(true).build(),
    );
    let (event_a, polls_a) = (Event::new(), Rc::new(Cell::new(0)));
    let (event_b, polls_b) = (Event::new(), Rc::new(Cell::new(0)));
    // Same shape on both runtimes: the two waiters have the same slot and
    // the same id, and differ only by runtime.
    let handle_a = parked_waiter(&a, &event_a, &polls_a);
    let _handle_b = parked_waiter(&b, &event_b, &polls_b);
    b.block_on(async {
        event_a.set();
        yield_now().await;
        yield_now().await;
    });
    assert_eq!(polls_b.get(), 1, "b's waiter was not woken");
    assert_eq!(polls_a.get(), 1, "a's waiter runs when a does");
    let out = a.block_on(looplet::timeout(
        std::time::Duration::from_secs(1),
        handle_a,
    ));
    assert_eq!(out.expect("the set in b woke a's waiter").unwrap(), 7);
    assert_eq!(polls_a.get(), 2);
}

#[test]
fn a_waiter_that_outlives_its_runtime_wakes_nobody_in_a_later_one() {
    type Wait = Pin<Box<dyn Future<Output = ()>>>;
    let event = Event::new();
    let rt = looplet::Builder::new().start_paused(true).build();
    // The wait lives outside the task that polls it, so it outlives the
    // runtime, still in line under that runtime's name for the task.
    let wait: Rc<RefCell<Option<Wait>>> = Rc::new(RefCell::new(Some(Box::pin({
        let event = event.clone();
        async move { event.wait().await }
    }))));
    rt.block_on(async {
        let wait = wait.clone();
        let _detached = spawn(std::future::poll_fn(move |cx| {
            wait.borrow_mut()
                .as_mut()
                .expect("a wait")
                .as_mut()
                .poll(cx)
        }));
        yield_now().await;
    });
    drop(rt);
    assert_eq!(format!("{event:?}"), "Event { set: false, waiters: 1 }");
    // A later runtime whose waiter has the same slot and id: the stale
    // name must not reach it.
    let later = looplet::Builder::new().start_paused(true).build();
    let (other, polls) = (Event::new(), Rc::new(Cell::new(0)));
    let _parked = parked_waiter(&later, &other, &polls);
    later.block_on(async {
        event.set();
        yield_now().await;
        yield_now().await;
    });
    assert_eq!(
        polls.get(),
        1,
        "the stale name woke a task of another runtime"
    );
    drop(wait.borrow_mut().take());
    assert_eq!(format!("{event:?}"), "Event { set: true, waiters: 0 }");
}
