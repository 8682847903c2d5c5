//! Two small workloads to count instructions under callgrind, for
//! decisions about the loop's hot path (what an off-by-default feature such
//! as schedule shuffling costs FIFO):
//!
//! ```sh
//! cargo build -p looplet-bench --release --example fifo_cost
//! valgrind --tool=callgrind target/release/examples/fifo_cost spawn_join 100000
//! valgrind --tool=callgrind target/release/examples/fifo_cost yields 100000
//! ```
//!
//! `spawn_join`: spawn a task and await it, N times (two turns each).
//! `yields`: ten tasks each yielding N / 10 times (ten polls a turn).

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "spawn_join".to_string());
    let n: usize = args.next().map_or(100_000, |n| n.parse().expect("a count"));
    let rt = looplet::Builder::new().build();
    match what.as_str() {
        "spawn_join" => rt.block_on(async move {
            for i in 0..n {
                let handle = looplet::spawn(async move { i });
                assert_eq!(handle.await.unwrap(), i);
            }
        }),
        "yields" => rt.block_on(async move {
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    looplet::spawn(async move {
                        for _ in 0..n / 10 {
                            looplet::yield_now().await;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }),
        other => panic!("unknown workload {other:?}: `spawn_join` or `yields`"),
    }
}
