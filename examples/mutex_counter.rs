//! A lock around a shared counter with an await inside: the classic race
//! asyncio programs guard with `async with lock:`. Without the lock, each
//! task reads the counter, yields, and writes back a stale value; with it,
//! no update is lost.
//!
//! `cargo run --example mutex_counter`

use std::cell::Cell;
use std::rc::Rc;

use looplet::sync::Mutex;

const TASKS: u32 = 100;

fn main() {
    looplet::run(async {
        // Unguarded: every task reads 0 before any writes.
        let racy = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let racy = racy.clone();
                looplet::spawn(async move {
                    let seen = racy.get();
                    looplet::yield_now().await; // another task runs here
                    racy.set(seen + 1);
                })
            })
            .collect();
        looplet::gather(tasks).await;

        // Guarded: the read, the await and the write happen under the lock.
        let counter = Mutex::new(0);
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let counter = counter.clone();
                looplet::spawn(async move {
                    let mut n = counter.lock().await;
                    let seen = *n;
                    looplet::yield_now().await; // the others queue for the lock
                    *n = seen + 1;
                })
            })
            .collect();
        looplet::gather(tasks).await;

        let guarded = *counter.lock().await;
        println!(
            "without the lock: {} of {TASKS} increments kept",
            racy.get()
        );
        println!("with the lock:    {guarded} of {TASKS} increments kept");
        assert_eq!(guarded, TASKS);
    });
}
