//! [`Slots`]: numbered slots that are reused once freed, the storage of the
//! waiter lines (`sync/waiters.rs`) and of the timer wheel's entries
//! (`timer/wheel/`), with [`List`](super::list::List)s threaded through
//! them.
//!
//! Also the task table's slots and its join wakers. The same idea as the
//! `slab` crate (which the reactor still uses): a vector of entries, each
//! either occupied or vacant, the vacant ones chained into a free list by
//! their numbers, so an insert takes the most recently freed slot or grows
//! the vector, and a remove is O(1). Written here, a few lines long, so
//! that every operation inlines into its caller: `slab`'s insert was a call
//! of its own on every wait, timer and spawn. Instructions per element
//! under callgrind (`benches/examples/scaling.rs`, 100,000), `slab` →
//! `Slots`: ping_pong 1,312 → 1,274, event_fanout 1,938 → 1,902,
//! timers_cancel 2,937 → 2,876, timers_fire 2,642 → 2,605, spawn_join
//! 1,208 → 1,192. The cost: sixty lines to read instead of a dependency's
//! documentation, and a model test to keep them honest.
//!
//! # Invariants
//!
//! * `len` counts the occupied entries.
//! * `next` is the first vacant entry's number, or `entries.len()` when no
//!   entry is vacant; each vacant entry holds the number of the next one,
//!   the last holding `entries.len()` at the time it was freed or a number
//!   past it (a chain always ends at or past the vector's end, where
//!   inserting pushes).
//! * After [`clear`](Slots::clear) or [`drain`](Slots::drain) the slots hand
//!   out numbers from 0 again.
//!
//! Read next: `ring.rs`.

use std::ops::{Index, IndexMut};

/// Numbered slots, reused once freed.
#[derive(Debug)]
pub(crate) struct Slots<T> {
    entries: Vec<Entry<T>>,
    /// The first vacant entry, or `entries.len()`.
    next: usize,
    /// Occupied entries.
    len: usize,
}

#[derive(Debug)]
enum Entry<T> {
    /// Free; holds the number of the next free entry.
    Vacant(usize),
    Occupied(T),
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots::new()
    }
}

impl<T> Slots<T> {
    /// No slots yet.
    pub(crate) const fn new() -> Self {
        Slots {
            entries: Vec::new(),
            next: 0,
            len: 0,
        }
    }

    /// How many slots are occupied.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no slot is occupied.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many entries the vector has room for.
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Frees every slot (dropping the values) and keeps the memory.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.next = 0;
        self.len = 0;
    }

    /// Stores `value` in a free slot and returns its number.
    #[inline]
    pub(crate) fn insert(&mut self, value: T) -> usize {
        let key = self.next;
        self.len += 1;
        match self.entries.get_mut(key) {
            Some(entry) => {
                let Entry::Vacant(next) = *entry else {
                    unreachable!("the free list names an occupied slot {key}");
                };
                self.next = next;
                *entry = Entry::Occupied(value);
            }
            None => {
                self.entries.push(Entry::Occupied(value));
                self.next = self.entries.len();
            }
        }
        key
    }

    /// Frees slot `key` and returns its value.
    ///
    /// # Panics
    ///
    /// If slot `key` is not occupied.
    #[inline]
    #[track_caller]
    pub(crate) fn remove(&mut self, key: usize) -> T {
        let entry = self
            .entries
            .get_mut(key)
            .map(|entry| std::mem::replace(entry, Entry::Vacant(self.next)));
        match entry {
            Some(Entry::Occupied(value)) => {
                self.len -= 1;
                self.next = key;
                value
            }
            Some(vacant) => {
                // Put the chain back as it was before failing.
                self.entries[key] = vacant;
                panic!("slot {key} is free");
            }
            None => panic!("slot {key} does not exist"),
        }
    }

    /// The value in slot `key`, if it is occupied.
    #[inline]
    pub(crate) fn get(&self, key: usize) -> Option<&T> {
        match self.entries.get(key) {
            Some(Entry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    /// The value in slot `key`, if it is occupied.
    #[inline]
    pub(crate) fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        match self.entries.get_mut(key) {
            Some(Entry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    /// Every occupied slot, in number order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(key, entry)| match entry {
                Entry::Occupied(value) => Some((key, value)),
                Entry::Vacant(_) => None,
            })
    }

    /// Every occupied slot, in number order, to change.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut T)> {
        self.entries
            .iter_mut()
            .enumerate()
            .filter_map(|(key, entry)| match entry {
                Entry::Occupied(value) => Some((key, value)),
                Entry::Vacant(_) => None,
            })
    }

    /// Takes every value out, in number order; the slots start from 0
    /// again (the vector's memory goes with the values).
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = T> + use<T> {
        self.next = 0;
        self.len = 0;
        std::mem::take(&mut self.entries)
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Occupied(value) => Some(value),
                Entry::Vacant(_) => None,
            })
    }
}

impl<T> Index<usize> for Slots<T> {
    type Output = T;

    #[inline]
    #[track_caller]
    fn index(&self, key: usize) -> &T {
        match self.get(key) {
            Some(value) => value,
            None => panic!("slot {key} is not occupied"),
        }
    }
}

impl<T> IndexMut<usize> for Slots<T> {
    #[inline]
    #[track_caller]
    fn index_mut(&mut self, key: usize) -> &mut T {
        match self.get_mut(key) {
            Some(value) => value,
            None => panic!("slot {key} is not occupied"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_last_freed_slot_is_reused_first_and_clear_starts_from_zero() {
        let mut slots = Slots::new();
        let keys: Vec<usize> = (0..4).map(|i| slots.insert(i * 10)).collect();
        assert_eq!(keys, [0, 1, 2, 3]);
        assert_eq!(slots.remove(1), 10);
        assert_eq!(slots.remove(3), 30);
        assert_eq!(
            (slots.insert(7), slots.insert(8), slots.insert(9)),
            (3, 1, 4)
        );
        assert_eq!(slots.len(), 5);
        assert_eq!(slots.get(2), Some(&20));
        assert_eq!(slots.get(5), None);
        slots.clear();
        assert!(slots.is_empty());
        assert_eq!(slots.insert(1), 0);
        assert_eq!(slots.drain().collect::<Vec<_>>(), [1]);
        assert_eq!(slots.insert(2), 0);
    }

    #[test]
    #[should_panic(expected = "slot 1 is free")]
    fn removing_a_free_slot_panics() {
        let mut slots = Slots::new();
        slots.insert(());
        slots.insert(());
        slots.remove(1);
        slots.remove(1);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32),
        /// Removes the `n`-th occupied slot (modulo their number), if any.
        Remove(usize),
        Clear,
        Drain,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => any::<u32>().prop_map(Op::Insert),
            5 => any::<usize>().prop_map(Op::Remove),
            1 => Just(Op::Clear),
            1 => Just(Op::Drain),
        ]
    }

    proptest! {
        /// Beside a model (a map from number to value, and the rule that a
        /// new value takes the most recently freed number still free, else
        /// the next number past every slot), for any sequence of calls.
        #[test]
        fn slots_match_a_model(ops in prop::collection::vec(op(), 0..200)) {
            let mut slots = Slots::new();
            let mut model: BTreeMap<usize, u32> = BTreeMap::new();
            let mut freed: Vec<usize> = Vec::new();
            let mut high = 0;
            for op in ops {
                match op {
                    Op::Insert(value) => {
                        let expected = freed.pop().unwrap_or_else(|| {
                            high += 1;
                            high - 1
                        });
                        prop_assert_eq!(slots.insert(value), expected);
                        model.insert(expected, value);
                    }
                    Op::Remove(n) => {
                        if model.is_empty() {
                            continue;
                        }
                        let key = *model.keys().nth(n % model.len()).unwrap();
                        prop_assert_eq!(slots.remove(key), model.remove(&key).unwrap());
                        freed.push(key);
                    }
                    Op::Clear | Op::Drain => {
                        if let Op::Drain = op {
                            let values: Vec<u32> = slots.drain().collect();
                            prop_assert_eq!(values, model.values().copied().collect::<Vec<_>>());
                        } else {
                            slots.clear();
                        }
                        model.clear();
                        freed.clear();
                        high = 0;
                    }
                }
                prop_assert_eq!(slots.len(), model.len());
                let seen: Vec<(usize, u32)> = slots.iter().map(|(k, v)| (k, *v)).collect();
                prop_assert_eq!(seen, model.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
            }
        }
    }
}
