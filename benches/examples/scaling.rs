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
#[path = "../support/one_process.rs"]
mod one_process;
#[path = "../support/peers.rs"]
mod peers;
#[path = "../support/workloads.rs"]
mod workloads;

use one_process::{Measure, counted_runs};
use peers::Rt;

/// The five core workloads, each run inside one `block_on`.
struct Core;

impl Measure for Core {
    fn measure<R: Rt>(&self, workload: &str, n: usize, runs: usize) -> Option<(usize, Vec<f64>)> {
        let mut rt = R::new();
        let delays = workloads::delays(if workload == "timers_fire" { n } else { 0 });
        let cpu = workload == "timers_fire";
        counted_runs(runs, || {
            let clock = Clock::start(cpu);
            let known = rt.block_on(workloads::run::<R>(workload, n, &delays));
            known.then(|| (n, clock.elapsed()))
        })
    }
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
    one_process::main(USAGE, 2, Core)
}
