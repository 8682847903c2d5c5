//! How much CPU does an idle runtime use? A runtime whose only task
//! sleeps one second, five times over (a new runtime each time), prints
//! the CPU time of the whole process for each second.
//!
//! ```sh
//! cargo run -p looplet-bench --release --example idle_cpu
//! ```
//!
//! The loop parks until the timer's deadline, so the answer is a fraction
//! of a millisecond per second: the parks and the one wake. A loop that
//! polled the clock would burn the whole second.

use std::time::Duration;

#[path = "../support/cpu.rs"]
mod cpu;
#[path = "../support/peers.rs"]
mod peers;
#[path = "../support/workloads.rs"]
mod workloads;

fn main() {
    for _ in 0..5 {
        let start = cpu::process_cpu_time();
        looplet::run(looplet::sleep(Duration::from_secs(1)));
        let cpu = cpu::process_cpu_time() - start;
        println!("idle 1 s: {:.3} ms of CPU", cpu.as_secs_f64() * 1e3);
    }
}
