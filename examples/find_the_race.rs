//! An order bug that FIFO hides, and `looplet::explore` finding it.
//!
//! A box office has one seat left. Two customers want it. Each checks that
//! a seat is left, then pays (an `.await`: other tasks run meanwhile), then
//! takes the seat. Check, await, act: the check is stale by the time the
//! customer acts, if the other customer slipped in between. It is the
//! asyncio bug of every `if key not in cache: value = await fetch(key)`.
//!
//! Under FIFO the second customer, who arrives a moment later (one
//! `yield_now`), always checks after the first has taken the seat, so the
//! test passes every time. Shuffled schedules let the second customer check
//! while the first is still paying, and the office sells a seat it does not
//! have.
//!
//! ```text
//! cargo run --example find_the_race
//! LOOPLET_SHUFFLE=<the seed it names> LOOPLET_TRACE=1 cargo run --example find_the_race
//! ```
//!
//! The second command replays exactly the schedule that failed, with its
//! trace. `docs/10-testing-schedules.md` walks through both outputs.

use std::cell::Cell;
use std::panic;
use std::rc::Rc;

use looplet::{Builder, spawn_named, yield_now};

/// The seats of a box office.
#[derive(Clone)]
pub struct BoxOffice {
    /// Seats left.
    seats: Rc<Cell<u32>>,
}

impl BoxOffice {
    /// An office with `seats` seats left.
    pub fn new(seats: u32) -> Self {
        BoxOffice {
            seats: Rc::new(Cell::new(seats)),
        }
    }

    /// Seats left.
    pub fn seats(&self) -> u32 {
        self.seats.get()
    }

    /// Buys a seat if one is left: the bug is here.
    pub async fn buy(&self) -> bool {
        if self.seats.get() == 0 {
            return false;
        }
        // Paying takes a moment: another customer may run now, and the
        // check above may no longer hold when we come back.
        yield_now().await;
        let left = self.seats.get().checked_sub(1);
        self.seats
            .set(left.expect("sold a seat the office did not have"));
        true
    }
}

/// The test: two customers, one seat, and exactly one of them gets it.
pub async fn last_seat() {
    let office = BoxOffice::new(1);
    let first = spawn_named("first customer", {
        let office = office.clone();
        async move { office.buy().await }
    });
    let second = spawn_named("second customer", {
        let office = office.clone();
        async move {
            yield_now().await; // arrives a moment later
            office.buy().await
        }
    });
    let sold = [first.await.unwrap(), second.await.unwrap()];
    assert_eq!(sold.iter().filter(|&&sold| sold).count(), 1);
    assert_eq!(office.seats(), 0);
}

fn main() {
    if std::env::var_os("LOOPLET_SHUFFLE").is_none() {
        // FIFO, the default: the test passes, run after run.
        let fifo = Builder::new()
            .start_paused(true)
            .fifo()
            .trace(false)
            .build();
        fifo.block_on(last_seat());
        println!("FIFO: the test passes");
    }
    // Shuffled: explore prints the failing seed, then raises its panic.
    let found = panic::catch_unwind(|| looplet::explore(0..100, last_seat));
    match found {
        Ok(explored) => println!(
            "explore: no schedule failed ({} ran, {} distinct orders)",
            explored.schedules, explored.distinct_orders
        ),
        Err(_) => println!("explore found an order that breaks the test (see above)"),
    }
}
