//! One looplet runtime per core, with work routed to them by key.
//!
//! looplet is single-threaded on purpose. A program that outgrows one
//! core runs one runtime per core (as monoio, glommio and users of tokio's
//! `LocalRuntime` do) and shards its state by key: each runtime owns its
//! shard outright, in plain `Rc<RefCell<..>>`, with no lock anywhere. Other
//! threads reach a runtime only through its [`looplet::Handle`], sending a
//! `Send` closure that builds the `!Send` future on the runtime's thread.
//!
//! This example starts one runtime per core, routes jobs to them by key,
//! gathers the results on the main thread, prints which runtime ran what,
//! and compares the throughput with the same jobs on a single runtime.
//!
//! ```text
//! cargo run --release --example thread_per_core -- --jobs 4000
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use looplet::{Builder, Event, Handle, RemoteJoinHandle};

thread_local! {
    /// This runtime's shard: the state of the keys routed here. Only this
    /// thread ever touches it, so it needs no lock.
    static SHARD: Rc<RefCell<HashMap<u64, u64>>> = Rc::default();
    /// Set to stop this thread's runtime.
    static STOP: Event = Event::new();
}

/// One runtime on a thread of its own.
struct Worker {
    /// The `Send` way into it.
    handle: Handle,
    /// Its thread, which returns how many tasks the runtime ran.
    thread: thread::JoinHandle<u64>,
}

/// Starts `n` runtimes, each on a thread named `core-<i>`.
fn start(n: usize) -> Vec<Worker> {
    (0..n)
        .map(|i| {
            let (tx, rx) = mpsc::channel();
            let thread = thread::Builder::new()
                .name(format!("core-{i}"))
                .spawn(move || {
                    let rt = Builder::new().build();
                    tx.send(rt.handle()).expect("main waits for the handle");
                    // Serve remote spawns until told to stop.
                    let stop = STOP.with(Event::clone);
                    rt.block_on(stop.wait());
                    rt.stats().tasks_spawned
                })
                .expect("spawn a worker thread");
            let handle = rx.recv().expect("the worker sends its handle");
            Worker { handle, thread }
        })
        .collect()
}

/// Stops every runtime and returns how many tasks each ran.
fn stop(workers: Vec<Worker>) -> Vec<u64> {
    for worker in &workers {
        // A `Send` closure that, on the worker's thread, reaches that
        // thread's own `Event`.
        drop(worker.handle.spawn(|| async { STOP.with(Event::set) }));
    }
    workers
        .into_iter()
        .map(|w| w.thread.join().expect("a worker panicked"))
        .collect()
}

/// The job for `key`: some CPU work, a pause (as if awaiting I/O), and an
/// update of the key's entry in this runtime's shard.
async fn job(key: u64, rounds: u32) -> (String, u64) {
    let mut h = key;
    for round in 0..rounds {
        h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ u64::from(round);
        if round % 4096 == 0 {
            looplet::yield_now().await;
        }
    }
    looplet::sleep(Duration::from_micros(100)).await;
    let seen = SHARD.with(|shard| {
        let mut shard = shard.borrow_mut();
        let count = shard.entry(key % 64).or_default();
        *count += 1;
        *count
    });
    let here = thread::current().name().unwrap_or("?").to_string();
    (here, h ^ seen)
}

/// Runs `jobs` jobs on `n` runtimes; returns the elapsed time, the jobs
/// each runtime ran, and a checksum of the results.
fn run_on(n: usize, jobs: u64, rounds: u32) -> (Duration, Vec<u64>, u64) {
    let workers = start(n);
    let started = Instant::now();
    let remotes: Vec<RemoteJoinHandle<(String, u64)>> = (0..jobs)
        .map(|key| {
            // Routing by key: the same key always lands on the same
            // runtime, so its state never moves.
            let worker = &workers[(key % n as u64) as usize];
            worker.handle.spawn(move || job(key, rounds))
        })
        .collect();
    let mut checksum = 0u64;
    for (key, remote) in remotes.into_iter().enumerate() {
        let (ran_on, value) = remote.join().expect("a job failed");
        let expected = format!("core-{}", key as u64 % n as u64);
        assert_eq!(ran_on, expected, "key {key} ran where it was routed");
        checksum = checksum.wrapping_add(value);
    }
    let elapsed = started.elapsed();
    // Each worker spawned one task per job, plus the stop task.
    let per_worker = stop(workers).into_iter().map(|t| t - 1).collect();
    (elapsed, per_worker, checksum)
}

fn main() {
    let mut jobs = 2_000u64;
    let mut rounds = 200_000u32;
    let mut workers = thread::available_parallelism().map_or(2, usize::from);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match arg.as_str() {
            "--jobs" => jobs = value().expect("--jobs N"),
            "--rounds" => rounds = value().expect("--rounds N") as u32,
            "--workers" => workers = value().expect("--workers N") as usize,
            _ => panic!("usage: thread_per_core [--jobs N] [--rounds N] [--workers N]"),
        }
    }

    let (one, _, sum_one) = run_on(1, jobs, rounds);
    let (many, per_worker, sum_many) = run_on(workers, jobs, rounds);
    assert_eq!(sum_one, sum_many, "the same jobs give the same results");

    println!("{jobs} jobs of {rounds} rounds each, routed by key");
    for (i, ran) in per_worker.iter().enumerate() {
        println!("  core-{i} ran {ran} jobs");
    }
    let rate = |d: Duration| jobs as f64 / d.as_secs_f64();
    println!(
        "1 runtime:  {:>8.1} ms, {:>9.0} jobs/s",
        one.as_secs_f64() * 1e3,
        rate(one)
    );
    println!(
        "{workers} runtimes: {:>8.1} ms, {:>9.0} jobs/s ({:.2}x)",
        many.as_secs_f64() * 1e3,
        rate(many),
        one.as_secs_f64() / many.as_secs_f64()
    );
}
