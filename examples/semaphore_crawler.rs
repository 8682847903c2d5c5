//! A crawler's shape with a semaphore: twenty "fetches" (sleeps on the
//! paused clock), at most three at a time, as asyncio programs write
//! `async with sem: await fetch(url)`.
//!
//! `cargo run --example semaphore_crawler`

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use looplet::Builder;
use looplet::sync::Semaphore;

const PAGES: u64 = 20;
const AT_ONCE: usize = 3;

fn main() {
    Builder::new().start_paused(true).build().block_on(async {
        let limit = Semaphore::new(AT_ONCE);
        let (running, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let started = looplet::now();
        let fetches: Vec<_> = (0..PAGES)
            .map(|page| {
                let (limit, running, most) = (limit.clone(), running.clone(), most.clone());
                looplet::spawn(async move {
                    let _permit = limit.acquire().await;
                    running.set(running.get() + 1);
                    most.set(most.get().max(running.get()));
                    // The fetch: 100 ms to 290 ms.
                    looplet::sleep(Duration::from_millis(100 + page * 10)).await;
                    running.set(running.get() - 1);
                    page
                })
            })
            .collect();
        let pages = looplet::gather(fetches).await;
        println!(
            "{} pages, at most {} at once, in {:.2} s (virtual)",
            pages.len(),
            most.get(),
            (looplet::now() - started).as_secs_f64()
        );
        assert_eq!(most.get(), AT_ONCE);
    });
}
