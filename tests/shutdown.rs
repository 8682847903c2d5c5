//! What happens when `run` returns, when main panics, and when a runtime is
//! dropped with tasks still alive.

mod common;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use common::{DropFlag, Log, panic_message};
use looplet::{Builder, JoinHandle, run, spawn, yield_now};

/// Spawns a task that holds `guard` and never finishes, then lets it
/// start: something for a shutdown to drop.
async fn park_holding<G: 'static>(guard: G) {
    drop(spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    }));
    yield_now().await;
}

#[test]
fn leftover_tasks_are_dropped_before_run_returns() {
    let (flag_a, dropped_a) = DropFlag::new();
    let (flag_b, dropped_b) = DropFlag::new();
    run(async move {
        // One never polled, one parked.
        drop(spawn(async move {
            let _f = flag_a;
            std::future::pending::<()>().await
        }));
        let parked = spawn(async move {
            let _f = flag_b;
            std::future::pending::<()>().await
        });
        yield_now().await;
        drop(parked);
    });
    assert!(dropped_a.get() && dropped_b.get());
}

#[test]
fn tasks_spawned_by_destructors_during_shutdown_are_dropped_too() {
    struct SpawnOnDrop(Rc<Cell<u32>>, u32);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
            if self.1 > 0 {
                // A chain of destructors that spawn: each new task is
                // cancelled at once, so shutdown terminates.
                let next = SpawnOnDrop(self.0.clone(), self.1 - 1);
                drop(spawn(async move {
                    let _next = next;
                    std::future::pending::<()>().await
                }));
            }
        }
    }
    let drops = Rc::new(Cell::new(0));
    run({
        let drops = drops.clone();
        async move {
            let guard = SpawnOnDrop(drops, 5);
            drop(spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await
            }));
            yield_now().await;
        }
    });
    assert_eq!(drops.get(), 6);
}

/// A task whose destructor spawns the next, `links` long.
struct Link(Rc<Cell<u32>>, u32);

impl Drop for Link {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
        if self.1 > 0 {
            let next = Link(self.0.clone(), self.1 - 1);
            drop(spawn(async move {
                let _next = next;
                std::future::pending::<()>().await
            }));
        }
    }
}

/// Runs a program that leaves one task holding a chain of `links` links.
fn shut_down_a_chain(links: u32) -> Rc<Cell<u32>> {
    let drops = Rc::new(Cell::new(0));
    run({
        let drops = drops.clone();
        park_holding(Link(drops, links))
    });
    drops
}

/// Each link used to be dropped inside the `spawn` of the one before it,
/// so a long chain overflowed the stack and aborted the process.
#[test]
fn a_long_chain_of_destructors_that_spawn_ends_without_overflowing_the_stack() {
    assert_eq!(shut_down_a_chain(50_000).get(), 50_001);
}

#[test]
// Returns a handle out of `block_on` on purpose: tasks outlive it.
#[allow(clippy::async_yields_async)]
fn a_handle_kept_past_the_runtime_reports_cancelled() {
    let rt = Builder::new().build();
    let handle: JoinHandle<()> = rt.block_on(async { spawn(std::future::pending()) });
    drop(rt);
    assert!(handle.is_finished());
    // Awaiting it on another runtime gives the result at once.
    let err = run(handle).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn spawn_during_shutdown_from_a_destructor_reports_cancelled() {
    let seen = Rc::new(Cell::new(None));
    struct Spawner(Rc<Cell<Option<bool>>>);
    impl Drop for Spawner {
        fn drop(&mut self) {
            let late = spawn(async {});
            self.0.set(Some(late.is_finished()));
        }
    }
    run({
        let seen = seen.clone();
        async move {
            let spawner = Spawner(seen);
            drop(spawn(async move {
                let _s = spawner;
                std::future::pending::<()>().await
            }));
            yield_now().await;
        }
    });
    assert_eq!(seen.get(), Some(true));
}

#[test]
fn panic_in_main_propagates_after_tasks_are_dropped_and_the_thread_can_run_again() {
    let (flag, dropped) = DropFlag::new();
    let log = Log::new();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        run({
            let log = log.clone();
            async move {
                let l = log.clone();
                drop(spawn(async move {
                    let _f = flag;
                    l.push("task started");
                    std::future::pending::<()>().await
                }));
                yield_now().await;
                panic!("main failed on purpose");
            }
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(panic_message(&*payload), "main failed on purpose");
    assert!(
        dropped.get(),
        "the task was dropped before the panic left `run`"
    );
    assert_eq!(log.take(), ["task started"]);
    // The thread is usable again.
    assert_eq!(run(async { spawn(async { 3 }).await.unwrap() }), 3);
}

#[test]
fn panic_in_block_on_leaves_the_runtime_usable() {
    let rt = Builder::new().build();
    let result = panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(async { panic!("once") })));
    assert!(result.is_err());
    assert_eq!(rt.block_on(async { spawn(async { 4 }).await.unwrap() }), 4);
}

#[test]
fn dropping_a_runtime_cancels_its_tasks() {
    let rt = Builder::new().build();
    let (flag, dropped) = DropFlag::new();
    rt.block_on(async move {
        drop(spawn(async move {
            let _f = flag;
            std::future::pending::<()>().await
        }));
    });
    assert!(!dropped.get(), "tasks outlive a block_on");
    drop(rt);
    assert!(dropped.get());
}

#[test]
fn a_panicking_destructor_at_shutdown_is_raised_after_everything_is_dropped() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor panicked at shutdown");
        }
    }
    let (flag, dropped) = DropFlag::new();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        run(async move {
            drop(spawn(async move {
                let _p = PanicOnDrop;
                std::future::pending::<()>().await
            }));
            drop(spawn(async move {
                let _f = flag;
                std::future::pending::<()>().await
            }));
            yield_now().await;
        })
    }));
    assert_eq!(
        panic_message(&*result.unwrap_err()),
        "destructor panicked at shutdown"
    );
    assert!(dropped.get(), "the other task was still dropped");
}

#[test]
fn a_runtime_dropped_inside_another_cancels_what_its_destructors_spawn() {
    // A task of runtime A whose destructor spawns. A is dropped inside a
    // task of runtime B: the spawn must reach A (which is shutting down and
    // cancels it at once), not B, which would run it.
    let log = Log::new();
    struct Spawner(Log);
    impl Drop for Spawner {
        fn drop(&mut self) {
            let log = self.0.clone();
            let late = spawn(async move { log.push("the destructor's task ran") });
            self.0
                .push(format!("spawned, finished at once: {}", late.is_finished()));
        }
    }
    let a = Builder::new().build();
    a.block_on(park_holding(Spawner(log.clone())));
    run(async move {
        let b_task = spawn(async { 1 });
        drop(a);
        // B is current again: its own spawns and wakes work as before.
        assert_eq!(spawn(async { 2 }).await.unwrap() + b_task.await.unwrap(), 3);
        yield_now().await;
    });
    assert_eq!(log.take(), ["spawned, finished at once: true"]);
}

#[test]
fn a_task_destructor_may_call_run_while_its_runtime_shuts_down() {
    // asyncio-style clean-up in a destructor: a fresh `run` for it. The
    // dying runtime is current but no longer running, so this is not a
    // nested `run`.
    let log = Log::new();
    struct CleansUp(Log);
    impl Drop for CleansUp {
        fn drop(&mut self) {
            let answer = run(async { spawn(async { 7 }).await.unwrap() });
            self.0.push(format!("clean-up ran: {answer}"));
        }
    }
    run(park_holding(CleansUp(log.clone())));
    assert_eq!(log.take(), ["clean-up ran: 7"]);
}

#[test]
fn run_in_a_destructor_inside_another_running_runtime_is_still_nested() {
    // Runtime A is dropped inside a task of runtime B, which is running:
    // a `run` in A's task destructor would block B, so it is refused.
    struct CleansUp;
    impl Drop for CleansUp {
        fn drop(&mut self) {
            run(async {});
        }
    }
    let a = Builder::new().build();
    a.block_on(park_holding(CleansUp));
    let err = run(async move { spawn(async move { drop(a) }).await.unwrap_err() });
    assert!(err.is_panic());
    let message = panic_message(&*err.into_panic());
    assert!(
        message.contains("cannot be called from within a running runtime"),
        "{message}"
    );
}

/// A `Runtime` kept in a `thread_local!` is dropped when its thread exits,
/// possibly after looplet's own thread-locals are gone. That must not abort
/// the process, so the check runs in a child process (an abort would take
/// this whole test binary down).
#[test]
fn a_runtime_in_a_thread_local_is_dropped_cleanly_at_thread_exit() {
    let output = common::run_child("thread_local_child", "LOOPLET_THREAD_LOCAL_CHILD");
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "{output:?}"
    );
}

/// Runs only as the child of the test above.
#[test]
fn thread_local_child() {
    if std::env::var_os("LOOPLET_THREAD_LOCAL_CHILD").is_none() {
        return;
    }
    thread_local! {
        static RT: std::cell::RefCell<Option<looplet::Runtime>> =
            const { std::cell::RefCell::new(None) };
    }
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = SetOnDrop(dropped.clone());
    std::thread::spawn(move || {
        // Registered before looplet's own thread-locals, so destroyed after
        // them.
        RT.with(|rt| *rt.borrow_mut() = Some(Builder::new().build()));
        RT.with(|rt| rt.borrow().as_ref().unwrap().block_on(park_holding(flag)));
    })
    .join()
    .unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task was dropped at thread exit"
    );
}
