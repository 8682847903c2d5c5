//! Arming and disarming: where `insert` places a timer, how `cancel`
//! unlinks it in O(1), and the one check that tells a live timer from a
//! stale key or a stale due-heap item.
//!
//! Read next: `turn.rs`.

use std::cmp::Reverse;

use super::entry::{DueItem, Entry, Spot};
use super::level::{LEVELS, Tick, level_for, slot_for};
use super::{Placement, TimerKey, Wheel};
use crate::util::list::Links;
use crate::util::slots::Slots;

/// How many entries a slab must have room for before emptying it starts
/// it afresh (`Wheel::remove_entry`): the order of a few entries, a
/// couple of cache lines, does not matter.
const FRESH_START: usize = 64;

impl<T> Wheel<T> {
    /// Arms a timer for `deadline` holding `value`. Among equal deadlines it
    /// fires after the timers inserted before it (its order is its `seq`).
    ///
    /// A deadline at or before the current time is fine: the timer fires on
    /// the next [`poll`](Wheel::poll).
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::time::wheel::{Placement, Wheel};
    ///
    /// let mut wheel = Wheel::new();
    /// let key = wheel.insert(5000, 'x');
    /// assert_eq!(wheel.placement(key), Some(Placement::Slot { level: 2, slot: 1 }));
    /// ```
    pub fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        self.insert_in_order(deadline, self.next_seq, value)
    }

    /// Arms a timer for `deadline` holding `value`, to fire after every
    /// timer with the same deadline and a lower `order` and before every one
    /// with a higher order; equal orders fire in insertion order.
    ///
    /// [`insert`](Wheel::insert) is this with the insertion number as the
    /// order. The runtime passes the number a `Sleep` took when it was
    /// created, so that sleeps fire in creation order even when they are
    /// armed (first polled) in another.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// wheel.insert_in_order(10, 2, "made third");
    /// wheel.insert_in_order(10, 0, "made first");
    /// wheel.insert_in_order(10, 1, "made second");
    /// let fired: Vec<_> = std::iter::from_fn(|| wheel.poll(10)).map(|f| f.value).collect();
    /// assert_eq!(fired, ["made first", "made second", "made third"]);
    /// ```
    pub fn insert_in_order(&mut self, deadline: u64, order: u64, value: T) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let index = self.entries.insert(Entry {
            deadline,
            seq,
            order,
            spot: Spot::DUE,
            links: Links::default(),
            value,
        });
        self.place(index);
        TimerKey { index, seq }
    }

    /// Puts the entry at `index` (in no list) where its deadline belongs.
    pub(super) fn place(&mut self, index: usize) {
        let entry = &self.entries[index];
        let deadline = entry.deadline;
        // What the due heap takes, and level 0's slots hold.
        let item = DueItem {
            deadline,
            order: entry.order,
            seq: entry.seq,
            index,
        };
        let when = self.tick_of(deadline);
        if when <= self.elapsed {
            self.raise_due_latest(deadline);
            self.due.push(Reverse(item));
            self.entries[index].spot = Spot::DUE;
            return;
        }
        let level = level_for(self.elapsed, when);
        if level == LEVELS {
            self.overflow.push_back(&mut self.entries, index);
            self.overflow_min = self.overflow_min.min(when);
            self.entries[index].spot = Spot::OVERFLOW;
        } else {
            let slot = slot_for(when, level);
            let lvl = &mut self.levels[level];
            if level == 0 {
                // A slot that was empty starts afresh: what it held before
                // (a tick ago, or a turn of the level ago) says nothing now.
                let (soonest, latest) = (&mut self.soonest[slot], &mut self.latest[slot]);
                if lvl.occupied & (1 << slot) == 0 {
                    (*soonest, *latest) = (deadline, deadline);
                } else {
                    (*soonest, *latest) = ((*soonest).min(deadline), (*latest).max(deadline));
                }
                self.near[slot].push(item);
            } else {
                lvl.slots[slot].push_back(&mut self.entries, index);
            }
            lvl.occupied |= 1 << slot;
            self.entries[index].spot = Spot {
                level: level as u8,
                slot: slot as u8,
            };
        }
    }

    /// Timers due by `deadline` join the due heap: its latest deadline
    /// (`due_latest`) is at least that, and starts afresh on an empty heap.
    /// Call before pushing them.
    pub(super) fn raise_due_latest(&mut self, deadline: u64) {
        self.due_latest = if self.due.is_empty() {
            deadline
        } else {
            self.due_latest.max(deadline)
        };
    }

    /// The entry at `index` if it is still the timer numbered `seq`. The
    /// one liveness check: a key and a due-heap item each name a timer by
    /// `(index, seq)`, and the slab may have reused the index since.
    pub(super) fn live(&self, index: usize, seq: u64) -> Option<&Entry<T>> {
        live_in(&self.entries, index, seq)
    }

    /// [`live`](Wheel::live), for changing the entry.
    fn live_mut(&mut self, index: usize, seq: u64) -> Option<&mut Entry<T>> {
        self.entries.get_mut(index).filter(|e| e.seq == seq)
    }

    /// Whether the timer `key` is still armed (neither fired nor cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// let key = wheel.insert(3, ());
    /// assert!(wheel.contains(key));
    /// wheel.poll(3);
    /// assert!(!wheel.contains(key));
    /// ```
    pub fn contains(&self, key: TimerKey) -> bool {
        self.live(key.index, key.seq).is_some()
    }

    /// Where the timer `key` waits, if it is still armed.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::time::wheel::{Placement, Wheel};
    ///
    /// let mut wheel = Wheel::new();
    /// let key = wheel.insert(70, ());
    /// assert_eq!(wheel.placement(key), Some(Placement::Slot { level: 1, slot: 1 }));
    /// ```
    pub fn placement(&self, key: TimerKey) -> Option<Placement> {
        self.live(key.index, key.seq)
            .map(|e| self.spot_of(e).placement())
    }

    /// Where `entry` is. Its `spot`, except for a level-0 timer whose tick
    /// has been reached: reaching it moved the item into the due heap
    /// without writing to the entry (`Wheel::reach`).
    fn spot_of(&self, entry: &Entry<T>) -> Spot {
        match entry.spot {
            Spot { level: 0, .. } if self.tick_of(entry.deadline) <= self.elapsed => Spot::DUE,
            spot => spot,
        }
    }

    /// The value of the armed timer `key`, to update it in place.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// let key = wheel.insert(3, 1);
    /// *wheel.get_mut(key).unwrap() = 2;
    /// assert_eq!(wheel.poll(3).unwrap().value, 2);
    /// ```
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        self.live_mut(key.index, key.seq).map(|e| &mut e.value)
    }

    /// Disarms the timer `key` and returns its value; `None` if it already
    /// fired or was cancelled. O(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// let key = wheel.insert(1_000_000, "far");
    /// assert_eq!(wheel.cancel(key), Some("far"));
    /// assert_eq!(wheel.cancel(key), None);
    /// ```
    #[inline]
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let spot = self.spot_of(self.live(key.index, key.seq)?);
        match spot {
            Spot::DUE => {
                // Its heap item goes stale: skipped when it surfaces, or
                // dropped by a compaction below.
                self.stale += 1;
            }
            Spot::OVERFLOW => {
                self.overflow.remove(&mut self.entries, key.index);
                // A too-early `overflow_min` is a valid lower bound while
                // the list has timers (the wheel visits it, then recomputes
                // it); once empty, the wheel turns past it, so reset it.
                if self.overflow.is_empty() {
                    self.overflow_min = Tick(u64::MAX);
                }
            }
            Spot { level: 0, slot } => {
                // Its item goes stale where it is; counted once the entry
                // is gone, below, so a compaction finds it dead.
                let entry = self.remove_entry(key.index);
                self.cancel_near(slot as usize);
                return Some(entry.value);
            }
            Spot { level, slot } => {
                let (level, slot) = (level as usize, slot as usize);
                let lvl = &mut self.levels[level];
                lvl.slots[slot].remove(&mut self.entries, key.index);
                if lvl.slots[slot].is_empty() {
                    lvl.occupied &= !(1 << slot);
                }
            }
        }
        let entry = self.remove_entry(key.index);
        if self.stale > self.due.len() - self.stale {
            self.compact_due();
        }
        Some(entry.value)
    }

    /// Takes the entry at `index` out of the slab. The last one out
    /// empties the due heap (every item left in it is stale) and, in a
    /// slab that has held more than [`FRESH_START`] timers, starts the
    /// slab afresh, so that the next timers fill it from the front, in
    /// order.
    ///
    /// What it buys: a slab hands out the entry freed last first, and
    /// timers are freed in firing order, which is random against the
    /// order they were armed in; so after a burst of timers the next burst
    /// armed its timers on entries scattered over the slab, a cache miss
    /// each (the vacant entry holds the next free index). `timers_fire` of
    /// `benches/examples/scaling.rs` with 1,000,000 timers:
    /// `Slab::insert_at` of the wheel's entries was 10 % of the run's
    /// samples (`perf record -e cpu-clock`). What it costs: a pass over the
    /// slab's vacant entries each time the wheel empties, never more than
    /// the inserts since the last. A small slab is left alone, so one
    /// timeout armed and cancelled at a time pays nothing:
    /// `wheel_insert_cancel/wheel/0` of `benches/wheel.rs` read 14.0 →
    /// 15.8 ns when every emptying cleared, 14.5 with this threshold.
    #[inline]
    pub(super) fn remove_entry(&mut self, index: usize) -> Entry<T> {
        let entry = self.entries.remove(index);
        if self.entries.is_empty() {
            self.due.clear();
            self.stale = 0;
            if self.entries.capacity() > FRESH_START {
                self.entries.clear();
            }
        }
        entry
    }

    /// Counts one more stale item in level-0 slot `slot`, whose timer was
    /// just removed. A slot left with only stale items is emptied (so the
    /// wheel does not visit it); one whose stale items outnumber the live
    /// ones is compacted, in place: O(n) once per n cancels at most.
    fn cancel_near(&mut self, slot: usize) {
        self.near_stale[slot] += 1;
        let items = &mut self.near[slot];
        if self.near_stale[slot] == items.len() {
            items.clear();
            self.near_stale[slot] = 0;
            self.levels[0].occupied &= !(1 << slot);
        } else if 2 * self.near_stale[slot] > items.len() {
            let entries = &self.entries;
            items.retain(|item| live_in(entries, item.index, item.seq).is_some());
            self.near_stale[slot] = 0;
        }
    }

    /// Drops every stale item from the due heap, in place. Called when
    /// they outnumber the live ones, so its O(n) is paid once per n
    /// cancels at most.
    #[cold]
    fn compact_due(&mut self) {
        let entries = &self.entries;
        self.due
            .retain(|Reverse(item)| live_in(entries, item.index, item.seq).is_some());
        self.stale = 0;
    }
}

/// [`Wheel::live`] on the slab alone, for a pass that holds another part of
/// the wheel mutably (compacting the due heap or a level-0 slot).
fn live_in<T>(entries: &Slots<Entry<T>>, index: usize, seq: u64) -> Option<&Entry<T>> {
    entries.get(index).filter(|e| e.seq == seq)
}
