//! Threads and groups against tokio: `to_thread`, remote spawns through a
//! `Handle`, and a `TaskGroup`.
//!
//! ```sh
//! cargo bench -p looplet-bench --bench threads
//! python3 benches/python/asyncio_threads.py   # asyncio's to_thread, for the same table
//! ```
//!
//! | benchmark | what one iteration does | element |
//! |---|---|---|
//! | `to_thread_round_trip` | 1,000 sequential `to_thread(|| i).await` (tokio: `spawn_blocking`) | call |
//! | `remote_spawn` | a plain thread sends `N` trivial tasks through the runtime's handle; the runtime runs them all (main yields until a shared counter reaches `N`) | task |
//! | `group_spawn_join` | spawn `N` trivial tasks into a group and wait for all: looplet's `TaskGroup`, looplet's plain spawn + await each (the baseline the group is held to), tokio's `JoinSet` on a `LocalSet` | task |
//!
//! Runtimes are built once per benchmark and reused across iterations, so
//! worker threads are warm after the first. Take ratios within one run.
//! `cargo test -p looplet-bench --benches` runs each once, with small
//! counts, in a debug build.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::thread;

#[path = "support/remote_spawns.rs"]
mod remote;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Tasks per iteration of the spawn benchmarks.
const N: usize = if cfg!(debug_assertions) {
    2_000
} else {
    100_000
};

/// Calls per iteration of the round-trip benchmark.
const CALLS: usize = if cfg!(debug_assertions) { 50 } else { 1_000 };

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

fn to_thread_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("to_thread_round_trip");
    group.throughput(Throughput::Elements(CALLS as u64));
    let rt = looplet::Builder::new().build();
    group.bench_function("looplet", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..CALLS {
                    black_box(looplet::to_thread(move || i).await.unwrap());
                }
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..CALLS {
                    black_box(tokio::task::spawn_blocking(move || i).await.unwrap());
                }
            })
        })
    });
    group.finish();
}

/// One iteration of `remote_spawn`: a plain thread calls `send` `N` times
/// (each call spawns one task that bumps the counter it is given), while
/// `run` drives the runtime until the counter reaches `N`.
fn remote_spawns(send: impl Fn(Arc<AtomicUsize>) + Send + 'static, run: impl FnOnce(&AtomicUsize)) {
    let done = Arc::new(AtomicUsize::new(0));
    let sender = thread::spawn({
        let done = done.clone();
        move || (0..N).for_each(|_| send(done.clone()))
    });
    run(&done);
    sender.join().unwrap();
}

fn remote_spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("remote_spawn");
    group.throughput(Throughput::Elements(N as u64));
    let rt = looplet::Builder::new().build();
    group.bench_function("looplet", |b| {
        b.iter(|| {
            let handle = rt.handle();
            remote_spawns(
                move |done| remote::looplet_send(&handle, done),
                |done| remote::looplet_until(&rt, done, N),
            )
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let handle = rt.handle().clone();
            remote_spawns(
                move |done| remote::tokio_send(&handle, done),
                |done| remote::tokio_until(&rt, done, N),
            )
        })
    });
    group.finish();
}

fn group_spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("group_spawn_join");
    group.throughput(Throughput::Elements(N as u64));
    let rt = looplet::Builder::new().build();
    group.bench_function("looplet_group", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks = looplet::TaskGroup::new();
                for i in 0..N {
                    drop(tasks.spawn(async move { black_box(i) }));
                }
                tasks.join().await.unwrap();
            })
        })
    });
    group.bench_function("looplet_spawn_join", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..N)
                    .map(|i| looplet::spawn(async move { black_box(i) }))
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    let local = tokio::task::LocalSet::new();
    group.bench_function("tokio_joinset", |b| {
        b.iter(|| {
            local.block_on(&rt, async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..N {
                    set.spawn_local(async move { black_box(i) });
                }
                while let Some(done) = set.join_next().await {
                    done.unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    to_thread_round_trip,
    remote_spawn,
    group_spawn_join
);
criterion_main!(benches);
