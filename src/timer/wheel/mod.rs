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
//! turned), in the slot named by its own digit there (`level.rs`, beside
//! this file, holds that arithmetic). Timers further than level 5
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
//! deadline of its top. Before a tick is reached its timers wait in a
//! level-0 slot, which holds that one tick, and the wheel remembers the
//! earliest deadline placed in each such slot, so the next expiration is
//! exact then too (the loop parks once per deadline, not also at the
//! tick's start). A timer whose tick has already been reached when it
//! is inserted (a deadline now or in the past) goes straight to the heap.
//! The wheel keeps the latest deadline of each level-0 slot and of the
//! heap too, so the runtime can wake once for a batch of close deadlines
//! rather than once for each (`timer/idle.rs`).
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
//! ## Level 0 holds due items
//!
//! Levels 1 to 5 and the overflow keep their timers on lists threaded
//! through the slab's entries (`util/list.rs`), so a cancel unlinks in
//! O(1). Level 0 is different: each of its slots is a vector of the very
//! items the due heap takes (`(deadline, order, seq, index)`), pushed when
//! a timer lands there. Reaching the tick moves them into the heap as they
//! are, without reading one entry; a timer cancelled while on level 0 only
//! counts its item as stale (a slot left with nothing live is emptied, one
//! with more stale items than live ones is compacted). Firing then goes to
//! the entries in one pass over a list it already holds
//! ([`Wheel::poll_all`]).
//!
//! Why: the entries of one tick's timers lie scattered over the slab. A
//! list has to be walked entry by entry (the next index is in the entry),
//! so a tick of a thousand timers was a thousand cache misses one after
//! another; indices known in advance let the processor fetch several at
//! once. `timers_fire` of `benches/examples/scaling.rs` (100,000 timers
//! over 100 ms), median of six alternating runs: 864 → 758 ns of CPU per
//! timer. (The vectors alone bought nothing measurable: the misses moved
//! to the heap's pops, still one at a time.) What it costs: 32 bytes more
//! per timer on level 0, a second kind of slot in this module, and a wheel
//! that learns where a level-0 timer is from its deadline
//! (`Wheel::spot_of`), since reaching a tick does not write to its
//! entries.
//!
//! ## Cost
//!
//! Insert and cancel are O(1): a slab insert or remove and a list link or
//! unlink (on level 0, a push, or a count and now and then a compaction).
//! Cancel of a timer already in the due heap only removes it from
//! the slab; its heap item goes stale and is skipped when it reaches the
//! top. A live timer on top would keep every stale item below it, so the
//! heap grew under steady arming and cancelling; instead, once the stale
//! items outnumber the live ones, the cancel compacts the heap (drops
//! every stale item, in place): O(n) once every n cancels, O(1) amortized,
//! and the heap never holds more than twice its live timers. Each
//! timer is cascaded at most five times and goes through the heap once, an
//! O(log n) step over the timers of a single tick. In a steady state of
//! arming and cancelling, nothing allocates: the slab and the heap reuse
//! their memory.
//!
//! Where tokio's wheel differs: tokio rounds deadlines up to the next tick
//! and fires whole slots, links entries intrusively with unsafe code, and
//! shards the wheel per worker thread.
//!
//! ## Why this module is public
//!
//! The wheel is not part of the asyncio API a program uses; a program
//! uses [`sleep`](crate::sleep) and [`timeout`](crate::timeout). It is
//! public, as `looplet::time::wheel`, because it is the one data structure
//! of the runtime a reader can take out and use on its own: every method
//! has an example, `tests/wheel_model.rs` fuzzes it through this public API
//! against a `BTreeMap`, and the wheel benchmark measures it against one.
//! It follows semver like the rest of the crate.
//!
//! ## Files
//!
//! | file | what it holds |
//! |------|---------------|
//! | `mod.rs` | this tour, the [`Wheel`] and its constructors |
//! | `level.rs` | the base-64 arithmetic: `level_for`, `slot_for`, `slot_start`, tested exhaustively |
//! | `entry.rs` | [`TimerKey`], [`Placement`], [`Fired`], [`Visit`], and the slab entry |
//! | `arm.rs` | `insert`, `cancel`, and the liveness check |
//! | `turn.rs` | `poll`, `next_expiration`, cascading a slot |
//! | `tests.rs` | unit tests, starting with the worked example above |
//!
//! Read next: `level.rs`, then `timer/driver.rs`, which feeds the wheel the
//! clock.

mod arm;
mod entry;
mod level;
#[cfg(test)]
mod tests;
mod turn;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

use entry::{DueItem, Entry};
pub use entry::{Fired, Placement, TimerKey, Visit};
pub(crate) use level::LEVELS;
pub use level::Tick;
use level::{Level, SLOTS};

use crate::util::list::List;
use crate::util::slots::Slots;

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
///   So a timer whose entry says level 0 is in `near` while its tick is
///   after `elapsed`, and in the heap once it is not (`spot_of`).
/// * `near_stale[s]` counts the stale items of `near[s]`: never more than
///   live ones, and none in an empty slot.
/// * The heap may hold stale items of cancelled timers; an item is live
///   exactly when the slab entry at its index has its `seq`. `stale`
///   counts them, and a cancel leaves no more stale items than live ones
///   (it compacts the heap when they would outnumber them).
pub struct Wheel<T> {
    /// Every armed timer.
    entries: Slots<Entry<T>>,
    /// The six levels. Level 0's lists stay empty: its slots are `near`.
    levels: [Level; LEVELS],
    /// Level 0's slots: each tick's timers as the due items they will
    /// become, so reaching a tick moves them into the due heap without
    /// reading a single entry (see "Level 0 holds due items" in the module
    /// docs). Bit `s` of `levels[0].occupied` is set exactly when
    /// `near[s]` holds a live item.
    near: [Vec<DueItem>; SLOTS],
    /// For each level-0 slot, how many of its items are stale (their timer
    /// was cancelled): never more than half of them, else the cancel
    /// compacts the slot.
    near_stale: [usize; SLOTS],
    /// Timers beyond the top level's reach.
    overflow: List,
    /// No overflow timer is due before this tick (`u64::MAX` when empty).
    overflow_min: Tick,
    /// Timers whose tick has been reached, by exact deadline.
    due: BinaryHeap<Reverse<DueItem>>,
    /// How many items of `due` are stale (their timer was cancelled).
    stale: usize,
    /// [`poll_all`](Wheel::poll_all)'s buffer for the items it takes off
    /// the heap, kept to reuse its memory; empty between calls.
    batch: Vec<DueItem>,
    /// How far the wheel has turned.
    elapsed: Tick,
    /// For each level-0 slot, a time no timer in it is due before: the
    /// earliest deadline placed there since the slot last filled, kept so
    /// that [`next_expiration`](Wheel::next_expiration) can be exact for
    /// the next tick without walking its list. A cancel may leave it
    /// early; it is never late.
    ///
    /// What it buys: the loop used to park until the *start* of the next
    /// timer's tick, wake, move the tick's timers into the due heap, and
    /// park again until the exact deadline: two parks per tick with
    /// timers. `timers_fire` of `benches/examples/scaling.rs` with 1,000
    /// timers over 100 ms: 181 → 165 parks per run, 5,942 → 3,899 ns of
    /// CPU per timer (median of three interleaved rounds); 100,000 timers
    /// unchanged. What it costs: 512 bytes per wheel, a compare and a store
    /// per level-0 insert, and this field's invariant.
    soonest: [u64; SLOTS],
    /// For each level-0 slot, a time no timer in it is due after: the
    /// latest deadline placed there since the slot last filled. With
    /// `soonest`, the span one wake-up at the right moment can fire at
    /// once (`next_expiration_span`, for the runtime's coalescing in
    /// `timer/idle.rs`). A cancel may leave it late; it is never early.
    /// What it costs: another 512 bytes, compare and store.
    latest: [u64; SLOTS],
    /// A time no timer in the due heap is due after: the latest deadline
    /// pushed since the heap was last empty. Like `latest`, for the span.
    due_latest: u64,
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
            entries: Slots::new(),
            levels: Default::default(),
            near: [const { Vec::new() }; SLOTS],
            near_stale: [0; SLOTS],
            overflow: List::new(),
            overflow_min: Tick(u64::MAX),
            due: BinaryHeap::new(),
            stale: 0,
            batch: Vec::new(),
            elapsed: Tick(0),
            soonest: [u64::MAX; SLOTS],
            latest: [0; SLOTS],
            due_latest: 0,
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
}
