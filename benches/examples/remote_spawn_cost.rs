//! Instruction counts of remote spawns, for callgrind (timing on a noisy
//! two-core machine cannot tell the runtimes apart reliably): a plain
//! thread posts `N` trivial tasks through the runtime's handle while the
//! runtime is idle, then the runtime runs them all. Posting first and
//! running after keeps either side from spinning while it waits for the
//! other, so the count is the work itself.
//!
//! ```sh
//! cargo build --release -p looplet-bench --example remote_spawn_cost
//! valgrind --tool=callgrind target/release/examples/remote_spawn_cost looplet
//! valgrind --tool=callgrind target/release/examples/remote_spawn_cost tokio
//! ```
//!
//! Without an argument it times both, five rounds each.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::thread;
use std::time::{Duration, Instant};

const N: usize = 100_000;

#[path = "../support/remote_spawns.rs"]
mod remote_spawns;

/// Posts `N` spawns from a plain thread with `send` (each spawns one task
/// that bumps the counter it is given), then drives the runtime with `run`
/// until the counter reaches `N`; returns the time each side took.
fn round(
    send: impl Fn(Arc<AtomicUsize>) + Send + 'static,
    run: impl FnOnce(&AtomicUsize),
) -> (Duration, Duration) {
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    thread::spawn({
        let done = done.clone();
        move || (0..N).for_each(|_| send(done.clone()))
    })
    .join()
    .unwrap();
    let sent = started.elapsed();
    let started = Instant::now();
    run(&done);
    (sent, started.elapsed())
}

fn looplet_round() -> (Duration, Duration) {
    let rt = looplet::Builder::new().build();
    let handle = rt.handle();
    round(
        move |done| remote_spawns::looplet_send(&handle, done),
        |done| remote_spawns::looplet_until(&rt, done, N),
    )
}

/// The same with tokio's current-thread runtime and `Handle::spawn`.
fn tokio_round() -> (Duration, Duration) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    round(
        move |done| remote_spawns::tokio_send(&handle, done),
        |done| remote_spawns::tokio_until(&rt, done, N),
    )
}

fn main() {
    let per = |d: Duration| d.as_secs_f64() * 1e9 / N as f64;
    match std::env::args().nth(1).as_deref() {
        Some("looplet") => drop(looplet_round()),
        Some("tokio") => drop(tokio_round()),
        _ => {
            for _ in 0..5 {
                let (ls, lr) = looplet_round();
                let (ts, tr) = tokio_round();
                println!(
                    "ns per spawn: looplet send {:.0} run {:.0} total {:.0} | tokio send {:.0} run {:.0} total {:.0}",
                    per(ls),
                    per(lr),
                    per(ls + lr),
                    per(ts),
                    per(tr),
                    per(ts + tr)
                );
            }
        }
    }
}
