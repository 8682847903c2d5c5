//! Tutorial idiom: one event triggers many tasks at once.
//!
//! Ten thousand tasks wait on one event; a single `set` releases them all,
//! in the order they began waiting.
//!
//! `cargo run --example event_many_tasks`

use std::cell::RefCell;
use std::rc::Rc;

use looplet::{Event, ReturnWhen};

const TASKS: usize = 10_000;

fn main() {
    looplet::run(async {
        let event = Event::new();
        let order = Rc::new(RefCell::new(Vec::with_capacity(TASKS)));
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let (event, order) = (event.clone(), order.clone());
                looplet::spawn(async move {
                    event.wait().await;
                    order.borrow_mut().push(i);
                })
            })
            .collect();
        looplet::yield_now().await;
        println!("{event:?}");
        event.set();
        let (done, _) = looplet::wait(tasks, ReturnWhen::AllCompleted).await;
        let in_order = order.borrow().windows(2).all(|w| w[0] < w[1]);
        println!(
            "{} tasks released by one set(), in waiting order: {in_order}",
            done.len()
        );
    });
}
