//! The command line shared by the one-workload-per-process binaries
//! (`examples/scaling.rs`, `examples/peer_suites.rs`): `WORKLOAD RUNTIME
//! [N] [RUNS]` parsed, the runtime picked by name, the runs counted after
//! a warm-up, and one line printed, `workload runtime n median min`
//! (nanoseconds per element), for scripts to collect.
#![allow(dead_code)] // each includer uses part of it

use std::process::ExitCode;
use std::time::Duration;

use super::peers::{AsyncExecutor, FuturesPool, Looplet, Rt, Tokio};

/// How a binary measures one workload on one runtime.
pub trait Measure {
    /// Runs `workload` about `n` elements at a time, `runs` counted times,
    /// on a fresh `R`: the elements of one run and each counted run's
    /// nanoseconds per element, or `None` if there is no such workload.
    fn measure<R: Rt>(&self, workload: &str, n: usize, runs: usize) -> Option<(usize, Vec<f64>)>;
}

/// Calls `one` `runs + 1` times, the first a warm-up (it grows the
/// runtime's tables) that is not counted; `one` returns how many elements
/// it ran and how long they took, or `None` to stop.
pub fn counted_runs(
    runs: usize,
    mut one: impl FnMut() -> Option<(usize, Duration)>,
) -> Option<(usize, Vec<f64>)> {
    let mut per_element = Vec::with_capacity(runs);
    let mut elements = 0;
    for run in 0..=runs {
        let (ran, elapsed) = one()?;
        elements = ran;
        if run > 0 {
            per_element.push(elapsed.as_nanos() as f64 / ran as f64);
        }
    }
    Some((elements, per_element))
}

/// The whole `main`: `usage` on a bad command line, and `N` at least
/// `min_n` (RUNS at least 1).
pub fn main(usage: &str, min_n: usize, measure: impl Measure) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(runtime)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    if n < min_n || runs == 0 {
        eprintln!("N must be at least {min_n} and RUNS at least 1\n{usage}");
        return ExitCode::from(2);
    }
    let measured = match runtime.as_str() {
        "looplet" => measure.measure::<Looplet>(workload, n, runs),
        "tokio" => measure.measure::<Tokio>(workload, n, runs),
        "async-executor" => measure.measure::<AsyncExecutor>(workload, n, runs),
        "futures" => measure.measure::<FuturesPool>(workload, n, runs),
        other => {
            eprintln!("unknown runtime {other:?}\n{usage}");
            return ExitCode::from(2);
        }
    };
    let Some((elements, mut times)) = measured else {
        eprintln!("unknown workload {workload:?}\n{usage}");
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
