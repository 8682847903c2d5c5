//! The three orders a [`Queue`](super::Queue) can hand items out in:
//! [`Fifo`] (asyncio's `Queue`), [`Lifo`] (`LifoQueue`) and [`Priority`]
//! (`PriorityQueue`), behind one small trait, [`Order`], so the queue's
//! waiting and hand-off logic is written once.
//!
//! A priority queue hands out the smallest item first and equal items in
//! the order they were put: each item is stored with a sequence number
//! that breaks ties, which asyncio leaves to the user (`(priority, count,
//! item)` tuples).
//!
//! Read next: `queue.rs`.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// Where a queue keeps its items, and which comes out first.
///
/// Implemented by [`Fifo`], [`Lifo`] and [`Priority`]; sealed.
pub trait Order<T>: Default + sealed::Sealed {
    /// Stores an item.
    fn push(&mut self, item: T);
    /// Takes out the item whose turn it is.
    fn pop(&mut self) -> Option<T>;
    /// How many items are stored.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Keeps `Order` implemented only here.
mod sealed {
    pub trait Sealed {}
}

/// First in, first out: asyncio's `Queue`.
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> sealed::Sealed for Fifo<T> {}

impl<T> Order<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out: asyncio's `LifoQueue`.
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T> sealed::Sealed for Lifo<T> {}

impl<T> Order<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Smallest first, equal items in the order they were put: asyncio's
/// `PriorityQueue`.
#[derive(Debug)]
pub struct Priority<T: Ord> {
    /// The items, each with its sequence number, smallest on top.
    heap: BinaryHeap<Reverse<Ranked<T>>>,
    /// The next sequence number.
    next: u64,
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority {
            heap: BinaryHeap::new(),
            next: 0,
        }
    }
}

/// An item and when it was put, ordered by item, then by time.
#[derive(Debug)]
struct Ranked<T>(T, u64);

impl<T: Ord> PartialEq for Ranked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Ranked<T> {}

impl<T: Ord> PartialOrd for Ranked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Ranked<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl<T: Ord> sealed::Sealed for Priority<T> {}

impl<T: Ord> Order<T> for Priority<T> {
    fn push(&mut self, item: T) {
        self.heap.push(Reverse(Ranked(item, self.next)));
        self.next += 1;
    }
    fn pop(&mut self) -> Option<T> {
        self.heap.pop().map(|Reverse(Ranked(item, _))| item)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<O: Order<(u8, char)>>(mut order: O) -> Vec<(u8, char)> {
        for item in [(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd')] {
            order.push(item);
        }
        std::iter::from_fn(|| order.pop()).collect()
    }

    #[test]
    fn each_order() {
        assert_eq!(
            drain(Fifo::default()),
            [(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd')]
        );
        assert_eq!(
            drain(Lifo::default()),
            [(1, 'd'), (2, 'c'), (1, 'b'), (2, 'a')]
        );
        assert_eq!(
            drain(Priority::default()),
            [(1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]
        );
    }

    #[test]
    fn priority_ties_keep_insertion_order() {
        /// Ordered by `priority` alone: equal jobs differ by name.
        #[derive(Debug)]
        struct Job(u8, char);
        impl PartialEq for Job {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        impl Eq for Job {}
        impl PartialOrd for Job {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Job {
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.cmp(&other.0)
            }
        }
        let mut p = Priority::default();
        for (n, c) in [(1, 'x'), (1, 'y'), (0, 'z'), (1, 'w'), (1, 'v')] {
            p.push(Job(n, c));
        }
        let names: String = std::iter::from_fn(|| p.pop()).map(|j| j.1).collect();
        assert_eq!(names, "zxywv");
        assert!(p.is_empty());
    }
}
