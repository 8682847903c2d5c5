//! The timing wheel on its own: insert + cancel with many timers live, and
//! firing a large batch.
//!
//! `cargo bench -p looplet-bench --bench wheel`. The insert + cancel pair
//! is the cost every `timeout` that does not elapse pays; the goal is at
//! most 40 ns per pair, flat from 0 to 1,000,000 live timers. A `BTreeMap`
//! keyed by `(deadline, seq)`, the obvious alternative, is measured beside
//! it.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use looplet::time::wheel::Wheel;

/// Nanoseconds per tick, as the runtime uses.
const TICK: u64 = 1_000_000;

/// A small deterministic generator, so every run uses the same deadlines.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Deadlines spread over about 17 minutes, so the live timers sit on
/// every level from 0 to 3.
fn deadline(rng: &mut XorShift) -> u64 {
    TICK + rng.next() % (1_000_000 * TICK)
}

fn insert_cancel(c: &mut Criterion) {
    let mut group = c.benchmark_group("wheel_insert_cancel");
    group.throughput(Throughput::Elements(1));
    for live in [0usize, 4096, 1_000_000] {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let mut wheel = Wheel::with_tick(TICK);
        for _ in 0..live {
            wheel.insert(deadline(&mut rng), ());
        }
        group.bench_with_input(BenchmarkId::new("wheel", live), &live, |b, _| {
            b.iter(|| {
                let key = wheel.insert(deadline(&mut rng), ());
                black_box(wheel.cancel(key))
            })
        });

        let mut map = BTreeMap::new();
        let mut seq = 0u64;
        for _ in 0..live {
            map.insert((deadline(&mut rng), seq), ());
            seq += 1;
        }
        group.bench_with_input(BenchmarkId::new("btreemap", live), &live, |b, _| {
            b.iter(|| {
                let key = (deadline(&mut rng), seq);
                seq += 1;
                map.insert(key, ());
                black_box(map.remove(&key))
            })
        });
    }
    group.finish();
}

fn fire(c: &mut Criterion) {
    const TIMERS: u64 = 100_000;
    let mut group = c.benchmark_group("wheel_fire");
    group.throughput(Throughput::Elements(TIMERS));
    group.bench_function("100k_over_100ms", |b| {
        b.iter_batched(
            || {
                let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
                let mut wheel = Wheel::with_tick(TICK);
                for _ in 0..TIMERS {
                    wheel.insert(TICK + rng.next() % (100 * TICK), ());
                }
                wheel
            },
            |mut wheel| {
                // Walk the clock in 50 µs steps, as a busy runtime would.
                let mut now = 0;
                let mut fired = 0;
                while !wheel.is_empty() {
                    now += 50_000;
                    while wheel.poll(now).is_some() {
                        fired += 1;
                    }
                }
                black_box(fired)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, insert_cancel, fire);
criterion_main!(benches);
