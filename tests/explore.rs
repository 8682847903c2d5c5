//! `looplet::explore`: one fresh shuffled runtime per seed, the failing
//! seed named, its panic raised again, and the race of
//! `examples/find_the_race.rs` found (while FIFO passes it).

mod common;

#[allow(dead_code)]
#[path = "../examples/find_the_race.rs"]
mod find_the_race;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use common::panic_message;
use looplet::{Builder, explore, spawn, yield_now};

#[test]
fn explore_runs_once_per_seed_on_a_fresh_paused_shuffled_runtime() {
    let runs = Rc::new(Cell::new(0));
    let seeds = Rc::new(std::cell::RefCell::new(Vec::new()));
    let explored = explore([5, 3, 9], || {
        let (runs, seeds) = (runs.clone(), seeds.clone());
        async move {
            runs.set(runs.get() + 1);
            let stats = looplet::stats();
            // Fresh: nothing spawned before this; paused: an hour is free.
            assert_eq!(stats.tasks_spawned, 0);
            seeds.borrow_mut().push(stats.shuffle_seed.unwrap());
            let wall = std::time::Instant::now();
            looplet::sleep(std::time::Duration::from_secs(3600)).await;
            assert!(wall.elapsed() < std::time::Duration::from_secs(1));
        }
    });
    assert_eq!(runs.get(), 3);
    assert_eq!(*seeds.borrow(), [5, 3, 9]);
    assert_eq!(explored.schedules, 3);
    // One task: one order, whatever the seed.
    assert_eq!(explored.distinct_orders, 1);
}

#[test]
fn explore_counts_distinct_orders() {
    let explored = explore(0..50, || async {
        let tasks: Vec<_> = (0..3).map(|_| spawn(yield_now())).collect();
        looplet::gather(tasks).await;
    });
    assert_eq!(explored.schedules, 50);
    assert!(explored.distinct_orders > 6, "{explored:?}");
}

#[test]
fn explore_raises_the_first_failing_schedules_panic_and_stops() {
    let runs = Rc::new(Cell::new(0));
    let err = panic::catch_unwind(AssertUnwindSafe(|| {
        explore(0..100, || {
            let runs = runs.clone();
            async move {
                runs.set(runs.get() + 1);
                let seed = looplet::stats().shuffle_seed.unwrap();
                assert!(seed != 4, "seed four is unlucky");
            }
        })
    }))
    .unwrap_err();
    assert_eq!(panic_message(&*err), "seed four is unlucky");
    assert_eq!(runs.get(), 5);
}

#[test]
fn the_race_passes_under_fifo() {
    for _ in 0..3 {
        Builder::new()
            .start_paused(true)
            .fifo()
            .build()
            .block_on(find_the_race::last_seat());
    }
}

#[test]
fn explore_finds_the_race_and_names_its_seed() {
    let output = common::run_child_with("explore_child", &[("LOOPLET_EXPLORE_TEST_CHILD", "1")]);
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.starts_with("schedule seed "))
        .unwrap_or_else(|| panic!("no seed named in {stderr}"));
    let seed: u64 = line["schedule seed ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        line,
        format!("schedule seed {seed} failed; rerun with `LOOPLET_SHUFFLE={seed}`")
    );
    assert!(
        stderr.contains("sold a seat the office did not have"),
        "{stderr}"
    );

    // Rerun as told: that seed alone, and it fails again, with its trace.
    let output = common::run_child_with(
        "explore_child",
        &[
            ("LOOPLET_EXPLORE_TEST_CHILD", "1"),
            ("LOOPLET_SHUFFLE", &seed.to_string()),
            ("LOOPLET_TRACE", "1"),
        ],
    );
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("schedule shuffled with seed {seed}")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("looplet trace (").count(), 1, "{stderr}");
    assert!(
        stderr
            .contains("task 3 'second customer' panicked (7): sold a seat the office did not have"),
        "{stderr}"
    );
}

#[test]
fn explore_under_looplet_shuffle_runs_that_seed_alone() {
    let output = common::run_child_with(
        "explore_count_child",
        &[
            ("LOOPLET_EXPLORE_TEST_CHILD", "1"),
            ("LOOPLET_SHUFFLE", "17"),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("seeds [17]"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("explore: 1 schedule(s) ran, 1 distinct order(s)"),
        "{stderr}"
    );
}

/// Runs only as the child of the tests above.
#[test]
fn explore_child() {
    if std::env::var_os("LOOPLET_EXPLORE_TEST_CHILD").is_none() {
        return;
    }
    explore(0..100, find_the_race::last_seat);
}

/// Runs only as the child of the tests above.
#[test]
fn explore_count_child() {
    if std::env::var_os("LOOPLET_EXPLORE_TEST_CHILD").is_none() {
        return;
    }
    let seeds = Rc::new(std::cell::RefCell::new(Vec::new()));
    explore(0..10, || {
        let seeds = seeds.clone();
        async move {
            seeds
                .borrow_mut()
                .push(looplet::stats().shuffle_seed.unwrap())
        }
    });
    println!("seeds {:?}", seeds.borrow());
}
