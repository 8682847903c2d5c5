//! A barrier: three workers do each phase of their work, and none starts
//! the next phase before all have finished the current one.
//!
//! `cargo run --example barrier_phases`

use std::time::Duration;

use looplet::Builder;
use looplet::sync::Barrier;

const WORKERS: u64 = 3;
const PHASES: u64 = 3;

fn main() {
    Builder::new().start_paused(true).build().block_on(async {
        let barrier = Barrier::new(WORKERS as usize);
        let start = looplet::now();
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let barrier = barrier.clone();
                looplet::spawn(async move {
                    for phase in 0..PHASES {
                        // Uneven work: worker w takes (w + 1) * 10 ms.
                        looplet::sleep(Duration::from_millis((w + 1) * 10)).await;
                        let index = barrier.wait().await.expect("never reset");
                        if index == WORKERS as usize - 1 {
                            let at = looplet::now() - start;
                            println!("phase {phase}: all {WORKERS} done at {} ms", at.as_millis());
                        }
                    }
                })
            })
            .collect();
        looplet::gather(workers).await;
    });
}
