//! Join handles: results, cancellation, detaching, panics, and `JoinError`.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::{DropFlag, Log, Probe};
use looplet::{JoinError, JoinHandle, run, spawn, yield_now};

#[test]
fn cancel_before_first_poll_never_runs() {
    let ran = Rc::new(Cell::new(false));
    run({
        let ran = ran.clone();
        async move {
            let (flag, dropped) = DropFlag::new();
            let task = spawn(async move {
                let _flag = flag;
                ran.set(true);
            });
            assert!(task.cancel());
            assert!(dropped.get(), "the future was dropped at once");
            assert!(task.is_finished());
            yield_now().await;
            let err = task.await.unwrap_err();
            assert!(err.is_cancelled() && !err.is_panic());
        }
    });
    assert!(!ran.get());
}

#[test]
fn cancel_while_pending_drops_the_future_at_once() {
    run(async {
        let (flag, dropped) = DropFlag::new();
        let probe = Probe::new();
        let task = spawn({
            let future = probe.future();
            async move {
                let _flag = flag;
                future.await;
            }
        });
        yield_now().await;
        assert_eq!(probe.polls(), 1);
        assert!(!dropped.get());
        assert!(task.cancel());
        assert!(dropped.get(), "destructors ran inside `cancel`");
        probe.wake(); // a stale wake of the cancelled task
        yield_now().await;
        assert_eq!(probe.polls(), 1, "a cancelled task is never polled again");
        assert!(task.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn cancel_after_finish_returns_false_and_keeps_the_output() {
    run(async {
        let task = spawn(async { "output" });
        yield_now().await;
        assert!(task.is_finished());
        assert!(!task.cancel());
        assert_eq!(task.await.unwrap(), "output");
    });
}

#[test]
fn cancel_twice_returns_false_the_second_time() {
    run(async {
        let task = spawn(std::future::pending::<()>());
        assert!(task.cancel());
        assert!(!task.cancel());
    });
}

#[test]
fn cancelled_while_queued_then_awaited_in_the_same_turn() {
    // The task is cancelled while its key sits in the run queue; the slot
    // must survive until the queue reaches it, then be freed.
    run(async {
        let task = spawn(async { 1 });
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        yield_now().await;
        let next = spawn(async { 2 });
        assert_eq!(next.await.unwrap(), 2);
    });
}

#[test]
fn a_task_cancelling_itself_ends_cancelled_after_its_poll() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let own: Rc<Cell<Option<JoinHandle<()>>>> = Rc::new(Cell::new(None));
            let task = spawn({
                let own = own.clone();
                let log = log.clone();
                async move {
                    yield_now().await;
                    let handle = own.take().unwrap();
                    log.push(format!("cancel returned {}", handle.cancel()));
                    own.set(Some(handle));
                    log.push("still running until this poll returns");
                    yield_now().await;
                    log.push("never reached");
                }
            });
            let id = task.id();
            own.set(Some(task));
            for _ in 0..4 {
                yield_now().await;
            }
            let task = own.take().unwrap();
            let err = task.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.id(), id);
        }
    });
    assert_eq!(
        log.take(),
        [
            "cancel returned true",
            "still running until this poll returns"
        ]
    );
}

#[test]
fn dropping_a_handle_detaches_the_task() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let inner = log.clone();
            drop(spawn(async move {
                yield_now().await;
                inner.push("detached task finished");
            }));
            for _ in 0..3 {
                yield_now().await;
            }
        }
    });
    assert_eq!(log.take(), ["detached task finished"]);
}

#[test]
fn detached_task_output_is_dropped_when_it_finishes() {
    run(async {
        let (flag, dropped) = DropFlag::new();
        drop(spawn(async move { flag }));
        yield_now().await;
        assert!(dropped.get(), "nobody will take the output: it is dropped");
    });
}

#[test]
fn a_panicking_task_does_not_take_the_others_down() {
    let log = Log::new();
    run({
        let log = log.clone();
        async move {
            let bad = spawn(async {
                yield_now().await;
                panic!("task failed on purpose");
            });
            let good = {
                let log = log.clone();
                spawn(async move {
                    for i in 0..3 {
                        log.push(format!("good {i}"));
                        yield_now().await;
                    }
                    "good result"
                })
            };
            let err = bad.await.unwrap_err();
            assert!(err.is_panic() && !err.is_cancelled());
            assert_eq!(
                err.to_string(),
                format!("{} panicked: task failed on purpose", err.id())
            );
            let payload = err.into_panic();
            assert_eq!(
                payload.downcast_ref::<&str>(),
                Some(&"task failed on purpose")
            );
            assert_eq!(good.await.unwrap(), "good result");
        }
    });
    assert_eq!(log.take(), ["good 0", "good 1", "good 2"]);
}

#[test]
fn panic_payload_of_any_type_comes_back() {
    run(async {
        let err = spawn(async { std::panic::panic_any(17u32) })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), format!("{} panicked", err.id()));
        assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 17);
    });
}

#[test]
fn join_error_is_a_send_sync_std_error() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    run(async {
        let task = spawn(std::future::pending::<()>());
        task.cancel();
        let err = task.await.unwrap_err();
        assert_error(&err);
        assert_eq!(err.to_string(), format!("{} was cancelled", err.id()));
        assert_eq!(
            format!("{err:?}"),
            format!("JoinError::Cancelled({})", err.id())
        );
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
        assert!(boxed.to_string().ends_with("was cancelled"));

        let err = spawn(async { panic!("boom") }).await.unwrap_err();
        assert_eq!(
            format!("{err:?}"),
            format!("JoinError::Panic({}, \"boom\")", err.id())
        );
        let payload = err
            .try_into_panic()
            .expect("a panic error gives its payload back");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));

        let task = spawn(async {});
        task.cancel();
        let cancelled: JoinError = task.await.unwrap_err();
        assert!(cancelled.try_into_panic().unwrap_err().is_cancelled());
    });
}

#[test]
#[should_panic(
    expected = "`JoinError::into_panic` called on the error of task 2, which was cancelled and \
                has no panic payload; check `is_panic` first, or use `try_into_panic`"
)]
fn into_panic_on_a_cancelled_error_panics_with_a_clear_message() {
    run(async {
        let task = spawn(async {});
        task.cancel();
        task.await.unwrap_err().into_panic();
    });
}

#[test]
fn awaiting_a_handle_registers_and_is_woken() {
    run(async {
        let probe = Probe::new();
        let task = spawn(probe.future());
        let waiter = spawn(async move { task.await.is_ok() });
        yield_now().await;
        yield_now().await;
        assert!(!waiter.is_finished());
        probe.ready.set(true);
        probe.wake();
        assert!(waiter.await.unwrap());
    });
}

// A task that awaits a handle with its own waker is kept by name
// (`task/named.rs`), not by a clone of its waker; these check that the
// name reaches it, and that any other waker is still kept and woken.

#[test]
fn a_task_awaiting_a_handle_is_woken_by_name_from_a_later_block_on() {
    let rt = looplet::Builder::new().start_paused(true).build();
    let release = looplet::Event::new();
    // The handle comes out of `block_on` to be awaited in a later one.
    #[allow(clippy::async_yields_async)]
    let waiter = rt.block_on(async {
        let release = release.clone();
        let task = spawn(async move { release.wait().await });
        let waiter = spawn(async move { task.await.is_ok() });
        yield_now().await;
        yield_now().await;
        assert!(!waiter.is_finished());
        waiter
    });
    // No runtime is current: the task is queued by its name, and its end
    // wakes the waiter by its name in the next `block_on`. Were that wake
    // lost, the timeout would end the wait.
    release.set();
    let out = rt.block_on(looplet::timeout(std::time::Duration::from_secs(1), waiter));
    assert!(out.expect("the task's end woke its waiter").unwrap());
}

#[test]
fn a_handle_polled_with_another_waker_wakes_that_waker() {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Context;

    struct Count(AtomicUsize);
    impl futures::task::ArcWake for Count {
        fn wake_by_ref(count: &Arc<Self>) {
            count.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    run(async {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let other = futures::task::waker(count.clone());
        // A task whose handle was polled with `other`, not with the
        // polling task's own waker: `other` is kept as a clone.
        let waiting_with_other = || {
            let probe = Probe::new();
            let mut handle = spawn(probe.future());
            assert!(
                Pin::new(&mut handle)
                    .poll(&mut Context::from_waker(&other))
                    .is_pending()
            );
            (probe, handle)
        };
        // Woken once when the task ends.
        let (probe, handle) = waiting_with_other();
        yield_now().await;
        probe.ready.set(true);
        probe.wake();
        yield_now().await;
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
        assert!(handle.await.is_ok());

        // Polled again by this task, the handle's waiter is the task now:
        // the clone is let go, and the task's end wakes the task instead.
        let (probe, mut handle) = waiting_with_other();
        assert!(common::poll_once(&mut handle).await.is_pending());
        assert_eq!(Arc::strong_count(&count), 2, "the clone was let go");
        yield_now().await;
        probe.ready.set(true);
        probe.wake();
        assert!(handle.await.is_ok());
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            1,
            "the replaced waker was not woken"
        );
    });
}

#[test]
fn cancel_on_drop_cancels_and_into_inner_disarms() {
    run(async {
        let (flag, dropped) = DropFlag::new();
        let guard = spawn(async move {
            let _flag = flag;
            std::future::pending::<()>().await
        })
        .cancel_on_drop();
        assert!(!guard.is_finished());
        drop(guard);
        assert!(dropped.get());

        let guard = spawn(async { 5 }).cancel_on_drop();
        let handle = guard.into_inner();
        yield_now().await;
        assert_eq!(handle.await.unwrap(), 5);
    });
}

#[test]
fn cancelling_a_task_whose_destructor_panics_propagates_to_the_caller() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor panicked");
        }
    }
    run(async {
        let victim = spawn(async {
            let _p = PanicOnDrop;
            std::future::pending::<()>().await
        });
        yield_now().await;
        let canceller = spawn(async move {
            victim.cancel();
        });
        let err = canceller.await.unwrap_err();
        assert!(
            err.is_panic(),
            "the panic went to the task that called cancel"
        );
    });
}

#[test]
fn a_waker_clone_that_uses_the_runtime_finds_the_task_table_unborrowed() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Context;
    // The clone spawns a task: it must not find the scheduler borrowed by
    // the handle that is cloning it.
    let clones = Rc::new(Cell::new(0));
    run({
        let clones = clones.clone();
        async move {
            let waker = common::clone_hook::waker(move || {
                drop(spawn(async {}));
                clones.set(clones.get() + 1);
            });
            let mut cx = Context::from_waker(&waker);
            let mut handle = spawn(std::future::pending::<()>());
            assert!(Pin::new(&mut handle).poll(&mut cx).is_pending());
            let mut waiting = looplet::wait(
                [spawn(std::future::pending::<()>())],
                looplet::ReturnWhen::FirstCompleted,
            );
            assert!(Pin::new(&mut waiting).poll(&mut cx).is_pending());
            handle.cancel();
        }
    });
    assert_eq!(clones.get(), 2, "one clone per registration");
}

#[test]
fn awaiting_a_handle_inside_another_runtime_panics_instead_of_hanging() {
    let a = looplet::Builder::new().build();
    let unfinished = a.spawn(async { 1 });
    let b = looplet::Builder::new().build();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.block_on(unfinished)));
    let message = common::panic_message(&*caught.unwrap_err());
    assert!(
        message.contains("was awaited inside another runtime's `block_on`"),
        "{message}"
    );
    // `wait` and `gather` look at handles the same way.
    let unfinished = a.spawn(async { 2 });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.block_on(looplet::gather([unfinished]))
    }));
    assert!(caught.is_err());

    // A finished task's handle is fine anywhere, and so is a handle polled
    // while no runtime is running (by hand or by another executor).
    let finished = a.spawn(async { 3 });
    a.block_on(yield_now());
    assert_eq!(b.block_on(finished).unwrap(), 3);
    let mut later = a.spawn(async { 4 });
    assert!(
        futures::executor::block_on(async { common::poll_once(&mut later).await }).is_pending()
    );
    assert_eq!(a.block_on(later).unwrap(), 4);
}

#[test]
fn a_task_cancelled_during_the_poll_that_completes_it_ends_cancelled() {
    // asyncio: a task cancelled during its last step ends cancelled even
    // though the step finished the coroutine. Its output is dropped.
    let (flag, output_dropped) = DropFlag::new();
    run(async move {
        let own: Rc<Cell<Option<JoinHandle<DropFlag>>>> = Rc::new(Cell::new(None));
        let task = spawn({
            let own = own.clone();
            async move {
                yield_now().await;
                let handle = own.take().unwrap();
                assert!(handle.cancel(), "not finished yet: this poll is running");
                own.set(Some(handle));
                flag // Ready, in the same poll
            }
        });
        own.set(Some(task));
        yield_now().await;
        yield_now().await;
        let task = own.take().unwrap();
        assert!(task.is_finished());
        assert!(matches!(task.await, Err(e) if e.is_cancelled()));
    });
    assert!(
        output_dropped.get(),
        "the output of a cancelled task is dropped"
    );
}

#[test]
fn a_named_tasks_handle_and_error_carry_its_name() {
    looplet::run(async {
        let named = looplet::spawn_named(String::from("worker"), async { 1 });
        assert_eq!(named.name().as_deref(), Some("worker"));
        assert!(format!("{named:?}").contains("name: Some(\"worker\")"));
        assert_eq!(named.await.unwrap(), 1);

        let plain = looplet::spawn(async {});
        assert_eq!(plain.name(), None);

        let boom = looplet::spawn_named("parser", async { panic!("bad input") });
        let err = boom.await.unwrap_err();
        assert_eq!(err.name(), Some("parser"));
        let id = err.id();
        assert_eq!(
            err.to_string(),
            format!("{id} 'parser' panicked: bad input")
        );
        assert_eq!(
            format!("{err:?}"),
            format!("JoinError::Panic({id} 'parser', \"bad input\")")
        );

        let stopped = looplet::spawn_named("stopped", std::future::pending::<()>());
        stopped.cancel();
        let err = stopped.await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{} 'stopped' was cancelled", err.id())
        );

        let err = {
            let plain = looplet::spawn(std::future::pending::<()>());
            plain.cancel();
            plain.await.unwrap_err()
        };
        assert_eq!(err.name(), None);
        assert_eq!(err.to_string(), format!("{} was cancelled", err.id()));
    });
}

#[test]
fn names_need_not_be_unique() {
    looplet::run(async {
        let a = looplet::spawn_named("same", async { 'a' });
        let b = looplet::spawn_named("same", async { 'b' });
        assert_ne!(a.id(), b.id());
        assert_eq!((a.await.unwrap(), b.await.unwrap()), ('a', 'b'));
    });
}
