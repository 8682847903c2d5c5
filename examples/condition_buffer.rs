//! A condition: consumers wait for a shared buffer to hold something, a
//! producer fills it and notifies one consumer per item, as asyncio
//! programs do with `async with cond: await cond.wait_for(...)`.
//!
//! `cargo run --example condition_buffer`

use std::time::Duration;

use looplet::Builder;
use looplet::sync::Condition;

fn main() {
    Builder::new().start_paused(true).build().block_on(async {
        let buffer = Condition::new(Vec::new());
        let consumers: Vec<_> = (0..3)
            .map(|c| {
                let buffer = buffer.clone();
                looplet::spawn(async move {
                    let guard = buffer.lock().await;
                    let mut items = buffer.wait_for(guard, |items| !items.is_empty()).await;
                    let item = items.remove(0);
                    println!("consumer {c} took {item}");
                    item
                })
            })
            .collect();
        for item in ["a", "b", "c"] {
            looplet::sleep(Duration::from_millis(10)).await;
            let mut items = buffer.lock().await;
            items.push(item);
            buffer.notify(1); // one consumer per item
        }
        let taken: Vec<_> = looplet::gather(consumers)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(taken, ["a", "b", "c"], "oldest consumer first");
    });
}
