//! [`Ring`], a first-in first-out queue of small `Copy` items in one
//! growable buffer: what the run queue is made of.
//!
//! It is `std::collections::VecDeque` cut down to what the loop uses, for
//! one reason: `VecDeque::push_back` is a call into std that the compiler
//! does not inline, twice per round trip of two tasks handing a turn back
//! and forth. Here the push and the pop are a few instructions inlined
//! into the loop, and only growing the buffer is out of line. Callgrind on
//! `benches/examples/scaling.rs` (steady state per element, 100,000),
//! `VecDeque` → `Ring` (with `Core::wake` always inlined, which the smaller
//! push let the compiler stop doing on its own): `ping_pong` 1,256 → 1,226
//! instructions per round trip, `event_fanout` 1,892 → 1,874,
//! `timers_cancel` 2,892 → 2,869, `timers_fire` 2,697 → 2,669, `spawn_join`
//! 1,182 → 1,179. The cost in clarity: sixty lines that std already has,
//! and a model test beside them.
//!
//! # Invariants
//!
//! * `slots.len()` is zero or a power of two, so "modulo the length" is a
//!   mask.
//! * The items, oldest first, are at `head`, `head + 1`, …,
//!   `head + len - 1`, each modulo `slots.len()`; `len <= slots.len()`.
//!   The other slots hold stale copies nobody reads.
//!
//! Read next: `rng.rs`.

/// A FIFO queue of `Copy` items in a ring buffer (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ring<T> {
    /// The buffer: zero or a power of two slots.
    slots: Vec<T>,
    /// Where the oldest item is.
    head: usize,
    /// How many items there are.
    len: usize,
}

impl<T: Copy + Default> Ring<T> {
    /// An empty ring; allocates at the first push.
    pub(crate) const fn new() -> Self {
        Ring {
            slots: Vec::new(),
            head: 0,
            len: 0,
        }
    }

    /// How many items it holds.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The slot of the item `index` places behind the oldest.
    #[inline]
    fn slot(&self, index: usize) -> usize {
        (self.head + index) & (self.slots.len() - 1)
    }

    /// Adds `item` at the back.
    #[inline]
    pub(crate) fn push_back(&mut self, item: T) {
        if self.len == self.slots.len() {
            self.grow();
        }
        let at = self.slot(self.len);
        self.slots[at] = item;
        self.len += 1;
    }

    /// Takes the oldest item off the front.
    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.slots[self.head];
        self.head = self.slot(1);
        self.len -= 1;
        Some(item)
    }

    /// Swaps the items `a` and `b` places behind the oldest.
    ///
    /// # Panics
    ///
    /// If either is not in the ring.
    pub(crate) fn swap(&mut self, a: usize, b: usize) {
        assert!(a < self.len && b < self.len, "Ring::swap out of bounds");
        let (a, b) = (self.slot(a), self.slot(b));
        self.slots.swap(a, b);
    }

    /// The items, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.len).map(|index| self.slots[self.slot(index)])
    }

    /// Doubles the buffer (to 8 slots the first time), moving the items to
    /// its front in order. Out of line: the hot path is the push.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(8);
        let mut slots = Vec::with_capacity(capacity);
        slots.extend(self.iter());
        slots.resize(capacity, T::default());
        self.slots = slots;
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn first_in_first_out_across_the_wrap_and_growth() {
        let mut ring = Ring::new();
        assert_eq!(ring.pop_front(), None);
        for i in 0..6u32 {
            ring.push_back(i);
        }
        for i in 0..4 {
            assert_eq!(ring.pop_front(), Some(i));
        }
        // Head at 4 of 8: these wrap, then the ring grows with its items
        // out of order in the buffer.
        for i in 6..20 {
            ring.push_back(i);
        }
        assert_eq!(ring.len(), 16);
        assert_eq!(ring.iter().collect::<Vec<_>>(), (4..20).collect::<Vec<_>>());
        ring.swap(0, 15);
        assert_eq!(ring.pop_front(), Some(19));
        assert_eq!(ring.len(), 15);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u32),
        Pop,
        /// Swap the items at these positions (modulo the length).
        Swap(usize, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => any::<u32>().prop_map(Op::Push),
            4 => Just(Op::Pop),
            1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Swap(a, b)),
        ]
    }

    proptest! {
        /// The ring against `VecDeque`, the model: after every step both
        /// hold the same items in the same order.
        #[test]
        fn behaves_as_a_vecdeque(ops in proptest::collection::vec(op(), 0..300)) {
            let mut ring = Ring::new();
            let mut model = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(item) => {
                        ring.push_back(item);
                        model.push_back(item);
                    }
                    Op::Pop => prop_assert_eq!(ring.pop_front(), model.pop_front()),
                    Op::Swap(a, b) if !model.is_empty() => {
                        let (a, b) = (a % model.len(), b % model.len());
                        ring.swap(a, b);
                        model.swap(a, b);
                    }
                    Op::Swap(..) => {}
                }
                prop_assert_eq!(ring.len(), model.len());
                prop_assert!(ring.iter().eq(model.iter().copied()));
            }
        }
    }

    #[test]
    #[should_panic(expected = "Ring::swap out of bounds")]
    fn swapping_past_the_end_panics() {
        let mut ring = Ring::new();
        ring.push_back(1u32);
        ring.swap(0, 1);
    }
}
