//! What the wheel stores and what it hands back: a timer's [`TimerKey`],
//! where it waits ([`Placement`], kept in two bytes as a `Spot`), the
//! [`Fired`] timers `poll` returns, the [`Visit`]s it records, and the
//! slab `Entry` and due-heap `DueItem` behind them.
//!
//! Read next: `turn.rs` (how the wheel turns).

use super::level::{LEVELS, Tick};
use crate::util::list::{Links, Node};

/// Identifies one armed timer, so it can be cancelled or updated.
///
/// A key is unique for the life of the wheel: once its timer fired or was
/// cancelled, the key matches nothing, even when the slab reuses the slot.
/// (That holds whatever orders [`Wheel::insert_in_order`](super::Wheel::insert_in_order) was given: a key
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
    pub(super) index: usize,
    /// Insertion number: tells this timer from a later one in the same slot.
    pub(super) seq: u64,
}

impl TimerKey {
    /// The insertion number of this timer, unique for the life of the
    /// wheel. Timers armed with [`Wheel::insert`](super::Wheel::insert) and equal deadlines fire in
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
pub(super) struct Spot {
    /// 0 to 5 for a level of the wheel, else `OVERFLOW` or `DUE`.
    pub(super) level: u8,
    /// The slot on that level.
    pub(super) slot: u8,
}

impl Spot {
    /// In the overflow list.
    pub(super) const OVERFLOW: Spot = Spot {
        level: LEVELS as u8,
        slot: 0,
    };
    /// In the due heap.
    pub(super) const DUE: Spot = Spot {
        level: LEVELS as u8 + 1,
        slot: 0,
    };

    /// The public description of this spot.
    pub(super) fn placement(self) -> Placement {
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

/// A timer handed back by [`Wheel::poll`](super::Wheel::poll).
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
    /// The key [`Wheel::insert`](super::Wheel::insert) returned for it.
    pub key: TimerKey,
    /// Its deadline.
    pub deadline: u64,
    /// The value stored with it.
    pub value: T,
}

/// A slot the wheel visited as it turned: a cascade (level 1 and up), a
/// tick reached (level 0), or the overflow list looked at again.
///
/// Recorded only after [`Wheel::record_visits`](super::Wheel::record_visits), for traces and teaching.
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
pub(super) struct Entry<T> {
    /// When it is due, in the wheel's units.
    pub(super) deadline: u64,
    /// Insertion number: unique, so a stale key never matches this entry.
    pub(super) seq: u64,
    /// Firing order among equal deadlines (lower first; ties by `seq`).
    pub(super) order: u64,
    /// Where it waits.
    pub(super) spot: Spot,
    /// Its links in a slot's or the overflow's list (unused when due).
    pub(super) links: Links,
    /// The caller's value.
    pub(super) value: T,
}

impl<T> Node for Entry<T> {
    fn links(&mut self) -> &mut Links {
        &mut self.links
    }
}

/// An item of the due heap; ordered by deadline, then order, then
/// insertion (the derived `Ord` compares the fields top to bottom).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct DueItem {
    /// The timer's deadline.
    pub(super) deadline: u64,
    /// The timer's order among equal deadlines.
    pub(super) order: u64,
    /// The timer's insertion number: breaks ties of order, and tells a live
    /// item from a stale one.
    pub(super) seq: u64,
    /// The timer's entry in the slab.
    pub(super) index: usize,
}
