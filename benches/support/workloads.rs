//! The five core workloads, written once against the [`Rt`] trait of
//! `peers.rs`, for any number of elements `n`. Shared by
//! `benches/compare.rs` (criterion, `n` = 100,000) and
//! `benches/examples/scaling.rs` (one workload, one runtime, any `n`, for
//! interleaved rounds, scaling and callgrind).
//!
//! | workload | what one run does | element |
//! |---|---|---|
//! | `spawn_join` | spawn `n` tasks that each return a number, then await every handle | task |
//! | `event_fanout` | `n` tasks wait on one event; main yields until all are blocked, sets it, awaits every handle | task |
//! | `ping_pong` | two tasks pass a turn back and forth through two events `n` times | round trip |
//! | `timers_fire` | `n` tasks each sleep 1..=100 ms (one seeded xorshift sequence); main awaits them all | timer |
//! | `timers_cancel` | `n` tasks each run `timeout(10 s, event.wait())` on one event, all released by one `set` | timer |
#![allow(dead_code)] // each includer uses part of it

use std::future::Future;
use std::time::Duration;

use super::peers::{BenchEvent, Rt, STARTED, mark_started, until_started};

/// The workloads' names, in the order of the tables.
pub const NAMES: [&str; 5] = [
    "spawn_join",
    "event_fanout",
    "ping_pong",
    "timers_fire",
    "timers_cancel",
];

/// Runs workload `name` with `n` elements; `false` if there is none by
/// that name.
pub async fn run<R: Rt>(name: &str, n: usize, delays: &[Duration]) -> bool {
    match name {
        "spawn_join" => spawn_join::<R>(n).await,
        "event_fanout" => event_fanout::<R>(n).await,
        "ping_pong" => ping_pong::<R>(n).await,
        "timers_fire" => timers_fire::<R>(delays).await,
        "timers_cancel" => timers_cancel::<R>(n).await,
        _ => return false,
    }
    true
}

/// Spawns `n` tasks that each return a number, then awaits every handle.
pub async fn spawn_join<R: Rt>(n: usize) {
    let handles: Vec<_> = (0..n).map(|i| R::spawn(async move { i })).collect();
    let mut sum = 0;
    for handle in handles {
        sum += R::join(handle).await;
    }
    assert_eq!(sum, n * (n - 1) / 2);
}

/// Spawns `n` tasks that each run `wait(event)` on one shared event,
/// yields until every task has started (and so is blocked), sets the event
/// and awaits every task.
async fn release_waiters<R: Rt, F>(n: usize, wait: impl Fn(R::Event) -> F)
where
    F: Future<Output = ()> + 'static,
{
    let event = R::Event::new();
    STARTED.set(0);
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let blocked = wait(event.clone());
            R::spawn(async move {
                mark_started();
                blocked.await;
            })
        })
        .collect();
    until_started::<R>(n).await;
    event.set();
    for handle in handles {
        R::join(handle).await;
    }
}

/// `n` tasks block on one event; one `set` releases them all.
pub async fn event_fanout<R: Rt>(n: usize) {
    release_waiters::<R, _>(n, |event| async move { event.wait().await }).await;
}

/// Two tasks hand a turn back and forth `n` times through two events.
pub async fn ping_pong<R: Rt>(n: usize) {
    let ping_turn = R::Event::new();
    let pong_turn = R::Event::new();
    let ping = R::spawn({
        let (mine, theirs) = (ping_turn.clone(), pong_turn.clone());
        async move {
            for _ in 0..n {
                theirs.set();
                mine.wait().await;
                mine.clear();
            }
        }
    });
    let pong = R::spawn(async move {
        for _ in 0..n {
            pong_turn.wait().await;
            pong_turn.clear();
            ping_turn.set();
        }
    });
    R::join(ping).await;
    R::join(pong).await;
}

/// The sleeps of `timers_fire`: 1..=100 ms from a fixed-seed xorshift64,
/// the same sequence for every runtime and every run (the first `n` of it).
pub fn delays(n: usize) -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(1 + x % 100)
        })
        .collect()
}

/// One task per delay sleeps it; main awaits them all.
pub async fn timers_fire<R: Rt>(delays: &[Duration]) {
    let handles: Vec<_> = delays.iter().map(|&d| R::spawn(R::sleep(d))).collect();
    for handle in handles {
        R::join(handle).await;
    }
}

/// `n` timeouts of 10 s around one event's wait, all ended early by `set`:
/// every timer is armed and cancelled.
pub async fn timers_cancel<R: Rt>(n: usize) {
    release_waiters::<R, _>(n, |event| async move {
        let woke = R::timeout(Duration::from_secs(10), event.wait()).await;
        assert!(woke.is_some(), "a 10 s timeout fired");
    })
    .await;
}
