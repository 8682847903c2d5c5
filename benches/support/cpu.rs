//! CPU time of the whole process, helper threads included: what a
//! runtime with a reactor thread (async-io) or a timer thread
//! (futures-timer) really spends. Shared by `compare.rs` and
//! `tcp_echo.rs` (each includes this file as a module). Linux only.

use std::time::Duration;

/// On-CPU time of every thread of this process, from the scheduler's
/// per-thread statistics (first field of `schedstat`, in nanoseconds).
pub fn process_cpu_time() -> Duration {
    // A running thread's total is brought up to date only when it is
    // scheduled out: yield, so this thread's own time counts up to now.
    std::thread::yield_now();
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task (Linux only)");
    let nanos: u64 = tasks
        .filter_map(|task| {
            // A thread may exit between listing and reading: skip it.
            let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            stat.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    Duration::from_nanos(nanos)
}
