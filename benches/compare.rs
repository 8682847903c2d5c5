//! The same workloads on four single-threaded runtimes: looplet, tokio
//! (`current_thread` + `LocalSet`), async-executor (`LocalExecutor` on
//! `async_io::block_on`) and futures (`LocalPool`).
//!
//! ```sh
//! cargo bench -p looplet-bench --bench compare               # everything, about 3 minutes
//! cargo bench -p looplet-bench --bench compare -- ping_pong  # one workload, all runtimes
//! cargo bench -p looplet-bench --bench compare -- /tokio     # one runtime, all workloads
//! ```
//!
//! Each workload is written once (`support/workloads.rs`), generic over the [`Rt`] trait (spawn, join,
//! yield, sleep, timeout) and its [`BenchEvent`] (set, clear, wait); every
//! future may be `!Send`. Results read `workload/runtime` and are reported
//! per element (`Throughput::Elements`): divide criterion's time by `N` for
//! the cost of one task, round trip or timer.
//!
//! | workload | what one iteration does | element |
//! |---|---|---|
//! | `spawn_join` | spawn `N` tasks that each return a number, then await every handle | task |
//! | `event_fanout` | `N` tasks wait on one event; main yields until all are blocked, sets it, awaits every handle | task |
//! | `ping_pong` | two tasks pass a turn back and forth through two events (set the other's, wait on own, clear it) `N` times | round trip |
//! | `timers_fire` | `N` tasks each sleep 1..=100 ms, drawn from one seeded xorshift sequence shared by all runtimes; main awaits them all | timer |
//! | `timers_cancel` | `N` tasks each run `timeout(10 s, event.wait())` on one event; main yields until all are armed, then sets the event, so every timer is armed and cancelled | timer |
//! | `queue_pipe_64`, `queue_pipe_unbounded` | a producer task sends `ITEMS` numbers through a queue (bounded at 64, or not); main receives them all | item |
//! | `mutex_handoff` | 100 tasks each, `ROUNDS` times: lock, add one, yield once, unlock | lock |
//! | `semaphore_limit` | `N / 10` tasks through a semaphore of 10: acquire, yield once, release | task |
//!
//! The last four compare the runtimes' own primitives (`support/sync_peers.rs`):
//! tokio's `mpsc`, `Mutex`, `Semaphore`; async-channel and async-lock on
//! async-executor; futures' `mpsc` and `Mutex` on `LocalPool` (futures has
//! no semaphore).
//!
//! `timers_fire` spends most of its wall time asleep, so it measures the CPU
//! time of the whole process instead (`iter_custom`, summing the on-CPU
//! nanoseconds of every thread in `/proc/self/task/*/schedstat`): that
//! includes helper threads such as async-io's reactor thread and
//! futures-timer's timer thread. It is Linux-only.
//!
//! "Main yields until all are blocked": each task bumps a thread-local
//! counter on its first poll, and main yields until the counter reaches
//! `N`. looplet's FIFO batches need exactly one yield; tokio's `LocalSet`
//! and async-executor poll spawned tasks in bounded ticks and need several.
//!
//! Runtimes are built once per benchmark and reused across iterations.
//! Absolute numbers drift with the machine's load, so take ratios between
//! runtimes from one run, never across runs.
//!
//! `cargo test -p looplet-bench --benches` runs each benchmark once in a
//! debug build; there `N` is 2,000 instead of 100,000 (see [`N`]) so that it
//! stays quick.

use std::sync::LazyLock;
use std::time::Duration;

use cpu::process_cpu_time;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
    measurement::WallTime,
};

/// Elements per iteration. Debug builds
/// (`cargo test -p looplet-bench --benches`, which runs every benchmark
/// once) use 2,000 so the whole file finishes in seconds; release builds
/// (`cargo bench -p looplet-bench`) use 100,000.
const N: usize = if cfg!(debug_assertions) {
    2_000
} else {
    100_000
};

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/sync_peers.rs"]
mod sync_peers;
#[path = "support/workloads.rs"]
mod workloads;

use sync_peers::SyncPeers;

use peers::{AsyncExecutor, FuturesPool, Looplet, Rt, Tokio};

// ---------------------------------------------------------------------------
// The workloads, each written once.
// ---------------------------------------------------------------------------

trait Workload {
    const NAME: &'static str;
    /// Measure the process's CPU time instead of wall time.
    const CPU_TIME: bool = false;
    async fn run<R: Rt>();
}

struct SpawnJoin;

impl Workload for SpawnJoin {
    const NAME: &'static str = "spawn_join";
    async fn run<R: Rt>() {
        workloads::spawn_join::<R>(N).await;
    }
}

struct EventFanout;

impl Workload for EventFanout {
    const NAME: &'static str = "event_fanout";
    async fn run<R: Rt>() {
        workloads::event_fanout::<R>(N).await;
    }
}

struct PingPong;

impl Workload for PingPong {
    const NAME: &'static str = "ping_pong";
    async fn run<R: Rt>() {
        workloads::ping_pong::<R>(N).await;
    }
}

/// The sleeps of `timers_fire`, drawn once.
static DELAYS: LazyLock<Vec<Duration>> = LazyLock::new(|| workloads::delays(N));

struct TimersFire;

impl Workload for TimersFire {
    const NAME: &'static str = "timers_fire";
    const CPU_TIME: bool = true;
    async fn run<R: Rt>() {
        workloads::timers_fire::<R>(&DELAYS).await;
    }
}

struct TimersCancel;

impl Workload for TimersCancel {
    const NAME: &'static str = "timers_cancel";
    async fn run<R: Rt>() {
        workloads::timers_cancel::<R>(N).await;
    }
}

// ---------------------------------------------------------------------------
// The synchronization workloads: each runtime with its own primitives.
// ---------------------------------------------------------------------------

trait SyncWorkload {
    const NAME: &'static str;
    /// Elements per iteration.
    const ELEMENTS: usize;
    /// Whether it needs a semaphore.
    const SEMAPHORE: bool = false;
    async fn run<R: SyncPeers>();
}

/// Items through a queue per iteration (the issue's 1,000,000 in release).
const ITEMS: usize = if cfg!(debug_assertions) {
    2_000
} else {
    1_000_000
};

/// One producer task, main consumes.
async fn pipe<R: SyncPeers>(bound: usize) {
    let (mut tx, mut rx) = R::channel(bound);
    let producer = R::spawn(async move {
        for i in 0..ITEMS as u64 {
            R::send(&mut tx, i).await;
        }
    });
    let mut sum = 0;
    for _ in 0..ITEMS {
        sum += R::recv(&mut rx).await;
    }
    R::join(producer).await;
    assert_eq!(sum, (ITEMS as u64) * (ITEMS as u64 - 1) / 2);
}

struct QueuePipe64;

impl SyncWorkload for QueuePipe64 {
    const NAME: &'static str = "queue_pipe_64";
    const ELEMENTS: usize = ITEMS;
    async fn run<R: SyncPeers>() {
        pipe::<R>(64).await;
    }
}

struct QueuePipeUnbounded;

impl SyncWorkload for QueuePipeUnbounded {
    const NAME: &'static str = "queue_pipe_unbounded";
    const ELEMENTS: usize = ITEMS;
    async fn run<R: SyncPeers>() {
        pipe::<R>(0).await;
    }
}

/// Tasks and rounds of `mutex_handoff` (the issue's 100 × 1,000 in release).
const LOCKERS: usize = 100;
const ROUNDS: usize = if cfg!(debug_assertions) { 20 } else { 1_000 };

struct MutexHandoff;

impl SyncWorkload for MutexHandoff {
    const NAME: &'static str = "mutex_handoff";
    const ELEMENTS: usize = LOCKERS * ROUNDS;
    async fn run<R: SyncPeers>() {
        let mutex = R::mutex();
        let handles: Vec<_> = (0..LOCKERS)
            .map(|_| {
                let mutex = mutex.clone();
                R::spawn(async move {
                    for _ in 0..ROUNDS {
                        R::lock_yield_unlock(&mutex).await;
                    }
                })
            })
            .collect();
        for handle in handles {
            R::join(handle).await;
        }
        assert_eq!(R::count(&mutex).await, (LOCKERS * ROUNDS) as u64);
    }
}

/// Tasks of `semaphore_limit` (the issue's 10,000 in release).
const LIMITED: usize = N / 10;

struct SemaphoreLimit;

impl SyncWorkload for SemaphoreLimit {
    const NAME: &'static str = "semaphore_limit";
    const ELEMENTS: usize = LIMITED;
    const SEMAPHORE: bool = true;
    async fn run<R: SyncPeers>() {
        let semaphore = R::semaphore(10);
        let handles: Vec<_> = (0..LIMITED)
            .map(|_| {
                let semaphore = semaphore.clone();
                R::spawn(async move { R::acquire_yield_release(&semaphore).await })
            })
            .collect();
        for handle in handles {
            R::join(handle).await;
        }
    }
}

// ---------------------------------------------------------------------------
// Criterion plumbing
// ---------------------------------------------------------------------------

fn bench_on<W: Workload, R: Rt>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut rt = R::new();
    group.bench_function(R::NAME, |b| {
        if W::CPU_TIME {
            b.iter_custom(|iters| {
                let start = process_cpu_time();
                for _ in 0..iters {
                    rt.block_on(W::run::<R>());
                }
                process_cpu_time() - start
            })
        } else {
            b.iter(|| rt.block_on(W::run::<R>()))
        }
    });
}

fn bench_workload<W: Workload>(c: &mut Criterion) {
    let mut group = c.benchmark_group(W::NAME);
    group.throughput(Throughput::Elements(N as u64));
    if W::CPU_TIME {
        // An iteration sleeps 100 ms of wall time whatever its CPU cost:
        // keep the sample count fixed and the target short.
        group
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
    }
    bench_on::<W, Looplet>(&mut group);
    bench_on::<W, Tokio>(&mut group);
    bench_on::<W, AsyncExecutor>(&mut group);
    bench_on::<W, FuturesPool>(&mut group);
    group.finish();
}

fn bench_sync_on<W: SyncWorkload, R: SyncPeers>(group: &mut BenchmarkGroup<'_, WallTime>) {
    if W::SEMAPHORE && !R::HAS_SEMAPHORE {
        return;
    }
    let mut rt = R::new();
    group.bench_function(R::NAME, |b| b.iter(|| rt.block_on(W::run::<R>())));
}

fn bench_sync<W: SyncWorkload>(c: &mut Criterion) {
    let mut group = c.benchmark_group(W::NAME);
    group.throughput(Throughput::Elements(W::ELEMENTS as u64));
    bench_sync_on::<W, Looplet>(&mut group);
    bench_sync_on::<W, Tokio>(&mut group);
    bench_sync_on::<W, AsyncExecutor>(&mut group);
    bench_sync_on::<W, FuturesPool>(&mut group);
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_workload::<SpawnJoin>(c);
    bench_workload::<EventFanout>(c);
    bench_workload::<PingPong>(c);
    bench_workload::<TimersFire>(c);
    bench_workload::<TimersCancel>(c);
    bench_sync::<QueuePipe64>(c);
    bench_sync::<QueuePipeUnbounded>(c);
    bench_sync::<MutexHandoff>(c);
    bench_sync::<SemaphoreLimit>(c);
}

criterion_group! {
    name = compare;
    config = Criterion::default()
        .sample_size(15)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    targets = benches
}
criterion_main!(compare);
