//! The peers' own executor benchmarks, rewritten against the [`Rt`] trait
//! of `peers.rs` so that every runtime runs each one: the claim "faster
//! than every peer on its own benchmarks" is checked on the shapes the
//! peers chose, not only on ours. Used by `benches/examples/peer_suites.rs`.
//!
//! | workload | from | what one run does | element |
//! |---|---|---|---|
//! | `spawn_one` | async-executor `benches/executor.rs` | `n` times: a `block_on` that spawns one empty task and awaits it | `block_on` |
//! | `spawn_many_local` | tokio `benches/rt_current_thread.rs` | `n / 1,000` times: a `block_on` that spawns 1,000 empty tasks, then awaits each handle | task |
//! | `spawn_recursively` | async-executor | 300 tasks, each a chain of `n / 300` tasks: each spawns the next (a boxed future) and awaits it | task |
//! | `yield_many` | async-executor's `yield_now` | 300 tasks yield `n / 300` times each | yield |
//!
//! Rewritten, not copied: the peers drive a `Send` executor from another
//! thread (async-executor) or a multi-threaded handle (tokio's remote
//! cases); here each runs on its single-threaded runtime as the five core
//! workloads do. tokio's `spawn_many_remote_*` cases need a handle other
//! threads can spawn through, which only looplet and tokio have; they are
//! the remote spawn of `benches/threads.rs`.
#![allow(dead_code)] // each includer uses part of it

use std::future::Future;
use std::pin::Pin;

use super::peers::Rt;

/// The workloads' names, in the order of the table above.
pub const NAMES: [&str; 4] = [
    "spawn_one",
    "spawn_many_local",
    "spawn_recursively",
    "yield_many",
];

/// Tasks of `spawn_recursively` and `yield_many`, as async-executor has them.
const TASKS: usize = 300;

/// Tasks per `block_on` of `spawn_many_local`, as tokio has it.
const BATCH: usize = 1_000;

/// Runs workload `name` with about `n` elements on `rt`, calling
/// `block_on` as the peer's benchmark does; the number of elements it ran
/// (a multiple of the workload's batch), or `None` if there is no workload
/// by that name.
pub fn run<R: Rt>(rt: &mut R, name: &str, n: usize) -> Option<usize> {
    match name {
        "spawn_one" => {
            for _ in 0..n {
                rt.block_on(async { R::join(R::spawn(async {})).await });
            }
            Some(n)
        }
        "spawn_many_local" => {
            let batches = (n / BATCH).max(1);
            let mut handles = Vec::with_capacity(BATCH);
            for _ in 0..batches {
                rt.block_on(async {
                    handles.extend((0..BATCH).map(|_| R::spawn(async {})));
                    for handle in handles.drain(..) {
                        R::join(handle).await;
                    }
                });
            }
            Some(batches * BATCH)
        }
        "spawn_recursively" => {
            let steps = (n / TASKS).max(1);
            rt.block_on(each_task::<R, _>(|| chain::<R>(steps)));
            Some(TASKS * steps)
        }
        "yield_many" => {
            let steps = (n / TASKS).max(1);
            rt.block_on(each_task::<R, _>(|| async move {
                for _ in 0..steps {
                    R::yield_now().await;
                }
            }));
            Some(TASKS * steps)
        }
        _ => None,
    }
}

/// Spawns [`TASKS`] tasks running `task()` and awaits them all.
async fn each_task<R: Rt, F: Future<Output = ()> + 'static>(task: impl Fn() -> F) {
    let handles: Vec<_> = (0..TASKS).map(|_| R::spawn(task())).collect();
    for handle in handles {
        R::join(handle).await;
    }
}

/// A chain of `i` tasks: each spawns the rest of the chain as a boxed
/// future and awaits it.
fn chain<R: Rt>(i: usize) -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {
        if i != 0 {
            R::join(R::spawn(async move { chain::<R>(i - 1).await })).await;
        }
    })
}
