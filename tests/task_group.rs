//! `TaskGroup`: asyncio's `asyncio.TaskGroup` on the virtual clock, after
//! CPython's `Lib/test/test_asyncio/test_taskgroups.py` where the cases map.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::{DropFlag, Log, Probe, panic_message};
use looplet::{Builder, Runtime, TaskGroup, sleep, stats, yield_now};

fn paused() -> Runtime {
    Builder::new().start_paused(true).build()
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn children_run_and_join_waits_for_the_last() {
    // CPython: test_taskgroup_01.
    paused().block_on(async {
        let tg = TaskGroup::new();
        let a = tg.spawn(async {
            sleep(MS * 100).await;
            42
        });
        let b = tg.spawn(async {
            sleep(MS * 200).await;
            11
        });
        let start = looplet::now();
        tg.join().await.unwrap();
        assert_eq!(looplet::now() - start, MS * 200);
        assert!(a.is_finished() && b.is_finished());
        assert_eq!(a.await.unwrap() + b.await.unwrap(), 53);
    });
}

#[test]
fn the_first_panic_cancels_every_other_task_and_join_reports_it() {
    // CPython: test_taskgroup_03/04 (one child raises, the others are
    // cancelled, the group raises an ExceptionGroup of one).
    paused().block_on(async {
        let log = Log::new();
        let tg = TaskGroup::new();
        let (guard, dropped) = DropFlag::new();
        let slow = tg.spawn({
            let log = log.clone();
            async move {
                let _guard = guard;
                sleep(MS * 1000).await;
                log.push("slow finished");
            }
        });
        let bad = tg.spawn(async {
            sleep(MS * 10).await;
            panic!("boom");
        });
        let start = looplet::now();
        let err = tg.join().await.unwrap_err();
        assert_eq!(
            looplet::now() - start,
            MS * 10,
            "join did not wait for the slow one"
        );
        assert_eq!(err.errors().len(), 1);
        assert_eq!(err.errors()[0].id(), bad.id());
        assert!(dropped.get(), "the sibling's future was dropped");
        assert!(slow.await.unwrap_err().is_cancelled());
        let own = bad.await.unwrap_err();
        assert!(own.is_panic());
        assert_eq!(own.to_string(), format!("{} panicked: boom", own.id()));
        assert_eq!(log.take(), Vec::<String>::new());
    });
}

#[test]
fn siblings_are_cancelled_before_any_other_task_is_polled() {
    paused().block_on(async {
        let tg = TaskGroup::new();
        let probes: Vec<Probe> = (0..3).map(|_| Probe::new()).collect();
        drop(tg.spawn(async { panic!("first") }));
        for probe in &probes {
            drop(tg.spawn(probe.future()));
        }
        // All four are queued in the same turn; the panic comes first.
        let err = tg.join().await.unwrap_err();
        assert_eq!(err.errors().len(), 1);
        assert!(probes.iter().all(|p| p.polls() == 0), "none was polled");
    });
}

#[test]
fn the_group_keeps_the_payload_and_the_task_the_message() {
    paused().block_on(async {
        #[derive(Debug, PartialEq)]
        struct Custom(u32);
        let tg = TaskGroup::new();
        let bad = tg.spawn(async { std::panic::panic_any(Custom(7)) });
        let err = tg.join().await.unwrap_err();
        let payload = err.into_errors().remove(0).into_panic();
        assert_eq!(payload.downcast_ref::<Custom>(), Some(&Custom(7)));
        let own = bad.await.unwrap_err();
        assert!(own.is_panic());
        assert!(
            own.to_string()
                .contains("its payload is in the group's error")
        );
    });
}

#[test]
fn a_sibling_whose_destructor_panics_is_reported_too() {
    paused().block_on(async {
        struct PanicsOnDrop;
        impl Drop for PanicsOnDrop {
            fn drop(&mut self) {
                panic!("in drop");
            }
        }
        let tg = TaskGroup::new();
        drop(tg.spawn(async {
            let _guard = PanicsOnDrop;
            sleep(MS * 1000).await;
        }));
        drop(tg.spawn(async {
            sleep(MS).await;
            panic!("first");
        }));
        let err = tg.join().await.unwrap_err();
        let messages: Vec<_> = err
            .into_errors()
            .into_iter()
            .map(|e| panic_message(&*e.into_panic()))
            .collect();
        assert_eq!(messages, ["first", "in drop"]);
    });
}

#[test]
fn a_task_cancelled_alone_does_not_fail_the_group() {
    // CPython: test_taskgroup_cancel_children_on_child_error's converse.
    paused().block_on(async {
        let tg = TaskGroup::new();
        let lonely = tg.spawn(std::future::pending::<()>());
        let other = tg.spawn(async {
            sleep(MS * 5).await;
            "other"
        });
        yield_now().await;
        lonely.cancel();
        tg.join().await.unwrap();
        assert_eq!(other.await.unwrap(), "other");
    });
}

#[test]
fn cancel_stops_every_task_and_join_is_ok() {
    paused().block_on(async {
        let tg = TaskGroup::new();
        let tasks: Vec<_> = (0..3)
            .map(|_| tg.spawn(std::future::pending::<()>()))
            .collect();
        yield_now().await;
        tg.cancel();
        tg.join().await.unwrap();
        for task in tasks {
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn spawn_after_a_failure_drops_the_future_unpolled() {
    paused().block_on(async {
        let tg = TaskGroup::new();
        drop(tg.spawn(async { panic!("boom") }));
        yield_now().await;
        let probe = Probe::new();
        let late = tg.spawn(probe.future());
        assert!(late.is_finished());
        assert!(late.await.unwrap_err().is_cancelled());
        assert_eq!(probe.polls(), 0);
        assert!(tg.join().await.is_err());
    });
}

#[test]
fn spawn_after_cancel_drops_the_future_unpolled() {
    paused().block_on(async {
        let tg = TaskGroup::new();
        tg.cancel();
        let probe = Probe::new();
        let late = tg.spawn(probe.future());
        assert!(late.await.unwrap_err().is_cancelled());
        assert_eq!(probe.polls(), 0);
        tg.join().await.unwrap();
    });
}

#[test]
fn dropping_an_unjoined_group_cancels_its_tasks() {
    paused().block_on(async {
        let (guard, dropped) = DropFlag::new();
        let tg = TaskGroup::new();
        let task = tg.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        yield_now().await;
        drop(tg);
        assert!(dropped.get());
        assert!(task.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_timeout_around_join_cancels_the_group() {
    // asyncio: cancelling the `async with tg:` block cancels its tasks.
    paused().block_on(async {
        let finished = Rc::new(Cell::new(false));
        let tg = TaskGroup::new();
        drop(tg.spawn({
            let finished = finished.clone();
            async move {
                sleep(MS * 100).await;
                finished.set(true);
            }
        }));
        assert!(looplet::timeout(MS * 10, tg.join()).await.is_err());
        sleep(MS * 200).await;
        assert!(!finished.get());
        assert_eq!(stats().tasks_cancelled, 1);
    });
}

#[test]
fn an_empty_group_joins_at_once() {
    paused().block_on(async {
        TaskGroup::new().join().await.unwrap();
    });
}

#[test]
fn debug_shows_the_books() {
    paused().block_on(async {
        let tg = TaskGroup::new();
        drop(tg.spawn(async {}));
        assert_eq!(
            format!("{tg:?}"),
            "TaskGroup { tasks: 1, live: 1, panicked: 0, cancelled: false }"
        );
        tg.join().await.unwrap();
    });
}

#[test]
fn spawn_outside_a_runtime_panics_and_leaves_the_group_usable() {
    let tg = TaskGroup::new();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(tg.spawn(async {}))));
    let message = panic_message(&*result.unwrap_err());
    assert!(message.contains("called outside a runtime"), "{message}");
    paused().block_on(async move { tg.join().await.unwrap() });
}

#[test]
fn spawn_into_a_group_during_shutdown_is_cancelled_cleanly() {
    struct SpawnOnDrop(Rc<TaskGroup>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let late = self.0.spawn(async {});
            assert!(late.is_finished(), "cancelled at once");
        }
    }
    let group = Rc::new(TaskGroup::new());
    let rt = paused();
    rt.block_on({
        let group = group.clone();
        async move {
            drop(looplet::spawn(async move {
                let _spawns = SpawnOnDrop(group);
                std::future::pending::<()>().await
            }));
            yield_now().await;
        }
    });
    drop(rt);
    assert_eq!(
        format!("{group:?}"),
        "TaskGroup { tasks: 1, live: 0, panicked: 0, cancelled: false }"
    );
}

#[test]
fn a_panic_in_a_finished_futures_destructor_fails_the_group() {
    struct ReadyThenPanicOnDrop;
    impl std::future::Future for ReadyThenPanicOnDrop {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            std::task::Poll::Ready(())
        }
    }
    impl Drop for ReadyThenPanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor of a finished group task");
        }
    }
    paused().block_on(async {
        let tg = TaskGroup::new();
        let bad = tg.spawn(ReadyThenPanicOnDrop);
        let sibling = tg.spawn(sleep(MS * 60_000));
        let start = looplet::now();
        let err = tg.join().await.unwrap_err();
        assert_eq!(
            looplet::now(),
            start,
            "the sibling was cancelled, not waited for"
        );
        assert_eq!(err.errors().len(), 1);
        assert!(bad.await.unwrap_err().is_panic());
        assert!(sibling.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_group_dropped_inside_its_own_task_lets_that_task_finish() {
    paused().block_on(async {
        let slot = Rc::new(std::cell::RefCell::new(Some(TaskGroup::new())));
        let other = slot
            .borrow()
            .as_ref()
            .unwrap()
            .spawn(std::future::pending::<()>());
        let me = slot.borrow().as_ref().unwrap().spawn({
            let slot = slot.clone();
            async move {
                yield_now().await;
                drop(slot.borrow_mut().take());
                "finished its work"
            }
        });
        assert_eq!(me.await.unwrap(), "finished its work");
        assert!(other.await.unwrap_err().is_cancelled());
    });
}
