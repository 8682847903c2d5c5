//! How the wheel turns: finding the next slot to visit without a scan,
//! cascading a slot's timers down a level, moving a reached tick's timers
//! into the due heap, and handing back what is due.
//!
//! Read next: `tests.rs` beside this file, then `timer/driver.rs`, which
//! feeds the wheel the clock.

use std::cmp::Reverse;

use super::entry::DueItem;
use super::level::{LEVELS, NextSlot, Tick, block_start, slot_start};
use super::{Fired, Level, TimerKey, Visit, Wheel};
use crate::util::list::List;
use crate::util::warm::{WARM_CHUNK, warm};

impl<T> Wheel<T> {
    /// Drops stale items from the top of the due heap.
    fn discard_stale(&mut self) {
        while let Some(Reverse(top)) = self.due.peek() {
            if self.live(top.index, top.seq).is_some() {
                return;
            }
            self.due.pop();
            self.stale -= 1;
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
    /// When the earliest timer is in the due heap or in a slot of level 0
    /// (which holds a single tick), this is its exact deadline; after a
    /// cancel it may be a little early, never late. Otherwise it is the
    /// start of the higher-level slot holding it, which is never later than
    /// the deadline: polling then cascades the slot, and asking again gives
    /// a closer answer.
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
    /// assert_eq!(wheel.next_expiration(), Some(1234)); // exact: level 0 holds one tick
    /// wheel.poll(1234);
    /// assert!(wheel.is_empty());
    /// ```
    pub fn next_expiration(&mut self) -> Option<u64> {
        self.next_expiration_span().map(|(at, _)| at)
    }

    /// [`next_expiration`](Wheel::next_expiration), and a time no timer
    /// of the same batch is due after: the latest deadline of the due heap
    /// or of the level-0 slot (one tick) the next expiration comes from.
    /// The runtime's cue for waking a little after the earliest deadline,
    /// so that one wake fires several timers (`timer/idle.rs`). Equal to
    /// the expiration when that timer is alone in its batch, or when the
    /// expiration is the start of a slot above level 0 (a cascade, not a
    /// timer). After cancels the latest may be late, never early.
    pub(crate) fn next_expiration_span(&mut self) -> Option<(u64, u64)> {
        self.discard_stale();
        if let Some(Reverse(top)) = self.due.peek() {
            return Some((top.deadline, self.due_latest.max(top.deadline)));
        }
        self.next_slot().map(|next| {
            let start = next.start.0.saturating_mul(self.units_per_tick);
            if next.level == 0 {
                // One tick's timers, not yet in the heap: the earliest and
                // latest deadlines among them are known (`Wheel::soonest`,
                // `Wheel::latest`).
                let at = self.soonest[next.slot].max(start);
                (at, self.latest[next.slot].max(at))
            } else {
                (start, start)
            }
        })
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
                return Some(self.take_fired(top));
            }
            if !self.turn_by(now_tick) {
                return None;
            }
        }
    }

    /// Visits the next slot if it starts by `now_tick`, and says so; if
    /// none does, the wheel may turn to `now_tick` at once.
    fn turn_by(&mut self, now_tick: Tick) -> bool {
        match self.next_slot() {
            Some(next) if next.start <= now_tick => {
                self.visit(next);
                true
            }
            _ => {
                self.elapsed = self.elapsed.max(now_tick);
                false
            }
        }
    }

    /// Takes the live timer `item` names out of the wheel, fired.
    fn take_fired(&mut self, item: DueItem) -> Fired<T> {
        let entry = self.remove_entry(item.index);
        Fired {
            key: TimerKey {
                index: item.index,
                seq: item.seq,
            },
            deadline: entry.deadline,
            value: entry.value,
        }
    }

    /// Hands back every timer whose deadline is at or before `now`, into
    /// `fired`, in the order a loop of [`poll`](Wheel::poll) would.
    ///
    /// It differs from that loop in how it touches memory: it first takes
    /// every due item off the heap (each names its timer's entry), and only
    /// then goes to the entries. The entries of a tick's timers lie
    /// scattered over the slab, a cache miss each once there are many; a
    /// loop that reads one entry before it knows the next makes the misses
    /// one after another, while a pass over a list of known entries lets
    /// the processor fetch several at once (with level 0's slots holding
    /// due items, see "Level 0 holds due items" in the module docs:
    /// `timers_fire`, 864 → 758 ns per timer). The pass that takes the
    /// entries does too much per timer to run far ahead, so every 64
    /// timers a read-only loop over the next entries goes first
    /// (`util/warm.rs`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut wheel = looplet::time::wheel::Wheel::new();
    /// wheel.insert(30, 'b');
    /// wheel.insert(10, 'a');
    /// wheel.insert(99, 'c');
    /// let mut fired = Vec::new();
    /// wheel.poll_all(50, &mut fired);
    /// assert_eq!(fired.iter().map(|f| f.value).collect::<String>(), "ab");
    /// ```
    pub fn poll_all(&mut self, now: u64, fired: &mut Vec<Fired<T>>) {
        let now_tick = self.tick_of(now);
        let mut batch = std::mem::take(&mut self.batch);
        loop {
            // Stale items are taken too (telling them apart would read
            // their entries now); a stale item on top that is not due yet
            // stops this as a live one would: everything behind it is
            // later, and no slot starts before it (its tick is reached).
            while let Some(&Reverse(top)) = self.due.peek() {
                if top.deadline > now {
                    break;
                }
                self.due.pop();
                batch.push(top);
            }
            if !self.due.is_empty() || !self.turn_by(now_tick) {
                break;
            }
        }
        // The entries are read a chunk ahead of the pass that takes them
        // (`util/warm.rs`): see `Driver::fire` for what it buys.
        for (done, &item) in batch.iter().enumerate() {
            if done % WARM_CHUNK == 0 {
                warm(batch[done..].iter(), |item| {
                    self.live(item.index, item.seq).is_some()
                });
            }
            if self.live(item.index, item.seq).is_none() {
                // One stale item less in the heap. (If the wheel emptied
                // in this pass, its reset already dropped the count to 0.)
                self.stale = self.stale.saturating_sub(1);
                continue;
            }
            fired.push(self.take_fired(item));
        }
        batch.clear();
        self.batch = batch;
    }

    /// Turns the wheel to `next.start` and places that slot's timers again:
    /// a cascade to lower levels, or into the due heap for a level-0 slot.
    fn visit(&mut self, next: NextSlot) {
        self.elapsed = next.start;
        if next.level == 0 {
            self.reach(next);
            return;
        }
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

    /// Level-0 slot `next` is reached: its items (its one tick's timers)
    /// move into the due heap as they are, stale ones too, without a
    /// look at any entry: the heap skips a stale item when it surfaces.
    fn reach(&mut self, next: NextSlot) {
        let slot = next.slot;
        self.levels[0].occupied &= !(1 << slot);
        self.raise_due_latest(self.latest[slot]);
        let stale = std::mem::take(&mut self.near_stale[slot]);
        let items = &mut self.near[slot];
        let timers = items.len() - stale;
        self.stale += stale;
        self.due.extend(items.drain(..).map(Reverse));
        if let Some(visits) = &mut self.visits {
            visits.push(Visit {
                level: 0,
                slot,
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
        self.near.iter_mut().for_each(Vec::clear);
        self.near_stale.fill(0);
        self.overflow = List::new();
        self.overflow_min = Tick(u64::MAX);
        self.due.clear();
        self.stale = 0;
        values
    }
}
