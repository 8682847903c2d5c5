//! Tutorial idiom: check whether the event is set.
//!
//! ```python
//! event = asyncio.Event()
//! if event.is_set():
//!     # do something...
//! ```
//!
//! `cargo run --example event_is_set`

use looplet::Event;

fn main() {
    looplet::run(async {
        // create an instance of an event: it starts not set
        let event = Event::new();
        println!("new event: is_set() = {}", event.is_set());
        event.set();
        // check if the event is set
        if event.is_set() {
            println!("after set(): is_set() = true, so we do something");
        }
    });
}
