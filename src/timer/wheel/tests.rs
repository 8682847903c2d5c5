//! Unit tests of the wheel: the worked example of the module docs, exact
//! deadlines, equal deadlines, the overflow list, cancellation and memory.
//! `tests/wheel_model.rs` fuzzes the whole against a `BTreeMap` model.

use super::*;

fn drain_due(wheel: &mut Wheel<u32>, now: u64) -> Vec<u32> {
    std::iter::from_fn(|| wheel.poll(now))
        .map(|f| f.value)
        .collect()
}

#[test]
fn worked_example_five_seconds() {
    let mut wheel = Wheel::new();
    let key = wheel.insert(5000, 7);
    assert_eq!(
        wheel.placement(key),
        Some(Placement::Slot { level: 2, slot: 1 })
    );
    assert_eq!(wheel.next_expiration(), Some(4096));
    assert_eq!(wheel.poll(4096), None);
    assert_eq!(
        wheel.placement(key),
        Some(Placement::Slot { level: 1, slot: 14 })
    );
    assert_eq!(wheel.next_expiration(), Some(4992));
    assert_eq!(wheel.poll(4999), None);
    assert_eq!(
        wheel.placement(key),
        Some(Placement::Slot { level: 0, slot: 8 })
    );
    assert_eq!(wheel.next_expiration(), Some(5000));
    assert_eq!(wheel.poll(5000).map(|f| f.value), Some(7));
    assert!(wheel.is_empty());
}

#[test]
fn fires_at_exact_deadline_not_slot_edge() {
    // Deadlines in microseconds, 1 ms ticks.
    let mut wheel = Wheel::with_tick(1000);
    wheel.insert(70_500, 1);
    assert_eq!(drain_due(&mut wheel, 70_000), Vec::<u32>::new());
    assert_eq!(wheel.next_expiration(), Some(70_500));
    assert_eq!(drain_due(&mut wheel, 70_499), Vec::<u32>::new());
    assert_eq!(drain_due(&mut wheel, 70_500), vec![1]);
}

#[test]
fn past_deadline_fires_on_next_poll() {
    let mut wheel = Wheel::new();
    assert_eq!(wheel.poll(100), None);
    let key = wheel.insert(3, 1);
    assert_eq!(wheel.placement(key), Some(Placement::Due));
    assert_eq!(drain_due(&mut wheel, 100), vec![1]);
}

#[test]
fn equal_deadlines_fire_in_insertion_order_across_levels() {
    let mut wheel = Wheel::new();
    wheel.insert(5000, 1); // level 2 from elapsed 0
    wheel.poll(4990);
    wheel.insert(5000, 2); // level 0 from elapsed 4990
    wheel.insert(5000, 3);
    assert_eq!(drain_due(&mut wheel, 5000), vec![1, 2, 3]);
}

#[test]
fn insert_in_order_fires_equal_deadlines_by_order_across_levels() {
    let mut wheel = Wheel::new();
    wheel.insert_in_order(5000, 30, 3); // level 2 from elapsed 0
    wheel.poll(4990);
    wheel.insert_in_order(5000, 10, 1); // level 0 from elapsed 4990
    wheel.insert_in_order(5000, 20, 2);
    wheel.poll(5000 - 1);
    // Inserted after the tick is reached: straight into the due heap.
    wheel.insert_in_order(5000, 0, 0);
    assert_eq!(drain_due(&mut wheel, 5000), vec![0, 1, 2, 3]);
}

#[test]
fn insert_in_order_breaks_equal_orders_by_insertion_and_keeps_keys_unique() {
    let mut wheel = Wheel::new();
    let a = wheel.insert_in_order(7, 5, 1);
    let b = wheel.insert_in_order(7, 5, 2);
    let c = wheel.insert_in_order(7, 5, 3);
    assert!(a.seq() < b.seq() && b.seq() < c.seq());
    assert_eq!(wheel.cancel(b), Some(2));
    // Reuses b's storage with the same order: b's key must not match it.
    let d = wheel.insert_in_order(7, 5, 4);
    assert_eq!(d.index, b.index);
    assert_eq!(wheel.cancel(b), None);
    assert_eq!(drain_due(&mut wheel, 7), vec![1, 3, 4]);
}

#[test]
fn insert_is_insert_in_order_by_seq() {
    let mut wheel = Wheel::new();
    wheel.insert_in_order(9, 1, 10); // seq 0, order 1
    wheel.insert(9, 20); // seq 1, order 1: after the first by seq
    wheel.insert_in_order(9, 0, 30); // seq 2, order 0: before both
    assert_eq!(drain_due(&mut wheel, 9), vec![30, 10, 20]);
}

#[test]
fn overflow_timers_never_fire_early() {
    let mut wheel = Wheel::new();
    let far = (1u64 << 36) + 17;
    let key = wheel.insert(far, 9);
    assert_eq!(wheel.placement(key), Some(Placement::Overflow));
    assert_eq!(wheel.next_expiration(), Some(1 << 36));
    assert_eq!(drain_due(&mut wheel, far - 1), Vec::<u32>::new());
    assert_eq!(drain_due(&mut wheel, far), vec![9]);
}

#[test]
fn a_timer_centuries_away_costs_one_overflow_visit() {
    let mut wheel = Wheel::new();
    let far = u64::MAX - 5;
    wheel.insert(far, 1);
    // One step to the timer's block, then the levels: a handful of visits.
    let mut steps = 0;
    while let Some(next) = wheel.next_expiration() {
        steps += 1;
        if wheel.poll(next).is_some() {
            break;
        }
    }
    assert!(steps <= 8, "{steps} visits");
    assert!(wheel.is_empty());
}

#[test]
fn deadline_near_u64_max_is_kept() {
    let mut wheel = Wheel::with_tick(1_000_000);
    wheel.insert(u64::MAX - 1, 1);
    assert_eq!(drain_due(&mut wheel, u64::MAX - 2), Vec::<u32>::new());
    assert_eq!(drain_due(&mut wheel, u64::MAX - 1), vec![1]);
}

#[test]
fn cancel_clears_the_slot_bit() {
    let mut wheel = Wheel::new();
    let a = wheel.insert(100, 1);
    let b = wheel.insert(100, 2);
    wheel.cancel(a);
    assert_eq!(wheel.levels[1].occupied, 1 << 1);
    wheel.cancel(b);
    assert_eq!(wheel.levels[1].occupied, 0);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn cancelled_due_timer_is_skipped_and_key_reuse_is_safe() {
    let mut wheel = Wheel::new();
    wheel.poll(10);
    let a = wheel.insert(5, 1); // due
    let keep = wheel.insert(50, 3);
    assert_eq!(wheel.cancel(a), Some(1));
    let b = wheel.insert(6, 2); // reuses a's slab index, new seq
    assert_eq!(b.index, a.index);
    assert_eq!(
        wheel.cancel(a),
        None,
        "old key must not cancel the new timer"
    );
    assert_eq!(drain_due(&mut wheel, 10), vec![2]);
    assert!(wheel.contains(keep));
}

#[test]
fn steady_insert_cancel_does_not_grow() {
    let mut wheel = Wheel::new();
    for i in 0..4096 {
        wheel.insert(i * 7 + 1, 0);
    }
    // The first extra timer may grow the slab once; after that, nothing.
    let first = wheel.insert(1, 1);
    wheel.cancel(first);
    let cap = wheel.entries.capacity();
    let heap_cap = wheel.due.capacity();
    for i in 0..100_000u64 {
        let key = wheel.insert(i % 5000 + 1, 1);
        wheel.cancel(key);
    }
    assert_eq!(wheel.entries.capacity(), cap);
    assert_eq!(wheel.due.capacity(), heap_cap);
}

#[test]
fn stale_items_under_a_live_due_timer_are_compacted() {
    let mut wheel = Wheel::with_tick(1000);
    wheel.poll(1000);
    let live = wheel.insert(1100, 0); // due heap, on top
    for i in 0..10_000 {
        let key = wheel.insert(1500 + i % 7, 1);
        wheel.cancel(key);
        assert_eq!(wheel.poll(1050), None);
        assert!(
            wheel.due.len() <= 2 * wheel.len(),
            "{} heap items for {} live timers",
            wheel.due.len(),
            wheel.len()
        );
        assert!(wheel.stale <= wheel.due.len());
    }
    let kept = wheel.insert(1400, 2);
    assert_eq!(drain_due(&mut wheel, 2000), vec![0, 2]);
    assert!(!wheel.contains(live) && !wheel.contains(kept));
    assert_eq!((wheel.due.len(), wheel.stale), (0, 0));
}

#[test]
fn next_expiration_is_exact_for_a_level_0_slot_and_a_cancel_leaves_it_early() {
    // Deadlines in microseconds, 1 ms ticks: tick 5 is on level 0.
    let mut wheel = Wheel::with_tick(1000);
    let early = wheel.insert(5_200, 1);
    wheel.insert(5_700, 2);
    assert_eq!(
        wheel.next_expiration(),
        Some(5_200),
        "exact before the tick"
    );
    // Cancelling the earliest leaves the answer early, never late: waking
    // at 5_200 moves the tick into the heap, and then it is exact again.
    assert_eq!(wheel.cancel(early), Some(1));
    assert_eq!(wheel.next_expiration(), Some(5_200));
    assert_eq!(drain_due(&mut wheel, 5_200), Vec::<u32>::new());
    assert_eq!(wheel.next_expiration(), Some(5_700));
    assert_eq!(drain_due(&mut wheel, 5_700), vec![2]);
}

#[test]
fn a_level_0_slot_filled_again_forgets_its_old_soonest() {
    let mut wheel = Wheel::with_tick(1000);
    // Slot 5 of level 0 holds tick 5, and is emptied by a cancel.
    let gone = wheel.insert(5_100, 1);
    assert_eq!(wheel.cancel(gone), Some(1));
    // A turn of level 0 later (64 ticks), the same slot holds tick 69.
    assert_eq!(drain_due(&mut wheel, 64_000), Vec::<u32>::new());
    wheel.insert(69_900, 2);
    assert_eq!(
        wheel.next_expiration(),
        Some(69_900),
        "not 5_100, nor the tick start"
    );
    assert_eq!(drain_due(&mut wheel, 69_900), vec![2]);
}

#[test]
fn the_span_of_a_level_0_slot_starts_afresh_when_the_slot_refills() {
    // Deadlines in microseconds, 1 ms ticks.
    let mut wheel = Wheel::with_tick(1000);
    wheel.insert(5_100, 1);
    wheel.insert(5_900, 2);
    wheel.insert(5_400, 3);
    assert_eq!(wheel.next_expiration_span(), Some((5_100, 5_900)));
    // A cancel may leave the span wide: late, never early.
    let key = wheel.insert(5_950, 4);
    wheel.cancel(key);
    assert_eq!(wheel.next_expiration_span(), Some((5_100, 5_950)));
    assert_eq!(drain_due(&mut wheel, 5_950), [1, 3, 2]);
    // Slot 5 of level 0 comes round again 64 ticks later, empty: its old
    // span says nothing about what it holds now.
    assert_eq!(wheel.poll(64_000), None);
    wheel.insert(69_200, 5);
    let twin = wheel.insert(69_200, 6);
    assert_eq!(
        wheel.placement(twin),
        Some(Placement::Slot { level: 0, slot: 5 })
    );
    assert_eq!(wheel.next_expiration_span(), Some((69_200, 69_200)));
}

#[test]
fn an_emptied_wheel_hands_out_its_entries_from_the_front_again() {
    let mut wheel = Wheel::new();
    // Fired in an order unlike the order they were armed in.
    let keys: Vec<_> = (0..100u32)
        .map(|i| wheel.insert(u64::from(i * 37 % 100 + 1), i))
        .collect();
    assert_eq!(drain_due(&mut wheel, 100).len(), 100);
    let again: Vec<usize> = (0..100).map(|i| wheel.insert(1000 + i, 0).index).collect();
    assert_eq!(again, (0..100).collect::<Vec<_>>());
    // Keys of the first burst name nothing, though their indices are reused.
    assert!(keys.iter().all(|&key| !wheel.contains(key)));
    assert_eq!(wheel.cancel(keys[5]), None);
    assert_eq!(wheel.len(), 100);
}

#[test]
fn cancels_on_level_0_leave_stale_items_that_never_outnumber_the_live_ones() {
    let mut wheel = Wheel::new();
    let kept = wheel.insert(5, 0);
    for i in 1..1000 {
        let key = wheel.insert(5, i);
        assert_eq!(
            wheel.placement(key),
            Some(Placement::Slot { level: 0, slot: 5 })
        );
        assert_eq!(wheel.cancel(key), Some(i));
        assert!(
            wheel.near[5].len() <= 3,
            "{} items for 1 live",
            wheel.near[5].len()
        );
        assert!(wheel.near_stale[5] < wheel.near[5].len());
    }
    // The live one fires; a slot whose last live timer is cancelled is
    // emptied at once, so the wheel never visits a slot of stale items.
    assert_eq!(drain_due(&mut wheel, 5), [0]);
    assert!(!wheel.contains(kept));
    let key = wheel.insert(70, 1);
    let gone = wheel.insert(6, 2);
    assert_eq!(wheel.cancel(gone), Some(2));
    assert!(wheel.near[6].is_empty());
    assert_eq!(
        wheel.next_expiration(),
        Some(64),
        "level 1's slot, not the emptied tick 6"
    );
    assert_eq!(wheel.cancel(key), Some(1));
}

#[test]
fn a_level_0_timer_reached_but_not_due_is_in_the_heap_and_cancels_from_there() {
    let mut wheel = Wheel::with_tick(10);
    let key = wheel.insert(57, 'x');
    assert_eq!(
        wheel.placement(key),
        Some(Placement::Slot { level: 0, slot: 5 })
    );
    assert_eq!(wheel.poll(52), None, "tick 5 reached, 57 not yet due");
    assert_eq!(wheel.placement(key), Some(Placement::Due));
    assert_eq!(wheel.cancel(key), Some('x'));
    assert!(wheel.is_empty());
    assert_eq!(wheel.poll(60), None);
}
