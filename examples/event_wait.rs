//! Tutorial idiom: wait for the event to be set.
//!
//! ```python
//! await event.wait()
//! ```
//!
//! If the event is already set, `wait` returns at once.
//!
//! `cargo run --example event_wait`

use std::time::{Duration, Instant};

use looplet::Event;

fn main() {
    looplet::run(async {
        let event = Event::new();
        let setter = looplet::spawn({
            let event = event.clone();
            async move {
                looplet::sleep(Duration::from_millis(50)).await;
                event.set();
            }
        });
        let start = Instant::now();
        // wait for the event to be set
        event.wait().await;
        println!("waited {:.0?} for the event", start.elapsed());

        let start = Instant::now();
        event.wait().await; // already set: returns at once
        println!("waiting on a set event took {:.0?}", start.elapsed());
        setter.await.unwrap();
    });
}
