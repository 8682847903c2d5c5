//! Misuse gets a clear panic message, never a hang.

mod common;

use std::panic::{self, AssertUnwindSafe};

use common::panic_message;
use looplet::{Builder, run, spawn, yield_now};

#[test]
#[should_panic(
    expected = "`looplet::spawn` called outside a runtime; call it from inside `looplet::run`"
)]
fn spawn_outside_a_runtime_panics_naming_the_fix() {
    drop(spawn(async {}));
}

#[test]
#[should_panic(expected = "`looplet::run` cannot be called from within a running runtime")]
fn nested_run_panics_like_asyncio() {
    run(async {
        run(async {});
    });
}

#[test]
#[should_panic(expected = "`Runtime::block_on` cannot be called from within a running runtime")]
fn nested_block_on_panics() {
    let outer = Builder::new().build();
    let inner = Builder::new().build();
    outer.block_on(async {
        inner.block_on(async {});
    });
}

#[test]
fn nested_run_inside_a_task_fails_only_that_task() {
    let err = run(async { spawn(async { run(async {}) }).await.unwrap_err() });
    let message = panic_message(&*err.into_panic());
    assert!(
        message.contains("cannot be called from within a running runtime"),
        "{message}"
    );
}

#[test]
fn thread_works_again_after_a_nested_run_panic() {
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(async { run(async {}) })));
    assert!(result.is_err());
    assert_eq!(run(async { 1 }), 1);
}

#[test]
#[should_panic(
    expected = "`JoinHandle` polled after it completed; it gives its result once, so await it \
                only once (polling by hand, stop at `Ready` or check `is_finished` first)"
)]
fn polling_a_handle_after_completion_panics() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Context;
    run(async {
        let mut handle = spawn(async {});
        yield_now().await;
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut handle).poll(&mut cx).is_ready());
        let _ = Pin::new(&mut handle).poll(&mut cx);
    });
}

/// asyncio raises "Task cannot await on itself"; before this was caught, the
/// task waited forever (and a paused clock blamed an event for the deadlock).
#[test]
fn a_task_awaiting_its_own_handle_panics_naming_the_mistake() {
    use std::cell::RefCell;
    use std::future::{Future, poll_fn};
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::Poll;

    let own: Rc<RefCell<Option<looplet::JoinHandle<()>>>> = Rc::default();
    let seen = Rc::new(RefCell::new(None::<String>));
    let id = run({
        let (own, seen) = (own.clone(), seen.clone());
        async move {
            let task = spawn({
                let (own, seen) = (own.clone(), seen.clone());
                async move {
                    let mut handle = own.borrow_mut().take().expect("main stored the handle");
                    let polled = poll_fn(|cx| {
                        Poll::Ready(panic::catch_unwind(AssertUnwindSafe(|| {
                            Pin::new(&mut handle).poll(cx)
                        })))
                    })
                    .await;
                    *seen.borrow_mut() = Some(match polled {
                        Err(payload) => panic_message(&*payload),
                        Ok(poll) => format!("no panic, the poll gave {poll:?}"),
                    });
                }
            });
            let id = task.id();
            own.borrow_mut().replace(task);
            yield_now().await;
            id
        }
    });
    let message = seen.borrow_mut().take().expect("the task ran");
    assert_eq!(
        message,
        format!(
            "{id} awaited its own `JoinHandle`, so it would wait for itself forever; \
             await the handle from another task"
        )
    );
}

/// A destructor that always spawns again never lets shutdown finish; it is
/// stopped after a documented number of generations with a panic that can
/// be caught (it used to overflow the stack and abort the process).
#[test]
fn an_endless_chain_of_destructors_that_spawn_ends_in_a_catchable_panic() {
    use std::cell::Cell;
    use std::rc::Rc;

    struct Forever(Rc<Cell<u32>>);
    impl Drop for Forever {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
            let next = Forever(self.0.clone());
            drop(spawn(async move {
                let _next = next;
                std::future::pending::<()>().await
            }));
        }
    }
    let drops = Rc::new(Cell::new(0));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        run({
            let forever = Forever(drops.clone());
            async move {
                drop(spawn(async move {
                    let _forever = forever;
                    std::future::pending::<()>().await
                }));
                yield_now().await;
            }
        })
    }));
    let message = panic_message(&*result.expect_err("shutdown gives up on an endless chain"));
    assert!(
        message.starts_with("`Runtime` shutdown stopped after 100000 generations of tasks"),
        "{message}"
    );
    // The task's own future, then one per generation; the next one leaked.
    assert_eq!(drops.get(), 100_001);
    assert_eq!(run(async { 7 }), 7, "the thread can run again");
}
