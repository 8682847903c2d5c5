//! How long does `sleep(1 ms)` really take? Prints 20 measurements on the
//! real clock and their median, beside `std::thread::sleep(1 ms)` (the
//! operating system's floor).
//!
//! ```sh
//! cargo run --release --example sleep_precision
//! ```
//!
//! looplet parks until a timer's exact deadline, so the answer is about
//! 1.05 ms: the millisecond plus the kernel's timer slack. A wheel that
//! rounds deadlines up to the next tick takes about 2 ms.

use std::time::{Duration, Instant};

const ROUNDS: usize = 20;
const TARGET: Duration = Duration::from_millis(1);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let looplet_samples = looplet::run(async {
        let mut samples = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            looplet::sleep(TARGET).await;
            samples.push(start.elapsed());
        }
        samples
    });
    let thread_samples: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            std::thread::sleep(TARGET);
            start.elapsed()
        })
        .collect();

    let fmt = |d: &Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    println!(
        "looplet::sleep(1 ms), ms: {}",
        looplet_samples
            .iter()
            .map(fmt)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "looplet::sleep(1 ms) median: {} ms",
        fmt(&median(looplet_samples))
    );
    println!(
        "std::thread::sleep(1 ms) median: {} ms",
        fmt(&median(thread_samples))
    );
}
