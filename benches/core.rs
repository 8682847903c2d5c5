//! looplet's own hot paths: spawn + join, and a same-thread task switch.
//!
//! Run with `cargo bench -p looplet-bench --bench core`; `.ci/run` runs each
//! benchmark once in test mode (`cargo test -p looplet-bench --benches`).
//! The side-by-side comparison with tokio, async-executor and futures lives
//! in `benches/compare.rs`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use looplet::{Builder, Event, spawn, yield_now};

/// Tasks per iteration of `spawn_join`.
const TASKS: u64 = 10_000;
/// Yields per iteration of `task_switch`.
const SWITCHES: u64 = 10_000;
/// Waiting tasks per iteration of `event_fanout`.
const WAITERS: u64 = 10_000;
/// Round trips per iteration of `ping_pong`.
const ROUND_TRIPS: u64 = 10_000;

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

fn event(c: &mut Criterion) {
    let mut group = c.benchmark_group("event");
    let rt = Builder::new().build();
    group.throughput(Throughput::Elements(WAITERS));
    group.bench_function("fanout", |b| {
        // Many tasks block on one event; one `set` releases them all.
        b.iter(|| {
            rt.block_on(async {
                let event = Event::new();
                let handles: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let event = event.clone();
                        spawn(async move { event.wait().await })
                    })
                    .collect();
                yield_now().await;
                event.set();
                for handle in handles {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.throughput(Throughput::Elements(ROUND_TRIPS));
    group.bench_function("ping_pong", |b| {
        // Two tasks hand a turn back and forth: set the other's event, wait
        // on your own, clear it.
        b.iter(|| {
            rt.block_on(async {
                let (ping, pong) = (Event::new(), Event::new());
                let player = |mine: Event, theirs: Event, serve: bool| {
                    spawn(async move {
                        if serve {
                            theirs.set();
                        }
                        for _ in 0..ROUND_TRIPS {
                            mine.wait().await;
                            mine.clear();
                            theirs.set();
                        }
                    })
                };
                let a = player(ping.clone(), pong.clone(), true);
                let b = player(pong, ping, false);
                a.await.unwrap();
                b.await.unwrap();
            })
        })
    });
    group.finish();
}

criterion_group!(benches, spawn_join, event);
criterion_main!(benches);
