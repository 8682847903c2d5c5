//! Tutorial idiom: mark the event as not set, whether or not it was.
//!
//! ```python
//! event.clear()
//! ```
//!
//! A waiter released by `set` still completes if the event is cleared
//! before it runs; a wait that starts after `clear` blocks until the next
//! `set`.
//!
//! `cargo run --example event_clear`

use std::time::Duration;

use looplet::Event;

fn main() {
    looplet::run(async {
        let event = Event::new();
        event.set();
        // mark the event as not set
        event.clear();
        println!("after set() then clear(): is_set() = {}", event.is_set());

        let waiter = looplet::spawn({
            let event = event.clone();
            async move {
                event.wait().await;
                println!("waiter: released by the second set()");
            }
        });
        looplet::sleep(Duration::from_millis(10)).await;
        println!(
            "main: the waiter is still blocked: finished = {}",
            waiter.is_finished()
        );
        event.set();
        waiter.await.unwrap();

        // A waiter that `set` released completes even if the event is
        // cleared before it gets to run.
        event.clear();
        let released = looplet::spawn({
            let event = event.clone();
            async move {
                event.wait().await;
                println!("released waiter: completes although the event was cleared");
            }
        });
        looplet::yield_now().await; // it starts waiting
        event.set();
        event.clear(); // before the released waiter runs
        released.await.unwrap();
        println!("after set() then clear(): is_set() = {}", event.is_set());
    });
}
