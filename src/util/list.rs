//! Doubly-linked lists threaded through [`Slots`].
//!
//! The timer wheel keeps one list per slot and the [`Event`](crate::Event)
//! keeps one list of waiters. Both need the same three things: append at the
//! back (so order is first come, first served), unlink any entry in O(1)
//! when its owner is dropped, and walk the list front to back. A `Vec` cannot
//! unlink from the middle in O(1) and a `VecDeque` of keys leaves holes;
//! `std::collections::LinkedList` allocates a node per entry. So the nodes
//! live in the `Slots` the owner already has, and a [`List`] is just a head and
//! a tail key: no allocation per entry, and freed keys are reused.
//!
//! # Invariants
//!
//! * A node is in at most one list at a time, and its [`Links`] are
//!   [`Links::default`] (both ends `NIL`) whenever it is in none.
//! * For a non-empty list, `head`'s `prev` and `tail`'s `next` are `NIL`,
//!   and following `next` from `head` reaches `tail`.
//!
//! Keys are stored as `u32` to keep nodes small (an `Event` waiter is a
//! `Wake` and these links: 32 bytes); a list past four billion slots panics.
//!
//! Read next: `panic.rs`; then `timer/wheel/mod.rs` (slots) or
//! `sync/waiters.rs` (waiters) to see lists in use.

use super::slots::Slots;

/// The "no node" key.
const NIL: u32 = u32::MAX;

/// The two links a node needs to be in a [`List`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Links {
    /// Key of the previous node, or `NIL` at the head.
    prev: u32,
    /// Key of the next node, or `NIL` at the tail.
    next: u32,
}

impl Links {
    /// The links of a node in no list.
    pub(crate) const EMPTY: Links = Links {
        prev: NIL,
        next: NIL,
    };
}

impl Default for Links {
    fn default() -> Self {
        Links::EMPTY
    }
}

/// A slots entry that can be linked into a [`List`].
pub(crate) trait Node {
    /// The node's links, owned by whichever list it is in.
    fn links(&mut self) -> &mut Links;
}

/// A list of slots keys, oldest first.
#[derive(Debug)]
pub(crate) struct List {
    /// The oldest node, or `NIL` when empty.
    head: u32,
    /// The newest node, or `NIL` when empty.
    tail: u32,
}

impl Default for List {
    fn default() -> Self {
        List::new()
    }
}

/// Converts a slots key to its stored form.
///
/// Inlined, with the panic out of line: it runs on every push of a
/// waiter, and as a call it cost a waiter's `wait` one call and return
/// more. Callgrind, `ping_pong` of `benches/examples/scaling.rs`, with
/// `EventWait`'s drop inlined too: 1,185 → 1,167 instructions per round trip.
#[inline]
fn short(key: usize) -> u32 {
    match u32::try_from(key) {
        // `NIL` is no key; the key below it stays unused too, as it did
        // when it marked granted waiters, so the limit is where it always
        // was.
        Ok(short) if short < NIL - 1 => short,
        _ => too_many(),
    }
}

/// The panic of [`short`].
#[cold]
#[inline(never)]
fn too_many() -> ! {
    panic!("looplet: more than 4 billion list entries")
}

impl List {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        List {
            head: NIL,
            tail: NIL,
        }
    }

    /// Whether the list has no node.
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// The oldest node's key.
    pub(crate) fn front(&self) -> Option<usize> {
        (self.head != NIL).then_some(self.head as usize)
    }

    /// Appends `key` (which must be in no list) at the back.
    #[inline]
    pub(crate) fn push_back<T: Node>(&mut self, slots: &mut Slots<T>, key: usize) {
        debug_assert_eq!(
            *slots[key].links(),
            Links::default(),
            "node {key} is already in a list"
        );
        let short = short(key);
        slots[key].links().prev = self.tail;
        if self.tail == NIL {
            self.head = short;
        } else {
            slots[self.tail as usize].links().next = short;
        }
        self.tail = short;
    }

    /// Unlinks `key`, which must be in this list.
    #[inline]
    pub(crate) fn remove<T: Node>(&mut self, slots: &mut Slots<T>, key: usize) {
        let Links { prev, next } = std::mem::take(slots[key].links());
        if prev == NIL {
            debug_assert_eq!(self.head as usize, key, "node {key} is not in this list");
            self.head = next;
        } else {
            slots[prev as usize].links().next = next;
        }
        if next == NIL {
            debug_assert_eq!(self.tail as usize, key, "node {key} is not in this list");
            self.tail = prev;
        } else {
            slots[next as usize].links().prev = prev;
        }
    }

    /// Unlinks and returns the oldest node's key.
    #[inline]
    pub(crate) fn pop_front<T: Node>(&mut self, slots: &mut Slots<T>) -> Option<usize> {
        let key = self.front()?;
        self.remove(slots, key);
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_up_to_the_limit_are_short_and_past_it_panic() {
        assert_eq!(short(0), 0);
        assert_eq!(short((NIL - 2) as usize), NIL - 2);
        for past in [(NIL - 1) as usize, NIL as usize, usize::MAX] {
            let result = std::panic::catch_unwind(|| short(past));
            let payload = result.expect_err("a key past the limit panics");
            assert_eq!(
                crate::util::panic::message(&*payload),
                Some("looplet: more than 4 billion list entries")
            );
        }
    }

    #[derive(Default)]
    struct N(Links);
    impl Node for N {
        fn links(&mut self) -> &mut Links {
            &mut self.0
        }
    }

    fn drain(list: &mut List, slots: &mut Slots<N>) -> Vec<usize> {
        std::iter::from_fn(|| list.pop_front(slots)).collect()
    }

    #[test]
    fn push_back_keeps_insertion_order() {
        let mut slots = Slots::new();
        let mut list = List::new();
        let keys: Vec<usize> = (0..5).map(|_| slots.insert(N::default())).collect();
        for &k in &keys {
            list.push_back(&mut slots, k);
        }
        assert_eq!(drain(&mut list, &mut slots), keys);
        assert!(list.is_empty());
    }

    #[test]
    fn remove_head_middle_and_tail() {
        let mut slots = Slots::new();
        let mut list = List::new();
        let k: Vec<usize> = (0..5).map(|_| slots.insert(N::default())).collect();
        for &key in &k {
            list.push_back(&mut slots, key);
        }
        list.remove(&mut slots, k[0]);
        list.remove(&mut slots, k[2]);
        list.remove(&mut slots, k[4]);
        assert_eq!(
            *slots[k[2]].links(),
            Links::default(),
            "removed node is unlinked"
        );
        assert_eq!(drain(&mut list, &mut slots), vec![k[1], k[3]]);
    }

    #[test]
    fn removed_node_can_join_again_at_the_back() {
        let mut slots = Slots::new();
        let mut list = List::new();
        let a = slots.insert(N::default());
        let b = slots.insert(N::default());
        list.push_back(&mut slots, a);
        list.push_back(&mut slots, b);
        list.remove(&mut slots, a);
        list.push_back(&mut slots, a);
        assert_eq!(drain(&mut list, &mut slots), vec![b, a]);
    }
}
