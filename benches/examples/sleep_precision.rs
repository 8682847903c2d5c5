//! How long does `sleep(1 ms)` really take? Measures 20 sleeps on the real
//! clock for looplet, tokio (`current_thread` runtime) and async-io
//! (`Timer::after`), and prints each runtime's samples and their median,
//! beside `std::thread::sleep(1 ms)` (the operating system's floor).
//!
//! ```sh
//! cargo run -p looplet-bench --release --example sleep_precision
//! ```
//!
//! looplet parks until a timer's exact deadline, so the answer is about
//! 1.07 ms: the millisecond plus the kernel's timer slack. A wheel that
//! rounds deadlines up to the next tick, as tokio's does, takes about 2 ms.

use std::future::Future;
use std::time::{Duration, Instant};

const ROUNDS: usize = 20;
const TARGET: Duration = Duration::from_millis(1);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Times `ROUNDS` awaits of the sleep future that `sleep` makes.
async fn time_sleeps<S: Future>(sleep: impl Fn() -> S) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        sleep().await;
        samples.push(start.elapsed());
    }
    samples
}

fn millis(d: &Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Prints every sample of `label`, then their median.
fn report(label: &str, samples: Vec<Duration>) {
    let all: Vec<String> = samples.iter().map(millis).collect();
    println!("{label}, ms: {}", all.join(" "));
    println!("{label} median: {} ms", millis(&median(samples)));
}

fn main() {
    let looplet_samples = looplet::run(time_sleeps(|| looplet::sleep(TARGET)));

    let tokio_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    let tokio_samples = tokio_runtime.block_on(time_sleeps(|| tokio::time::sleep(TARGET)));

    let async_io_samples = async_io::block_on(time_sleeps(|| async_io::Timer::after(TARGET)));

    let thread_samples: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            std::thread::sleep(TARGET);
            start.elapsed()
        })
        .collect();

    report("looplet::sleep(1 ms)", looplet_samples);
    report("tokio::time::sleep(1 ms)", tokio_samples);
    report("async_io::Timer::after(1 ms)", async_io_samples);
    println!(
        "std::thread::sleep(1 ms) median: {} ms",
        millis(&median(thread_samples))
    );
}
