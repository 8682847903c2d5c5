//! The peers' own executor benchmarks (`support/peer_suites.rs`), one
//! workload on one runtime per process: the cost per element, for
//! interleaved rounds and callgrind, as `scaling.rs` does for the five
//! core workloads. A binary of its own, so that adding these workloads
//! does not move the instruction counts of the five (a bench binary's
//! inlining depends on everything it holds).
//!
//! ```sh
//! cargo build -p looplet-bench --release --example peer_suites
//! B=target/release/examples/peer_suites
//! $B spawn_one looplet 100000 11       # 11 runs after a warm-up; median ns per element
//! valgrind --tool=callgrind $B spawn_one futures 100000 1   # one warm-up + one run
//! ```
//!
//! Prints one line: `workload runtime n median min` (nanoseconds per
//! element; `n` as run, a multiple of the workload's batch).

use std::process::ExitCode;
use std::time::Instant;

#[path = "../support/peer_suites.rs"]
mod peer_suites;
#[path = "../support/peers.rs"]
mod peers;

use peers::{AsyncExecutor, FuturesPool, Looplet, Rt, Tokio};

/// Runs `workload` `runs + 1` times on a fresh `R` (the first is a
/// warm-up) and returns the elements of one run and each counted run's
/// nanoseconds per element.
fn measure<R: Rt>(workload: &str, n: usize, runs: usize) -> Option<(usize, Vec<f64>)> {
    let mut rt = R::new();
    let mut per_element = Vec::with_capacity(runs);
    let mut elements = 0;
    for run in 0..=runs {
        let start = Instant::now();
        elements = peer_suites::run(&mut rt, workload, n)?;
        let elapsed = start.elapsed();
        if run > 0 {
            per_element.push(elapsed.as_nanos() as f64 / elements as f64);
        }
    }
    Some((elements, per_element))
}

const USAGE: &str = "usage: peer_suites WORKLOAD RUNTIME [N] [RUNS]\n  \
    WORKLOAD: spawn_one | spawn_many_local | spawn_recursively | yield_many\n  \
    RUNTIME: looplet | tokio | async-executor | futures (default N 100000, RUNS 5)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(runtime)) = (args.first(), args.get(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    if n == 0 || runs == 0 {
        eprintln!("N and RUNS must be at least 1\n{USAGE}");
        return ExitCode::from(2);
    }
    let measured = match runtime.as_str() {
        "looplet" => measure::<Looplet>(workload, n, runs),
        "tokio" => measure::<Tokio>(workload, n, runs),
        "async-executor" => measure::<AsyncExecutor>(workload, n, runs),
        "futures" => measure::<FuturesPool>(workload, n, runs),
        other => {
            eprintln!("unknown runtime {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some((elements, mut times)) = measured else {
        eprintln!("unknown workload {workload:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{workload} {runtime} {elements} {median:.1} {:.1}",
        times[0]
    );
    ExitCode::SUCCESS
}
