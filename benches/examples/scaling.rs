//! One core workload on one runtime, at any size: the cost per element,
//! for the interleaved rounds, the scaling table and the callgrind counts
//! of `docs/performance.md`.
//!
//! ```sh
//! cargo build -p looplet-bench --release --example scaling
//! B=target/release/examples/scaling
//! $B spawn_join looplet 100000 11          # 11 runs after a warm-up; median ns per element
//! $B timers_fire tokio 1000000 5           # timers_fire reports CPU time, as compare.rs does
//! valgrind --tool=callgrind $B spawn_join looplet 100000 1   # instructions: one warm-up + one run
//! ```
//!
//! Runtimes: `looplet`, `tokio`, `async-executor`, `futures`; workloads as
//! in `support/workloads.rs`. One runtime per process, built once and used
//! for every run, as criterion does in `compare.rs`; the first run is a
//! warm-up (it grows the runtime's tables) and is not counted. Prints one
//! line: `workload runtime n median min` (nanoseconds per element), for
//! scripts to collect. `timers_fire` counts the CPU time of every thread of
//! the process (`/proc/self/task/*/schedstat`, Linux only), since its wall
//! time is the sleep itself.

use std::process::ExitCode;
use std::time::{Duration, Instant};

#[path = "../support/cpu.rs"]
mod cpu;
#[path = "../support/peers.rs"]
mod peers;
#[path = "../support/workloads.rs"]
mod workloads;

use peers::{AsyncExecutor, FuturesPool, Looplet, Rt, Tokio};

/// Runs `workload` `runs + 1` times on a fresh `R` (the first is a
/// warm-up) and returns each counted run's nanoseconds per element.
fn measure<R: Rt>(workload: &str, n: usize, runs: usize) -> Option<Vec<f64>> {
    let mut rt = R::new();
    let delays = workloads::delays(if workload == "timers_fire" { n } else { 0 });
    let cpu = workload == "timers_fire";
    let mut per_element = Vec::with_capacity(runs);
    for run in 0..=runs {
        let clock = Clock::start(cpu);
        if !rt.block_on(workloads::run::<R>(workload, n, &delays)) {
            return None;
        }
        let elapsed = clock.elapsed();
        if run > 0 {
            per_element.push(elapsed.as_nanos() as f64 / n as f64);
        }
    }
    Some(per_element)
}

/// Wall time, or the whole process's CPU time.
enum Clock {
    Wall(Instant),
    Cpu(Duration),
}

impl Clock {
    fn start(cpu: bool) -> Self {
        if cpu {
            Clock::Cpu(cpu::process_cpu_time())
        } else {
            Clock::Wall(Instant::now())
        }
    }
    fn elapsed(&self) -> Duration {
        match self {
            Clock::Wall(start) => start.elapsed(),
            Clock::Cpu(start) => cpu::process_cpu_time() - *start,
        }
    }
}

const USAGE: &str = "usage: scaling WORKLOAD RUNTIME [N] [RUNS]\n  \
    WORKLOAD: spawn_join | event_fanout | ping_pong | timers_fire | timers_cancel\n  \
    RUNTIME: looplet | tokio | async-executor | futures (default N 100000, RUNS 5)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(runtime)) = (args.first(), args.get(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    if n < 2 || runs == 0 {
        eprintln!("N must be at least 2 and RUNS at least 1\n{USAGE}");
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
    let Some(mut times) = measured else {
        eprintln!("unknown workload {workload:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!("{workload} {runtime} {n} {median:.1} {:.1}", times[0]);
    ExitCode::SUCCESS
}
