//! How much memory does a task parked on an event cost? Parks a million
//! tasks on one event and prints the growth of the resident set per task.
//!
//! ```sh
//! cargo run -p looplet-bench --release --example parked_memory                    # looplet
//! cargo run -p looplet-bench --release --example parked_memory -- tokio
//! cargo run -p looplet-bench --release --example parked_memory -- async-executor
//! cargo run -p looplet-bench --release --example parked_memory -- futures --tasks 100000
//! ```
//!
//! One runtime per process, so one runtime's freed memory cannot flatter
//! the next. The resident set (`/proc/self/statm`, Linux only) is read just
//! before spawning and again once every task has been polled once and is
//! blocked on the event. The join handles are kept, as a program that
//! wants the results would, so they are part of the cost. Then the event
//! is set and every task is awaited.
//!
//! Each runtime uses its own idiom for an event: `looplet::Event`; tokio's
//! `Notify` plus a flag; `event_listener::Event` plus a flag for
//! async-executor; futures-intrusive's `LocalManualResetEvent` for the
//! futures `LocalPool`.

use std::process::ExitCode;

const PAGE_SIZE: u64 = 4096;

/// Resident set size in bytes: the second field of `/proc/self/statm`, in pages.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm (Linux only)");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm's second field");
    pages * PAGE_SIZE
}

// The four runtimes, shared with the comparison benchmark.
#[path = "../support/peers.rs"]
mod peers;

use peers::{AsyncExecutor, BenchEvent, FuturesPool, Looplet, Rt, STARTED, Tokio, mark_started};

// The measurement ----------------------------------------------------------

fn measure<R: Rt>(tasks: usize) {
    let mut rt = R::new();
    rt.block_on(async {
        let event = R::Event::new();
        STARTED.set(0);
        let before = rss_bytes();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let event = event.clone();
                R::spawn(async move {
                    mark_started();
                    event.wait().await;
                })
            })
            .collect();
        // Some runtimes poll spawned tasks in bounded ticks, so one yield
        // is not always enough for every task to reach the event.
        while STARTED.get() < tasks {
            R::yield_now().await;
        }
        let after = rss_bytes();

        let per_task = after.saturating_sub(before) as f64 / tasks as f64;
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        println!(
            "{}: {:.0} bytes per parked task ({} tasks, RSS before {:.1} MiB, after {:.1} MiB)",
            R::NAME,
            per_task,
            tasks,
            mib(before),
            mib(after),
        );

        event.set();
        for handle in handles {
            R::join(handle).await;
        }
    });
}

const USAGE: &str = "usage: parked_memory [looplet|tokio|async-executor|futures] [--tasks N] (default: looplet, 1000000)";

fn main() -> ExitCode {
    let mut runtime = String::from("looplet");
    let mut tasks: usize = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tasks" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => tasks = n,
                _ => {
                    eprintln!("--tasks needs a positive number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            name if !name.starts_with('-') => runtime = name.to_string(),
            other => {
                eprintln!("unknown flag {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    match runtime.as_str() {
        "looplet" => measure::<Looplet>(tasks),
        "tokio" => measure::<Tokio>(tasks),
        "async-executor" => measure::<AsyncExecutor>(tasks),
        "futures" => measure::<FuturesPool>(tasks),
        other => {
            eprintln!("unknown runtime {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
