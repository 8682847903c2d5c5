//! A queue's [`State`]: its items, its two waiter lines and its counts,
//! and [`State::settle`], which grants freed items and places to the
//! oldest waiters (see `queue.rs` for the hand-off and the invariants).
//!
//! Read next: `queue_futures.rs`.

use super::queue_order::Order;
use super::waiters::Waiters;
use crate::task::Wake;
use crate::trace;

/// A queue's items, waiters and counts.
pub(super) struct State<T, O> {
    /// The items, in the order's keeping.
    pub(super) items: O,
    /// The most items (0: no limit).
    pub(super) maxsize: usize,
    /// Items put and not yet marked done.
    pub(super) unfinished: usize,
    /// Whether `shutdown` was called.
    pub(super) shut_down: bool,
    /// Tasks waiting for an item (and granted ones not yet run).
    pub(super) getters: Waiters,
    /// Tasks waiting for room (and granted ones not yet run).
    pub(super) putters: Waiters,
    /// Ties the item type to the state.
    pub(super) _items: std::marker::PhantomData<T>,
}

/// Waiters to wake once the state's borrow is let go of: at most one getter
/// and one putter (the common case, no allocation).
#[derive(Default)]
#[must_use = "the wakers must be woken"]
pub(super) struct Wakes(Option<Wake>, Option<Wake>);

impl Wakes {
    /// Wakes them (narrating the grants on `label`'s trace); call with no
    /// borrow held. Nothing to wake (a put or get that found its way
    /// clear, the common case) returns at once, inlined.
    #[inline]
    pub(super) fn wake(self, label: &trace::Label) {
        if self.0.is_some() || self.1.is_some() {
            self.wake_some(label);
        }
    }

    /// [`Wakes::wake`] with someone to wake.
    #[inline(never)]
    fn wake_some(self, label: &trace::Label) {
        if trace::tracing() {
            let label = label.to_string();
            if self.0.is_some() {
                trace::sync_granted(&label, format_args!("an item granted to the oldest getter"));
            }
            if self.1.is_some() {
                trace::sync_granted(&label, format_args!("a place granted to the oldest putter"));
            }
        }
        if let Some(w) = self.0 {
            w.wake();
        }
        if let Some(w) = self.1 {
            w.wake();
        }
    }
}

impl<T, O: Order<T>> State<T, O> {
    /// Items not promised to a granted getter: what a new get may take.
    pub(super) fn free_items(&self) -> usize {
        self.items.len().saturating_sub(self.getters_granted())
    }

    /// Granted getters not yet run.
    fn getters_granted(&self) -> usize {
        self.getters.granted()
    }

    /// Whether a new put may go in now, without waiting.
    pub(super) fn has_room(&self) -> bool {
        self.maxsize == 0
            || (self.putters.is_empty() && self.items.len() + self.putters.granted() < self.maxsize)
    }

    /// Stores an item put, counting it unfinished. Returns whether `join`'s
    /// event must be cleared (the first unfinished item).
    pub(super) fn store(&mut self, item: T) -> bool {
        self.items.push(item);
        self.unfinished += 1;
        self.unfinished == 1
    }

    /// Restores the invariants after a change: grants the oldest getter
    /// an item that is free, and the oldest putter a place that is free.
    #[inline]
    pub(super) fn settle(&mut self) -> Wakes {
        let mut wakes = Wakes::default();
        if !self.getters.is_empty() && self.items.len() > self.getters.granted() {
            wakes.0 = self.getters.grant_front();
        }
        if !self.putters.is_empty()
            && self.maxsize > 0
            && self.items.len() + self.putters.granted() < self.maxsize
        {
            wakes.1 = self.putters.grant_front();
        }
        debug_assert!(
            self.getters.is_empty() || self.items.len() <= self.getters.granted(),
            "getters wait beside free items: {} items, {} granted",
            self.items.len(),
            self.getters.granted()
        );
        wakes
    }
}
