//! Shuffled schedules (`Builder::shuffle`, `LOOPLET_SHUFFLE`): the same
//! seed gives the same schedule and trace, different seeds different
//! orders, every order of a batch is reachable, FIFO stays the default,
//! and shuffling changes nothing but order.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Lines, Log};
use looplet::{Builder, Runtime, gather, sleep, spawn, yield_now};

fn shuffled(seed: u64) -> Runtime {
    Builder::new().start_paused(true).shuffle(seed).build()
}

/// The order in which `n` tasks, spawned together, first run.
fn first_run_order(rt: &Runtime, n: usize) -> Vec<usize> {
    let log = Log::new();
    rt.block_on({
        let log = log.clone();
        async move {
            let tasks: Vec<_> = (0..n)
                .map(|i| {
                    let log = log.clone();
                    spawn(async move { log.push(i.to_string()) })
                })
                .collect();
            gather(tasks).await;
        }
    });
    log.take().iter().map(|i| i.parse().unwrap()).collect()
}

/// Three tasks that each yield twice, logging every step: the whole
/// schedule of a small program.
fn schedule(rt: &Runtime) -> Vec<String> {
    let log = Log::new();
    rt.block_on({
        let log = log.clone();
        async move {
            let tasks: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    spawn(async move {
                        for step in 0..3 {
                            log.push(format!("{name}{step}"));
                            yield_now().await;
                        }
                    })
                })
                .collect();
            gather(tasks).await;
        }
    });
    log.take()
}

#[test]
fn fifo_when_not_shuffled() {
    let rt = Builder::new().start_paused(true).fifo().build();
    assert_eq!(first_run_order(&rt, 6), [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        schedule(&rt),
        ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]
    );
    assert_eq!(rt.stats().shuffle_seed, None);
}

#[test]
fn the_same_seed_gives_the_same_order() {
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(
            schedule(&shuffled(seed)),
            schedule(&shuffled(seed)),
            "seed {seed}"
        );
        assert_eq!(
            first_run_order(&shuffled(seed), 8),
            first_run_order(&shuffled(seed), 8)
        );
    }
}

#[test]
fn different_seeds_give_different_orders() {
    let orders: BTreeSet<Vec<usize>> = (0..20)
        .map(|seed| first_run_order(&shuffled(seed), 8))
        .collect();
    // 8! = 40,320 orders: twenty seeds all but surely give twenty.
    assert!(orders.len() >= 19, "{orders:?}");
    assert_ne!(schedule(&shuffled(1)), schedule(&shuffled(2)));
}

#[test]
fn every_order_of_a_three_task_batch_appears() {
    let mut seen = BTreeSet::new();
    for seed in 0..200 {
        seen.insert(first_run_order(&shuffled(seed), 3));
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
}

#[test]
fn the_orders_of_a_three_task_batch_are_about_equally_likely() {
    let mut counts = std::collections::BTreeMap::new();
    for seed in 0..3_000 {
        *counts
            .entry(first_run_order(&shuffled(seed), 3))
            .or_insert(0) += 1;
    }
    // 500 each if uniform; a biased shuffle (swapping with any index, say)
    // puts some orders near 440 and others near 590.
    assert!(
        counts.values().all(|&n| (430..570).contains(&n)),
        "{counts:?}"
    );
}

#[test]
fn shuffling_changes_only_the_order() {
    let fifo = Builder::new().start_paused(true).fifo().build();
    let mut expected = schedule(&fifo);
    expected.sort();
    let fifo_stats = fifo.stats();
    for seed in 0..50 {
        let rt = shuffled(seed);
        let mut got = schedule(&rt);
        // Each task's steps stay in its own order: one poll per turn.
        for name in ["a", "b", "c"] {
            let steps: Vec<_> = got.iter().filter(|s| s.starts_with(name)).collect();
            assert_eq!(
                steps,
                [
                    &format!("{name}0"),
                    &format!("{name}1"),
                    &format!("{name}2")
                ]
            );
        }
        got.sort();
        assert_eq!(got, expected, "seed {seed}");
        let stats = rt.stats();
        // As many polls and turns as FIFO: a yielding task still waits for
        // the next turn, and no turn polls what was queued during it.
        assert_eq!(
            (stats.polls, stats.turns),
            (fifo_stats.polls, fifo_stats.turns)
        );
        assert_eq!(stats.shuffle_seed, Some(seed));
    }
}

#[test]
fn a_task_woken_during_a_turn_waits_for_the_next_under_any_seed() {
    for seed in 0..30 {
        let rt = shuffled(seed);
        let log = Log::new();
        rt.block_on({
            let log = log.clone();
            async move {
                let turn = || looplet::stats().turns;
                let spinner = spawn({
                    let log = log.clone();
                    async move {
                        for _ in 0..3 {
                            log.push(format!("spin {}", turn()));
                            yield_now().await;
                        }
                    }
                });
                let other = spawn({
                    let log = log.clone();
                    async move { log.push(format!("other {}", turn())) }
                });
                spinner.await.unwrap();
                other.await.unwrap();
            }
        });
        let spins: Vec<_> = log
            .take()
            .into_iter()
            .filter(|line| line.starts_with("spin"))
            .collect();
        let turns: Vec<u64> = spins
            .iter()
            .map(|line| line[5..].parse().unwrap())
            .collect();
        assert!(
            turns.windows(2).all(|w| w[1] == w[0] + 1),
            "seed {seed}: {spins:?}"
        );
    }
}

/// The order in which sleeps with one deadline complete.
fn equal_deadline_order(rt: &Runtime) -> Vec<String> {
    let log = Log::new();
    rt.block_on({
        let log = log.clone();
        async move {
            let deadline = looplet::now() + Duration::from_millis(10);
            // Each task sleeps to the same deadline: the order they wake in
            // is the order their timers fired in (and, shuffled, the batch
            // they land in is permuted too).
            let tasks: Vec<_> = (0..5)
                .map(|i| {
                    let log = log.clone();
                    spawn(async move {
                        looplet::sleep_until(deadline).await;
                        log.push(i.to_string());
                    })
                })
                .collect();
            gather(tasks).await;
        }
    });
    log.take()
}

#[test]
fn equal_deadline_timers_fire_in_creation_order_under_fifo() {
    let rt = Builder::new().start_paused(true).fifo().build();
    assert_eq!(equal_deadline_order(&rt), ["0", "1", "2", "3", "4"]);
}

#[test]
fn equal_deadline_timers_are_permuted_by_the_seed() {
    let orders: BTreeSet<Vec<String>> = (0..20)
        .map(|seed| equal_deadline_order(&shuffled(seed)))
        .collect();
    assert!(orders.len() > 10, "{orders:?}");
    assert_eq!(
        equal_deadline_order(&shuffled(9)),
        equal_deadline_order(&shuffled(9))
    );
}

/// The whole trace of a small program with tasks, an event and timers,
/// shuffled with `seed`.
fn traced_run(seed: u64) -> String {
    let lines = Lines::default();
    let rt = Builder::new()
        .start_paused(true)
        .shuffle(seed)
        .trace_to(lines.clone())
        .build();
    rt.block_on(async {
        let event = looplet::Event::new();
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let event = event.clone();
                spawn(async move {
                    event.wait().await;
                    sleep(Duration::from_millis(5 * (i % 2))).await;
                })
            })
            .collect();
        yield_now().await;
        event.set();
        gather(waiters).await;
    });
    drop(rt);
    lines.text()
}

#[test]
fn the_same_seed_gives_the_same_trace_text() {
    let first = traced_run(77);
    assert_eq!(first, traced_run(77));
    assert!(
        first.starts_with(
            "   0.000000  looplet trace (virtual clock, schedule shuffled with seed 77): "
        ),
        "{first}"
    );
    assert_ne!(first, traced_run(78));
}

/// `LOOPLET_SHUFFLE` is read by `Builder::new()`, so `looplet::run`
/// honours it: the test runs this binary again with it set.
#[test]
fn looplet_shuffle_env_var_shuffles_run() {
    let output = common::run_child_with(
        "shuffle_env_child",
        &[
            ("LOOPLET_SHUFFLE", " 12345 "),
            ("LOOPLET_SHUFFLE_TEST_CHILD", "1"),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = format!(
        "order {:?}",
        first_run_order(&Builder::new().shuffle(12345).build(), 8)
    );
    assert!(stdout.contains("seed Some(12345)"), "{stdout}");
    assert!(stdout.contains(&expected), "{expected} not in {stdout}");
}

#[test]
fn a_malformed_looplet_shuffle_panics_naming_the_variable() {
    for bad in ["abc", "-1", "1.5", "18446744073709551616"] {
        let output = common::run_child_with(
            "shuffle_env_child",
            &[
                ("LOOPLET_SHUFFLE", bad),
                ("LOOPLET_SHUFFLE_TEST_CHILD", "1"),
            ],
        );
        assert!(!output.status.success(), "{bad}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "`LOOPLET_SHUFFLE` must be a seed, a whole number such as `LOOPLET_SHUFFLE=42` (from 0 to 18446744073709551615), or unset; it is {bad:?}"
            )),
            "{bad}: {stderr}"
        );
    }
}

#[test]
fn an_empty_looplet_shuffle_means_fifo() {
    let output = common::run_child_with(
        "shuffle_env_child",
        &[("LOOPLET_SHUFFLE", ""), ("LOOPLET_SHUFFLE_TEST_CHILD", "1")],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("seed None"), "{stdout}");
    assert!(
        stdout.contains("order [0, 1, 2, 3, 4, 5, 6, 7]"),
        "{stdout}"
    );
}

/// Runs only as the child of the tests above.
#[test]
fn shuffle_env_child() {
    if std::env::var_os("LOOPLET_SHUFFLE_TEST_CHILD").is_none() {
        return;
    }
    let seed = looplet::run(async { looplet::stats().shuffle_seed });
    println!("seed {seed:?}");
    let order = first_run_order(&Builder::new().build(), 8);
    println!("order {order:?}");
}

/// The order in which five timers with one deadline fire, seen by their
/// wakers (no batch in between: each waker logs when it is woken).
fn timer_fire_order(rt: &Runtime) -> Vec<usize> {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Wake, Waker};

    struct Logs(usize, Arc<Mutex<Vec<usize>>>);
    impl Wake for Logs {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }
    let fired = Arc::new(Mutex::new(Vec::new()));
    rt.block_on({
        let fired = fired.clone();
        async move {
            let deadline = looplet::now() + Duration::from_millis(10);
            let mut sleeps: Vec<_> = (0..5).map(|_| looplet::sleep_until(deadline)).collect();
            for (i, nap) in sleeps.iter_mut().enumerate() {
                let waker = Waker::from(Arc::new(Logs(i, fired.clone())));
                assert!(
                    Pin::new(nap)
                        .poll(&mut Context::from_waker(&waker))
                        .is_pending()
                );
            }
            sleep(Duration::from_millis(20)).await;
        }
    });
    fired.lock().unwrap().to_vec()
}

#[test]
fn equal_deadline_timers_fire_in_a_seeded_order() {
    let fifo = Builder::new().start_paused(true).fifo().build();
    assert_eq!(timer_fire_order(&fifo), [0, 1, 2, 3, 4]);
    let orders: BTreeSet<Vec<usize>> = (0..20)
        .map(|seed| timer_fire_order(&shuffled(seed)))
        .collect();
    assert!(orders.len() > 10, "{orders:?}");
    for seed in [3, 4] {
        assert_eq!(
            timer_fire_order(&shuffled(seed)),
            timer_fire_order(&shuffled(seed))
        );
    }
}
