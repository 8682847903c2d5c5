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

#[path = "../support/one_process.rs"]
mod one_process;
#[path = "../support/peer_suites.rs"]
mod peer_suites;
#[path = "../support/peers.rs"]
mod peers;

use one_process::{Measure, counted_runs};
use peers::Rt;

/// The peers' benchmarks, each calling `block_on` as its peer does.
struct Suites;

impl Measure for Suites {
    fn measure<R: Rt>(&self, workload: &str, n: usize, runs: usize) -> Option<(usize, Vec<f64>)> {
        let mut rt = R::new();
        counted_runs(runs, || {
            let start = Instant::now();
            let elements = peer_suites::run(&mut rt, workload, n)?;
            Some((elements, start.elapsed()))
        })
    }
}

const USAGE: &str = "usage: peer_suites WORKLOAD RUNTIME [N] [RUNS]\n  \
    WORKLOAD: spawn_one | spawn_many_local | spawn_recursively | yield_many\n  \
    RUNTIME: looplet | tokio | async-executor | futures (default N 100000, RUNS 5)";

fn main() -> ExitCode {
    one_process::main(USAGE, 1, Suites)
}
