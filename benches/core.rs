//! looplet's own hot paths: spawn + join, and a same-thread task switch.
//!
//! Run with `cargo bench --bench core`; `.ci/run` runs each benchmark once
//! in test mode (`cargo test --benches`). The side-by-side comparison with
//! tokio, async-executor and futures lives in `benches/compare.rs`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use looplet::{Builder, spawn, yield_now};

/// Tasks per iteration of `spawn_join`.
const TASKS: u64 = 10_000;
/// Yields per iteration of `task_switch`.
const SWITCHES: u64 = 10_000;

fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("core");
    group.throughput(Throughput::Elements(TASKS));
    let rt = Builder::new().build();
    group.bench_function("spawn_join", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|i| spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.unwrap();
                }
                sum
            })
        })
    });
    group.throughput(Throughput::Elements(SWITCHES));
    group.bench_function("task_switch", |b| {
        // Two tasks yield to each other: each yield is one switch.
        b.iter(|| {
            rt.block_on(async {
                let a = spawn(async {
                    for _ in 0..SWITCHES / 2 {
                        yield_now().await;
                    }
                });
                let b = spawn(async {
                    for _ in 0..SWITCHES / 2 {
                        yield_now().await;
                    }
                });
                a.await.unwrap();
                b.await.unwrap();
            })
        })
    });
    group.finish();
}

criterion_group!(benches, spawn_join);
criterion_main!(benches);
