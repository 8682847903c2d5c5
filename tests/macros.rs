//! `#[looplet::main]` and `#[looplet::test]` (feature `macros`), used the
//! way a user does. The wrong uses are compile-fail doc tests in
//! `src/lib.rs` (`macro_misuse`), and the expansion's unit tests are in
//! `macros/src/lib.rs`.
#![cfg(feature = "macros")]

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

#[looplet::test]
async fn a_test_runs_on_a_runtime() {
    let task = looplet::spawn(async { 20 });
    assert_eq!(task.await.unwrap() + 1, 21);
    assert_eq!(looplet::stats().tasks_spawned, 1);
}

#[looplet::test(start_paused = true)]
async fn start_paused_gives_the_virtual_clock() {
    let wall = std::time::Instant::now();
    let start = looplet::now();
    looplet::sleep(Duration::from_secs(86_400)).await;
    assert_eq!(looplet::now() - start, Duration::from_secs(86_400));
    assert!(wall.elapsed() < Duration::from_secs(1));
}

#[looplet::test]
async fn a_test_may_return_a_result() -> Result<(), String> {
    looplet::yield_now().await;
    Ok(())
}

thread_local! {
    static RUNS: Cell<u32> = const { Cell::new(0) };
}

#[looplet::test(explore = 25)]
async fn explore_runs_the_body_once_per_seed() {
    let seed = looplet::stats().shuffle_seed.expect("explore shuffles");
    assert!(seed < 25);
    RUNS.with(|runs| runs.set(runs.get() + 1));
    // Paused too.
    let start = looplet::now();
    looplet::sleep(Duration::from_secs(60)).await;
    assert_eq!(looplet::now() - start, Duration::from_secs(60));
}

#[test]
fn explore_ran_every_seed() {
    // The attribute made a plain fn: call it here to count its runs.
    RUNS.with(|runs| runs.set(0));
    explore_runs_the_body_once_per_seed();
    assert_eq!(RUNS.with(Cell::get), 25);
}

/// Other attributes (`should_panic` here) are kept.
#[looplet::test(explore = 100)]
#[should_panic(expected = "an update was lost")]
async fn explore_in_an_attribute_finds_an_order_bug() {
    let counter = Rc::new(Cell::new(0));
    let add_one = |counter: Rc<Cell<u32>>, late: bool| async move {
        if late {
            looplet::yield_now().await;
        }
        let seen = counter.get();
        looplet::yield_now().await;
        counter.set(seen + 1);
    };
    let a = looplet::spawn(add_one(counter.clone(), false));
    let b = looplet::spawn(add_one(counter.clone(), true));
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(counter.get(), 2, "an update was lost");
}
