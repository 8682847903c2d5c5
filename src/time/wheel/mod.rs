//! A hierarchical timing wheel: the data structure behind every timer.
//!
//! The wheel stores values (the runtime stores [`Waker`](std::task::Waker)s)
//! under deadlines and hands them back once the time passed to
//! [`Wheel::poll`] reaches those deadlines. It knows nothing of clocks or
//! wakers: time is a `u64` the caller counts in its own units, so the wheel
//! can be tested against a `BTreeMap` model and taught on its own.
//!
//! # Implementation
//!
//! This is the hashed-and-hierarchical wheel of Varghese & Lauck, "Hashed
//! and Hierarchical Timing Wheels" (SOSP 1987), in the layout tokio uses:
//! time is cut into *ticks* (the runtime uses 1 ms), and there are six
//! levels of 64 slots.
//!
//! | level | one slot covers | the level covers |
//! |------:|-----------------|------------------|
//! | 0     | 1 tick (1 ms)   | 64 ms            |
//! | 1     | 64 ticks        | ~4.1 s           |
//! | 2     | 64^2 ticks      | ~4.4 min         |
//! | 3     | 64^3 ticks      | ~4.7 h           |
//! | 4     | 64^4 ticks      | ~12.4 days       |
//! | 5     | 64^5 ticks      | ~2.2 years       |
//!
//! Write a tick in base 64. A timer is placed on the level of the highest
//! digit where its tick differs from `elapsed` (how far the wheel has
//! turned), in the slot named by its own digit there
//! ([`level.rs`](self) holds that arithmetic). Timers further than level 5
//! reaches wait in an overflow list. The wheel remembers (a lower bound of)
//! the earliest of them and visits the list again when it enters that
//! timer's 2^36-tick block, so they never fire early and a timer centuries
//! away costs one visit, not one per block.
//!
//! Each level keeps a `u64` bitmap with one bit per non-empty slot. Every
//! timer on level `L` is due before every timer on level `L + 1`, so the
//! next slot to look at is the lowest set bit of the lowest non-empty
//! level: one `trailing_zeros`, no scan.
//!
//! When the wheel reaches the start of a slot on level 1 or above, it
//! *cascades* it: each timer in it is placed again relative to the new
//! `elapsed`, which puts it on a lower level. A timer moves at most five
//! times in its life, and fires at its own deadline, not at its slot's edge.
//!
//! ## Worked example: a 5 s timer
//!
//! With `elapsed` at tick 0, a timer for tick 5000 (5 s of 1 ms ticks).
//! In base 64, 5000 is `1·64² + 14·64 + 8`, digits `(1, 14, 8)`.
//!
//! 1. The highest digit where 5000 differs from 0 is digit 2: level 2,
//!    slot 1 (that slot covers ticks 4096..8192). Bit 1 of level 2's bitmap
//!    is set.
//! 2. Levels 0 and 1 are empty, so the next slot is level 2 slot 1, starting
//!    at tick 4096. When the clock gets there the wheel cascades it:
//!    `elapsed` = 4096, and 5000 now differs from it in digit 1: level 1,
//!    slot 14 (ticks 4992..5056).
//! 3. At tick 4992 that slot cascades: 5000 differs from 4992 only in
//!    digit 0: level 0, slot 8.
//! 4. At tick 5000 the level-0 slot is reached and its timers move to the
//!    *due heap* below; the timer fires as soon as the time passed to
//!    `poll` is at or past its exact deadline.
//!
//! ## Exact deadlines: the due heap
//!
//! Ticks are the wheel's bookkeeping; a deadline can fall anywhere inside
//! its tick. Firing a whole tick at once would fire some timers up to a tick
//! early (or, rounding up, a tick late: tokio's `sleep(1 ms)` takes about
//! 2 ms). So when the wheel reaches a tick, that tick's timers move into a
//! small binary heap ordered by `(deadline, order)`; `poll` pops from it
//! only what is due, and [`Wheel::next_expiration`] reports the exact
//! deadline of its top. A timer whose tick has already been reached when it
//! is inserted (a deadline now or in the past) goes straight to the heap.
//!
//! ## Equal deadlines: `order` and `seq`
//!
//! Every timer has two numbers. Its `seq` counts insertions: it is unique,
//! and it is what makes a [`TimerKey`] match nothing once its timer is
//! gone, even when the slab reuses the storage. Its `order` decides which
//! of two equal deadlines fires first. [`Wheel::insert`] uses the `seq` as
//! the order (insertion order); [`Wheel::insert_in_order`] takes the order
//! from the caller. The runtime needs the second: a `Sleep` is armed on its
//! first poll, but equal deadlines must fire in the order the sleeps were
//! *created*, so it passes a creation number it took when it was made.
//! Equal orders fall back to `seq`, so the firing order is always total.
//!
//! ## Cost
//!
//! Insert and cancel are O(1): a slab insert or remove and a list link or
//! unlink (cancel of a timer already in the due heap only removes it from
//! the slab; its stale heap item is skipped when it reaches the top). Each
//! timer is cascaded at most five times and goes through the heap once, an
//! O(log n) step over the timers of a single tick. In a steady state of
//! arming and cancelling, nothing allocates: the slab and the heap reuse
//! their memory.
//!
//! Where tokio's wheel differs: tokio rounds deadlines up to the next tick
//! and fires whole slots, links entries intrusively with unsafe code, and
//! shards the wheel per worker thread.
//!
//! Read next: `time/driver.rs`, which feeds the wheel the clock.

mod level;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

use slab::Slab;

pub use level::Tick;
pub(crate) use level::{LEVELS, SLOTS};
use level::{block_start, level_for, slot_for, slot_start};

use crate::list::{Links, List, Node};

/// Identifies one armed timer, so it can be cancelled or updated.
///
/// A key is unique for the life of the wheel: once its timer fired or was
/// cancelled, the key matches nothing, even when the slab reuses the slot.
/// (That holds whatever orders [`Wheel::insert_in_order`] was given: a key
/// carries the insertion number, never the order.)
///
/// # Examples
///
/// ```
/// let mut wheel = looplet::time::wheel::Wheel::new();
/// let old = wheel.insert(10, 'a');
/// wheel.cancel(old);
/// let new = wheel.insert(10, 'b'); // may reuse the same storage
/// assert_eq!(wheel.cancel(old), None); // the old key still matches nothing
/// assert!(wheel.contains(new));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey {
    /// Slot in the entry slab.
    index: usize,
    /// Insertion number: tells this timer from a later one in the same slot.
    seq: u64,
}

impl TimerKey {
    /// The insertion number of this timer, unique for the life of the
    /// wheel. Timers armed with [`Wheel::insert`] and equal deadlines fire in
    /// increasing `seq`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// let a = wheel.insert(10, ());
    /// let b = wheel.insert(10, ());
    /// assert!(a.seq() < b.seq());
    /// ```
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Where an armed timer currently waits.
///
/// # Examples
///
/// ```
/// use looplet::time::wheel::{Placement, Wheel};
///
/// let mut wheel = Wheel::new();
/// let near = wheel.insert(3, ());
/// let far = wheel.insert(1 << 40, ());
/// assert_eq!(wheel.placement(near), Some(Placement::Slot { level: 0, slot: 3 }));
/// assert_eq!(wheel.placement(far), Some(Placement::Overflow));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// In a slot of a level of the wheel.
    Slot {
        /// The level, 0 to 5.
        level: usize,
        /// The slot on that level, 0 to 63.
        slot: usize,
    },
    /// Beyond what the top level covers, in the overflow list.
    Overflow,
    /// Its tick has been reached; it waits in the due heap for its exact
    /// deadline.
    Due,
}

/// Where an entry waits, in two bytes (a [`Placement`] takes 24): its
/// level (or `OVERFLOW` / `DUE`) and its slot on that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    /// 0 to 5 for a level of the wheel, else `OVERFLOW` or `DUE`.
    level: u8,
    /// The slot on that level.
    slot: u8,
}

impl Spot {
    /// In the overflow list.
    const OVERFLOW: Spot = Spot {
        level: LEVELS as u8,
        slot: 0,
    };
    /// In the due heap.
    const DUE: Spot = Spot {
        level: LEVELS as u8 + 1,
        slot: 0,
    };

    /// The public description of this spot.
    fn placement(self) -> Placement {
        match self {
            Spot::OVERFLOW => Placement::Overflow,
            Spot::DUE => Placement::Due,
            Spot { level, slot } => Placement::Slot {
                level: level as usize,
                slot: slot as usize,
            },
        }
    }
}

/// A timer handed back by [`Wheel::poll`].
///
/// # Examples
///
/// ```
/// let mut wheel = looplet::time::wheel::Wheel::new();
/// let key = wheel.insert(7, "seven");
/// let fired = wheel.poll(9).unwrap();
/// assert_eq!((fired.key, fired.deadline, fired.value), (key, 7, "seven"));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Fired<T> {
    /// The key [`Wheel::insert`] returned for it.
    pub key: TimerKey,
    /// Its deadline.
    pub deadline: u64,
    /// The value stored with it.
    pub value: T,
}

/// A slot the wheel visited as it turned: a cascade (level 1 and up), a
/// tick reached (level 0), or the overflow list looked at again.
///
/// Recorded only after [`Wheel::record_visits`], for traces and teaching.
///
/// # Examples
///
/// ```
/// use looplet::time::wheel::{Tick, Visit, Wheel};
///
/// let mut wheel = Wheel::new();
/// wheel.record_visits(true);
/// wheel.insert(5000, ());
/// while wheel.poll(5000).is_none() {}
/// let visits = wheel.take_visits();
/// assert_eq!(
///     visits,
///     [
///         Visit { level: 2, slot: 1, tick: Tick(4096), timers: 1 },
///         Visit { level: 1, slot: 14, tick: Tick(4992), timers: 1 },
///         Visit { level: 0, slot: 8, tick: Tick(5000), timers: 1 },
///     ]
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// The level, 0 to 5; 6 for the overflow list.
    pub level: usize,
    /// The slot on that level.
    pub slot: usize,
    /// The tick the wheel turned to.
    pub tick: Tick,
    /// How many timers were placed again: on lower levels, or (from level
    /// 0) into the due heap.
    pub timers: usize,
}

/// One timer in the slab.
struct Entry<T> {
    /// When it is due, in the wheel's units.
    deadline: u64,
    /// Insertion number: unique, so a stale key never matches this entry.
    seq: u64,
    /// Firing order among equal deadlines (lower first; ties by `seq`).
    order: u64,
    /// Where it waits.
    spot: Spot,
    /// Its links in a slot's or the overflow's list (unused when due).
    links: Links,
    /// The caller's value.
    value: T,
}

impl<T> Node for Entry<T> {
    fn links(&mut self) -> &mut Links {
        &mut self.links
    }
}

/// An item of the due heap; ordered by deadline, then order, then
/// insertion (the derived `Ord` compares the fields top to bottom).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct DueItem {
    /// The timer's deadline.
    deadline: u64,
    /// The timer's order among equal deadlines.
    order: u64,
    /// The timer's insertion number: breaks ties of order, and tells a live
    /// item from a stale one.
    seq: u64,
    /// The timer's entry in the slab.
    index: usize,
}

/// One level of the wheel.
///
/// # Invariants
///
/// Bit `s` of `occupied` is set exactly when `slots[s]` is non-empty.
struct Level {
    /// One bit per non-empty slot.
    occupied: u64,
    /// The timers of each slot, in insertion order.
    slots: [List; SLOTS],
}

impl Default for Level {
    fn default() -> Self {
        Level {
            occupied: 0,
            slots: [const { List::new() }; SLOTS],
        }
    }
}

/// The next slot the wheel must visit.
#[derive(Debug, Clone, Copy)]
struct NextSlot {
    /// The level, or `LEVELS` for the overflow list.
    level: usize,
    /// The slot on that level (0 for the overflow list).
    slot: usize,
    /// The tick at which the wheel must visit it.
    start: Tick,
}

/// A hierarchical timing wheel holding values of type `T` under `u64`
/// deadlines.
///
/// Deadlines are in the caller's units; [`Wheel::with_tick`] says how many
/// units make one tick (the runtime counts nanoseconds, 1,000,000 to the
/// tick). See the [module documentation](self) for how it works.
///
/// # Examples
///
/// ```
/// use looplet::time::wheel::Wheel;
///
/// let mut wheel = Wheel::new();
/// let late = wheel.insert(5000, "five seconds");
/// wheel.insert(20, "twenty ms");
/// wheel.insert(20, "also twenty, inserted later");
///
/// assert_eq!(wheel.poll(19), None); // nothing is due before 20
/// assert_eq!(wheel.poll(20).unwrap().value, "twenty ms");
/// assert_eq!(wheel.poll(20).unwrap().value, "also twenty, inserted later");
/// assert_eq!(wheel.cancel(late), Some("five seconds"));
/// assert!(wheel.is_empty());
/// ```
///
/// # Invariants
///
/// * Every timer in a level slot or the overflow list has a tick after
///   `elapsed`; every timer in the due heap has a tick at or before it.
/// * The heap may hold stale items of cancelled timers; an item is live
///   exactly when the slab entry at its index has its `seq`.
pub struct Wheel<T> {
    /// Every armed timer.
    entries: Slab<Entry<T>>,
    /// The six levels.
    levels: [Level; LEVELS],
    /// Timers beyond the top level's reach.
    overflow: List,
    /// No overflow timer is due before this tick (`u64::MAX` when empty).
    overflow_min: Tick,
    /// Timers whose tick has been reached, by exact deadline.
    due: BinaryHeap<Reverse<DueItem>>,
    /// How far the wheel has turned.
    elapsed: Tick,
    /// Insertions so far: the next timer's `seq`.
    next_seq: u64,
    /// Units of time per tick.
    units_per_tick: u64,
    /// The slots visited since the last `take_visits`, when recording.
    visits: Option<Vec<Visit>>,
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Wheel::new()
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("len", &self.len())
            .field("elapsed", &self.elapsed)
            .field("units_per_tick", &self.units_per_tick)
            .finish_non_exhaustive()
    }
}

impl<T> Wheel<T> {
    /// An empty wheel whose deadlines are counted in ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// let wheel = looplet::time::wheel::Wheel::<()>::new();
    /// assert!(wheel.is_empty());
    /// ```
    pub fn new() -> Self {
        Wheel::with_tick(1)
    }

    /// An empty wheel where one tick is `units_per_tick` units of deadline.
    ///
    /// # Panics
    ///
    /// If `units_per_tick` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::time::wheel::Wheel;
    ///
    /// // Deadlines in microseconds, ticks of one millisecond.
    /// let mut wheel = Wheel::with_tick(1000);
    /// wheel.insert(1_300, "1.3 ms");
    /// assert_eq!(wheel.poll(1_299), None); // same tick, but not yet due
    /// assert_eq!(wheel.poll(1_300).unwrap().value, "1.3 ms");
    /// ```
    pub fn with_tick(units_per_tick: u64) -> Self {
        assert!(
            units_per_tick > 0,
            "`Wheel::with_tick` needs a tick of at least one unit"
        );
        Wheel {
            entries: Slab::new(),
            levels: Default::default(),
            overflow: List::new(),
            overflow_min: Tick(u64::MAX),
            due: BinaryHeap::new(),
            elapsed: Tick(0),
            next_seq: 0,
            units_per_tick,
            visits: None,
        }
    }

    /// How many timers are armed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// wheel.insert(10, ());
    /// assert_eq!(wheel.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is armed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(looplet::time::wheel::Wheel::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tick the wheel has turned to.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::time::wheel::{Tick, Wheel};
    ///
    /// let mut wheel = Wheel::<()>::with_tick(10);
    /// wheel.poll(125);
    /// assert_eq!(wheel.elapsed(), Tick(12));
    /// ```
    pub fn elapsed(&self) -> Tick {
        self.elapsed
    }

    /// The tick a deadline falls in.
    fn tick_of(&self, deadline: u64) -> Tick {
        Tick(deadline / self.units_per_tick)
    }

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
    fn place(&mut self, index: usize) {
        let entry = &self.entries[index];
        let when = self.tick_of(entry.deadline);
        if when <= self.elapsed {
            self.due.push(Reverse(DueItem {
                deadline: entry.deadline,
                order: entry.order,
                seq: entry.seq,
                index,
            }));
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
            lvl.slots[slot].push_back(&mut self.entries, index);
            lvl.occupied |= 1 << slot;
            self.entries[index].spot = Spot {
                level: level as u8,
                slot: slot as u8,
            };
        }
    }

    /// The live entry for `key`, if its timer is still armed.
    fn live(&self, key: TimerKey) -> Option<&Entry<T>> {
        self.entries.get(key.index).filter(|e| e.seq == key.seq)
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
        self.live(key).is_some()
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
        self.live(key).map(|e| e.spot.placement())
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
        self.entries
            .get_mut(key.index)
            .filter(|e| e.seq == key.seq)
            .map(|e| &mut e.value)
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
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let spot = self.live(key)?.spot;
        match spot {
            Spot::DUE => {
                // Its heap item goes stale and is skipped when it surfaces.
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
            Spot { level, slot } => {
                let (level, slot) = (level as usize, slot as usize);
                let lvl = &mut self.levels[level];
                lvl.slots[slot].remove(&mut self.entries, key.index);
                if lvl.slots[slot].is_empty() {
                    lvl.occupied &= !(1 << slot);
                }
            }
        }
        let entry = self.entries.remove(key.index);
        if self.entries.is_empty() {
            // Nothing is armed: every heap item is stale.
            self.due.clear();
        }
        Some(entry.value)
    }

    /// Whether a due-heap item still stands for an armed timer.
    fn is_live(&self, item: &DueItem) -> bool {
        self.entries
            .get(item.index)
            .is_some_and(|e| e.seq == item.seq)
    }

    /// Drops stale items from the top of the due heap.
    fn discard_stale(&mut self) {
        while let Some(Reverse(top)) = self.due.peek() {
            if self.is_live(top) {
                return;
            }
            self.due.pop();
        }
    }

    /// The next slot the wheel must visit, if any.
    fn next_slot(&self) -> Option<NextSlot> {
        for (level, lvl) in self.levels.iter().enumerate() {
            if lvl.occupied != 0 {
                let slot = lvl.occupied.trailing_zeros() as usize;
                let start = slot_start(self.elapsed, level, slot);
                debug_assert!(
                    start > self.elapsed,
                    "level {level} slot {slot} starts at {start:?}, not after elapsed {:?}",
                    self.elapsed
                );
                return Some(NextSlot { level, slot, start });
            }
        }
        if self.overflow.is_empty() {
            return None;
        }
        let start = block_start(self.overflow_min);
        debug_assert!(
            start > self.elapsed,
            "overflow block {start:?} is not after elapsed {:?}",
            self.elapsed
        );
        Some(NextSlot {
            level: LEVELS,
            slot: 0,
            start,
        })
    }

    /// The earliest time at which [`poll`](Wheel::poll) may have something
    /// to do, or `None` when no timer is armed.
    ///
    /// When the earliest timer's tick has been reached this is its exact
    /// deadline. Otherwise it is the start of the slot holding it, which is
    /// never later than the deadline: polling then cascades the slot, and
    /// asking again gives a closer answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::time::wheel::Wheel;
    ///
    /// // Ten units to the tick: deadline 1234 is in tick 123, on level 1.
    /// let mut wheel = Wheel::with_tick(10);
    /// wheel.insert(1234, ());
    /// assert_eq!(wheel.next_expiration(), Some(640)); // its level-1 slot starts at tick 64
    /// wheel.poll(640); // cascades it to level 0
    /// assert_eq!(wheel.next_expiration(), Some(1230)); // the start of tick 123
    /// wheel.poll(1230); // moves it to the due heap
    /// assert_eq!(wheel.next_expiration(), Some(1234)); // exact
    /// ```
    pub fn next_expiration(&mut self) -> Option<u64> {
        self.discard_stale();
        if let Some(Reverse(top)) = self.due.peek() {
            return Some(top.deadline);
        }
        self.next_slot()
            .map(|next| next.start.0.saturating_mul(self.units_per_tick))
    }

    /// Hands back one timer whose deadline is at or before `now`, earliest
    /// deadline first (equal deadlines by their order, see
    /// [`insert_in_order`](Wheel::insert_in_order)), or `None` when nothing
    /// more is due at `now`.
    ///
    /// Call it in a loop to drain everything due. Time must not go
    /// backwards: a `now` earlier than a previous one is treated as that
    /// previous time.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// wheel.insert(30, 'b');
    /// wheel.insert(10, 'a');
    /// let fired: Vec<char> = std::iter::from_fn(|| wheel.poll(100)).map(|f| f.value).collect();
    /// assert_eq!(fired, ['a', 'b']);
    /// ```
    pub fn poll(&mut self, now: u64) -> Option<Fired<T>> {
        let now_tick = self.tick_of(now);
        loop {
            self.discard_stale();
            if let Some(&Reverse(top)) = self.due.peek() {
                // Everything in the slots is in a later tick than the heap's
                // top, so the top decides.
                if top.deadline > now {
                    return None;
                }
                self.due.pop();
                let entry = self.entries.remove(top.index);
                return Some(Fired {
                    key: TimerKey {
                        index: top.index,
                        seq: entry.seq,
                    },
                    deadline: entry.deadline,
                    value: entry.value,
                });
            }
            match self.next_slot() {
                Some(next) if next.start <= now_tick => self.visit(next),
                _ => {
                    // No slot starts by `now`: the wheel may turn to it.
                    self.elapsed = self.elapsed.max(now_tick);
                    return None;
                }
            }
        }
    }

    /// Turns the wheel to `next.start` and places that slot's timers again:
    /// a cascade to lower levels, or into the due heap for a level-0 slot.
    fn visit(&mut self, next: NextSlot) {
        self.elapsed = next.start;
        let mut list = if next.level == LEVELS {
            // Recomputed from the timers that go back to the overflow list.
            self.overflow_min = Tick(u64::MAX);
            std::mem::take(&mut self.overflow)
        } else {
            let lvl = &mut self.levels[next.level];
            lvl.occupied &= !(1 << next.slot);
            std::mem::take(&mut lvl.slots[next.slot])
        };
        let mut timers = 0;
        while let Some(index) = list.pop_front(&mut self.entries) {
            self.place(index);
            timers += 1;
        }
        if let Some(visits) = &mut self.visits {
            visits.push(Visit {
                level: next.level,
                slot: next.slot,
                tick: next.start,
                timers,
            });
        }
    }

    /// Starts (or stops) recording the slots the wheel visits, for
    /// [`take_visits`](Wheel::take_visits).
    ///
    /// # Examples
    ///
    /// See [`Visit`].
    pub fn record_visits(&mut self, on: bool) {
        self.visits = on.then(Vec::new);
    }

    /// The slots visited since the last call (empty unless recording).
    ///
    /// # Examples
    ///
    /// See [`Visit`].
    pub fn take_visits(&mut self) -> Vec<Visit> {
        match &mut self.visits {
            Some(visits) => std::mem::take(visits),
            None => Vec::new(),
        }
    }

    /// Removes every timer and returns their values, in no promised order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// wheel.insert(10, 1);
    /// wheel.insert(10_000_000, 2);
    /// let mut all = wheel.drain();
    /// all.sort();
    /// assert_eq!(all, [1, 2]);
    /// assert!(wheel.is_empty());
    /// ```
    pub fn drain(&mut self) -> Vec<T> {
        let values = self.entries.drain().map(|e| e.value).collect();
        for lvl in &mut self.levels {
            *lvl = Level::default();
        }
        self.overflow = List::new();
        self.overflow_min = Tick(u64::MAX);
        self.due.clear();
        values
    }
}

#[cfg(test)]
mod tests {
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
}
