//! asyncio's queue tutorial, in looplet: a bounded `Queue` of jobs, three
//! workers that take jobs, sleep, and mark each done with `task_done`,
//! and a main task that `join`s the queue, then shuts it down so the
//! workers return.
//!
//! It runs on the paused clock, so the sleeps take no real time and every
//! run prints the same lines: the workers' sleeps overlap, so the queue is
//! drained in about a third of the total sleep time.
//!
//! `cargo run --example queue_workers`

use std::time::Duration;

use looplet::Builder;
use looplet::sync::Queue;

const JOBS: usize = 20;
const WORKERS: usize = 3;

/// A small fixed-seed generator (SplitMix64): the jobs' sleep times.
fn sleep_times() -> Vec<Duration> {
    let mut state: u64 = 1;
    (0..JOBS)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            // 50 ms to 1 s, like the tutorial's uniform(0.05, 1.0).
            Duration::from_millis(50 + z % 951)
        })
        .collect()
}

fn main() {
    Builder::new().start_paused(true).build().block_on(async {
        // maxsize 5: the producer waits for room once five jobs are queued.
        let queue = Queue::new(5);
        let workers: Vec<_> = (0..WORKERS)
            .map(|n| {
                let queue = queue.clone();
                looplet::spawn(async move {
                    while let Ok(sleep_for) = queue.get().await {
                        looplet::sleep(sleep_for).await;
                        queue.task_done();
                        println!(
                            "worker-{n} has slept for {:.2} seconds",
                            sleep_for.as_secs_f64()
                        );
                    }
                })
            })
            .collect();

        let times = sleep_times();
        let total: Duration = times.iter().sum();
        let started = looplet::now();
        for sleep_for in times {
            queue.put(sleep_for).await.expect("the queue is open");
        }
        queue.join().await; // every job marked done
        let took = looplet::now() - started;

        queue.shutdown(false); // the workers' `get` fails: they return
        looplet::gather(workers).await;
        println!("====");
        println!(
            "{WORKERS} workers slept in parallel for {:.2} seconds",
            took.as_secs_f64()
        );
        println!(
            "total expected sleep time: {:.2} seconds",
            total.as_secs_f64()
        );
    });
}
