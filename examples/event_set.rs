//! Tutorial idiom: set the event; every task waiting on it is notified.
//!
//! ```python
//! event.set()
//! ```
//!
//! `cargo run --example event_set`

use looplet::Event;

fn main() {
    looplet::run(async {
        let event = Event::new();
        let waiter = looplet::spawn({
            let event = event.clone();
            async move {
                println!("waiter: waiting for the event");
                event.wait().await;
                println!("waiter: the event was set");
            }
        });
        looplet::yield_now().await; // let the waiter start waiting
        println!("main: setting the event");
        // set the event
        event.set();
        waiter.await.unwrap();
    });
}
