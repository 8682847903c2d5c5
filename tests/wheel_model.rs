//! The timing wheel against a slow, obviously correct model: a
//! `BTreeMap<(deadline, order, seq), id>`. Random inserts (with the
//! wheel's own order or one the caller picks), cancels and advances, with
//! deadlines near and far (past the top level, up to `u64::MAX`) and
//! several tick lengths; after every step the wheel must hand back exactly
//! what the model says is due, in the model's order.

use std::collections::{BTreeMap, HashMap};

use looplet::time::wheel::{TimerKey, Wheel};
use proptest::prelude::*;

mod common;

#[derive(Debug, Clone)]
enum Op {
    /// Arm a timer `offset` units after now (may be in the past: negative
    /// offsets are expressed as `Past`).
    Insert(u64),
    /// Arm a timer `back` units before now.
    Past(u64),
    /// Arm a timer `offset` units after now with an order of the caller's
    /// (small, so equal orders and ties with `insert`'s happen).
    InOrder(u64, u64),
    /// Cancel the live timer at this position (modulo the count).
    Cancel(usize),
    /// Cancel a timer that already fired or was cancelled (must be a no-op).
    CancelStale(usize),
    /// Move time forward by this much.
    Advance(u64),
    /// Move time to the wheel's own next expiration (what a paused clock does).
    Jump,
}

/// Offsets that hit every level, the overflow list, and the end of time.
fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..130,
        3 => 0u64..300_000,
        2 => 0u64..(1 << 40),
        1 => (1u64 << 36) - 5..(1u64 << 36) + 5,
        1 => u64::MAX - 1000..=u64::MAX,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => offset().prop_map(Op::Insert),
        1 => (0u64..5000).prop_map(Op::Past),
        3 => (prop_oneof![0u64..130, Just(0)], 0u64..40).prop_map(|(o, r)| Op::InOrder(o, r)),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => any::<usize>().prop_map(Op::CancelStale),
        3 => offset().prop_map(Op::Advance),
        2 => Just(Op::Jump),
    ]
}

/// Runs `ops` against a wheel with `tick` units per tick and the model.
fn check(tick: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut wheel: Wheel<u32> = Wheel::with_tick(tick);
    // (deadline, order, seq) -> id: BTreeMap order is the firing order.
    let mut model: BTreeMap<(u64, u64, u64), u32> = BTreeMap::new();
    let mut live: Vec<(TimerKey, u64, u64)> = Vec::new(); // key, deadline, order
    let mut order_of: HashMap<u32, u64> = HashMap::new();
    let mut dead: Vec<TimerKey> = Vec::new();
    let mut by_id: HashMap<u32, TimerKey> = HashMap::new();
    let mut now = 0u64;
    let mut next_id = 0u32;

    for op in ops {
        match op {
            Op::Insert(offset) | Op::Past(offset) | Op::InOrder(offset, _) => {
                let deadline = match op {
                    Op::Past(_) => now.saturating_sub(offset),
                    _ => now.saturating_add(offset),
                };
                let id = next_id;
                next_id += 1;
                let (key, order) = match op {
                    Op::InOrder(_, order) => (wheel.insert_in_order(deadline, order, id), order),
                    _ => {
                        // `insert` orders by insertion: its order is the seq.
                        let key = wheel.insert(deadline, id);
                        (key, key.seq())
                    }
                };
                model.insert((deadline, order, key.seq()), id);
                live.push((key, deadline, order));
                by_id.insert(id, key);
                order_of.insert(id, order);
            }
            Op::Cancel(i) if !live.is_empty() => {
                let (key, deadline, order) = live.swap_remove(i % live.len());
                let id = model
                    .remove(&(deadline, order, key.seq()))
                    .expect("live timer is in the model");
                prop_assert_eq!(wheel.cancel(key), Some(id));
                dead.push(key);
            }
            Op::CancelStale(i) if !dead.is_empty() => {
                let key = dead[i % dead.len()];
                prop_assert_eq!(wheel.cancel(key), None);
                prop_assert!(!wheel.contains(key));
            }
            Op::Cancel(_) | Op::CancelStale(_) => {}
            Op::Advance(by) => now = now.saturating_add(by),
            Op::Jump => {
                if let Some(next) = wheel.next_expiration() {
                    now = now.max(next);
                }
            }
        }

        // What is due now, in order, per the model...
        let due: Vec<(u64, u32)> = model
            .range(..=(now, u64::MAX, u64::MAX))
            .map(|(&(d, _, _), &id)| (d, id))
            .collect();
        // ...and per the wheel.
        // One timer at a time, or all at once, by turns: the two must agree.
        let fired: Vec<(u64, u32)> = if next_id % 2 == 0 {
            std::iter::from_fn(|| wheel.poll(now))
                .map(|f| (f.deadline, f.value))
                .collect()
        } else {
            let mut all = Vec::new();
            wheel.poll_all(now, &mut all);
            all.into_iter().map(|f| (f.deadline, f.value)).collect()
        };
        prop_assert_eq!(&fired, &due, "at now = {}", now);
        for (deadline, id) in fired {
            let key = by_id.remove(&id).unwrap();
            let order = order_of.remove(&id).unwrap();
            model.remove(&(deadline, order, key.seq()));
            live.retain(|(k, _, _)| *k != key);
            dead.push(key);
            prop_assert!(!wheel.contains(key));
        }
        prop_assert_eq!(wheel.len(), model.len());

        // The next expiration is never after the earliest deadline, and
        // strictly after `now` (a paused clock jumping to it must move).
        let next = wheel.next_expiration();
        match model.keys().next() {
            None => prop_assert_eq!(next, None),
            Some(&(earliest, _, _)) => {
                let next = next.expect("timers are armed");
                prop_assert!(
                    next <= earliest,
                    "next {} after earliest {}",
                    next,
                    earliest
                );
                prop_assert!(next > now, "next {} not after now {}", next, now);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn wheel_matches_model_one_unit_ticks(ops in prop::collection::vec(op(), 1..120)) {
        check(1, ops)?;
    }

    #[test]
    fn wheel_matches_model_sub_tick_deadlines(ops in prop::collection::vec(op(), 1..120)) {
        check(1000, ops)?;
    }

    #[test]
    fn wheel_matches_model_odd_ticks(ops in prop::collection::vec(op(), 1..120)) {
        check(7, ops)?;
    }
}

#[test]
fn paused_clock_walk_reaches_every_deadline_in_order() {
    // Jumping to `next_expiration` repeatedly (what a paused runtime does)
    // fires every timer at exactly its deadline.
    let mut wheel = Wheel::with_tick(1_000_000);
    let deadlines = [
        1,
        999_999,
        1_000_000,
        64_000_000,
        64_000_001,
        4_096_000_000,
        86_400_000_000_000,
        u64::MAX - 1,
    ];
    for (i, &d) in deadlines.iter().enumerate().rev() {
        wheel.insert(d, i);
    }
    let mut fired = Vec::new();
    let mut now = 0;
    while let Some(next) = wheel.next_expiration() {
        assert!(next > now || next == 0);
        now = next;
        while let Some(f) = wheel.poll(now) {
            assert_eq!(f.deadline, now, "fired at its exact deadline");
            fired.push(f.value);
        }
    }
    assert_eq!(fired, (0..deadlines.len()).collect::<Vec<_>>());
}
