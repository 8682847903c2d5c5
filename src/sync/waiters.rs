//! A FIFO queue of waiters: the one waiter list the primitives of `sync/`
//! share.
//!
//! Each waiter is a [`Wake`] in [`Slots`] (a vector whose freed slots are
//! reused, `util/slots.rs`): the waiting task by name when it waits with
//! its own looplet waker, else a clone of the waker it was polled with
//! (`task/named.rs`). Waiters are threaded in the order they began waiting
//! on a [`List`] through the same slots: joining is O(1) at the back, a
//! waiter that is dropped unlinks itself in O(1) from anywhere, and the
//! oldest comes off the front first. No allocation per waiter once the
//! slots have grown to the most waiters ever at once.
//!
//! A waiter is named by the key [`Waiters::push_back`] returns; the owner
//! (the future that waits) keeps it and must remove it when dropped, unless
//! the waiter was already taken off the list.
//!
//! # Granted waiters
//!
//! A waiter is released by being *granted*: a lock, a permit or a queue
//! item is handed to one waiter, which must either take it when it runs
//! or, if it is dropped first, pass it on (CPython bpo-32734, gh-90155: a
//! waiter cancelled after being woken used to strand the lock). So
//! [`grant_front`](Waiters::grant_front) takes the oldest waiter off the
//! line but keeps its slot, marked *granted*; the waiter's future sees the
//! mark on its next poll ([`poll_again`], which every waiting future of
//! `sync/` calls) and [`take_grant`](Waiters::take_grant)s it, or,
//! dropped, [`cancel`](Waiters::cancel) tells it that it held a grant, to
//! hand on. An `Event`'s `set` grants every waiter at once
//! ([`grant_all_into`](Waiters::grant_all_into)); a granted event waiter
//! has nothing to hand on, so its future only frees the slot. The mark
//! is what lets a waiting future keep nothing but its key (an
//! `EventWait` is 16 bytes): a freed slot could be reused by a newer
//! waiter, a granted one cannot.
//!
//! # Invariants
//!
//! * Every waiter in the slots is either on the list (waiting) or granted
//!   (off the list, its `Wake` handed back and `None` in its place: that
//!   `None` is the mark), never both; `granted` counts the latter.
//! * Nothing here wakes or drops a waker of its own accord: wakes are
//!   handed back, for the caller to wake or drop once it has let go of its
//!   `RefCell` (a waker runs foreign code, which may re-enter the
//!   primitive).
//!
//! Read next: `permits.rs` (the lock and the semaphore), or `event.rs`.

use std::cell::RefCell;
use std::task::Waker;

use crate::task::Wake;
use crate::util::list::{Links, List, Node};
use crate::util::slots::Slots;

/// One waiting task (32 bytes: a `Wake`, which is a tag and a waker or a
/// task name, and two `u32` links; the slots' "vacant" tag and `None` hide
/// in the `Wake`'s tag).
struct Waiter {
    /// Whom to wake; `None` once the waiter is granted (its `Wake` was
    /// handed back to be woken): that is the granted mark, with no flag of
    /// its own.
    wake: Option<Wake>,
    /// Its place in the waiting order ([`Links::EMPTY`] once granted).
    links: Links,
}

impl Waiter {
    /// Whether `grant_front` took it off the line.
    fn granted(&self) -> bool {
        self.wake.is_none()
    }
}

/// What [`Waiters::cancel`] found.
#[derive(Debug)]
pub(crate) enum Cancelled {
    /// The waiter was still in line: its `Wake`, to drop.
    Waiting(Wake),
    /// The waiter had been granted what was released: the caller must hand
    /// it on.
    Granted,
}

impl Node for Waiter {
    fn links(&mut self) -> &mut Links {
        &mut self.links
    }
}

/// Waiters, oldest first.
#[derive(Default)]
pub(crate) struct Waiters {
    /// The waiters, each with its `Wake`.
    slots: Slots<Waiter>,
    /// Their keys in the order they began waiting.
    order: List,
    /// How many slots hold granted waiters (off the line).
    granted: usize,
}

impl Waiters {
    /// How many are waiting in line (granted waiters are not counted).
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.granted
    }

    /// How many granted waiters have not taken their grant yet.
    pub(crate) fn granted(&self) -> usize {
        self.granted
    }

    /// Whether nobody waits in line.
    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Takes the oldest waiter off the line and marks it granted (takes
    /// its `Wake`); returns that, to wake once the caller has let go of its
    /// `RefCell`.
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Wake> {
        let key = self.order.pop_front(&mut self.slots)?;
        self.granted += 1;
        let wake = self.slots[key].wake.take();
        debug_assert!(wake.is_some(), "waiter {key} in line without its wake");
        wake
    }

    /// Whether waiter `key` has been granted.
    #[inline]
    pub(crate) fn is_granted(&self, key: usize) -> bool {
        self.slots[key].granted()
    }

    /// Frees the slot of the granted waiter `key`: it took its grant.
    #[inline]
    pub(crate) fn take_grant(&mut self, key: usize) {
        debug_assert!(self.slots[key].granted(), "waiter {key} was not granted");
        self.slots.remove(key);
        self.granted -= 1;
    }

    /// If waiter `key` has been granted, frees its slot (it took its
    /// grant) and says so; a waiter still in line is left as it is. What
    /// every granted waiter's future does when it is polled.
    #[inline]
    pub(crate) fn try_take_grant(&mut self, key: usize) -> bool {
        let granted = self.is_granted(key);
        if granted {
            self.take_grant(key);
        }
        granted
    }

    /// Removes waiter `key`, in line or granted, for a future dropped
    /// before it completed.
    pub(crate) fn cancel(&mut self, key: usize) -> Cancelled {
        if self.slots[key].granted() {
            self.take_grant(key);
            Cancelled::Granted
        } else {
            Cancelled::Waiting(self.remove(key))
        }
    }

    /// Adds a waiter at the back; returns its key.
    #[inline]
    pub(crate) fn push_back(&mut self, wake: Wake) -> usize {
        let key = self.slots.insert(Waiter {
            wake: Some(wake),
            links: Links::EMPTY,
        });
        self.order.push_back(&mut self.slots, key);
        key
    }

    /// Removes the waiter `key` (which must be in line) from wherever it is
    /// in the line and gives its waker back, to drop.
    pub(crate) fn remove(&mut self, key: usize) -> Wake {
        debug_assert!(!self.slots[key].granted(), "waiter {key} was granted");
        self.order.remove(&mut self.slots, key);
        let waiter = self.slots.remove(key);
        waiter.wake.expect("a waiter in line has its wake")
    }

    /// Whether waiter `key` would wake whoever `waker` wakes.
    pub(crate) fn wakes_alike(&self, key: usize, waker: &Waker) -> bool {
        self.slots[key]
            .wake
            .as_ref()
            .is_some_and(|wake| wake.wakes_alike(waker))
    }

    /// Gives waiter `key`, still in line, a new `Wake`; returns the old
    /// one, to drop.
    pub(crate) fn replace_wake(&mut self, key: usize, wake: Wake) -> Option<Wake> {
        self.slots[key].wake.replace(wake)
    }

    /// How many waiters in line are kept by their task's name (for tests).
    #[cfg(test)]
    pub(crate) fn kept_by_name(&self) -> usize {
        let by_name = |(_, waiter): (usize, &Waiter)| matches!(waiter.wake, Some(Wake::Task(_)));
        self.slots.iter().filter(|&entry| by_name(entry)).count()
    }

    /// How many slots are taken, in line or granted (for tests).
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Grants every waiter in line, oldest first, and hands their wakers
    /// back in `out`: what an `Event`'s `set` does.
    pub(crate) fn grant_all_into(&mut self, out: &mut Vec<Wake>) {
        out.reserve(self.len());
        while let Some(wake) = self.grant_front() {
            out.push(wake);
        }
    }
}

/// What a waiting future does when it is polled again: if waiter `key` of
/// the line `line` picks out of `cell` has been granted, takes the grant
/// and returns `true`; else keeps the waiter in line, waking whoever
/// `waker` wakes, and returns `false`.
///
/// The common re-polls (granted, or the same waker as before) are one
/// borrow, inlined into the future; a new waker goes out of line to
/// [`rewake`].
#[inline]
pub(crate) fn poll_again<S>(
    cell: &RefCell<S>,
    line: impl Fn(&mut S) -> &mut Waiters,
    key: usize,
    waker: &Waker,
) -> bool {
    {
        let mut state = cell.borrow_mut();
        let waiters = line(&mut state);
        if waiters.try_take_grant(key) {
            return true;
        }
        if waiters.wakes_alike(key, waker) {
            return false;
        }
    }
    rewake(cell, line, key, waker)
}

/// [`poll_again`] with a waker that wakes someone else than waiter `key`'s
/// `Wake` does: gives the waiter a `Wake` of it, unless it turns out to be
/// granted (then takes the grant and returns `true`).
///
/// Cloning a waker runs the waker's own code, which may panic or use this
/// very primitive (a `notify` or a `set` that grants this waiter), so the
/// clone is made with `cell` unborrowed and the grant is looked at again
/// after it; the old `Wake` is dropped unborrowed too.
#[cold]
#[inline(never)]
fn rewake<S>(
    cell: &RefCell<S>,
    line: impl Fn(&mut S) -> &mut Waiters,
    key: usize,
    waker: &Waker,
) -> bool {
    let wake = Wake::of(waker);
    let mut state = cell.borrow_mut();
    let waiters = line(&mut state);
    if waiters.try_take_grant(key) {
        drop(state);
        drop(wake);
        return true;
    }
    let old = waiters.replace_wake(key, wake);
    drop(state);
    drop(old);
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_task::ArcWake;

    use super::*;

    /// A waiter's `Wake` for `arc`'s waker (no task is being polled, so it
    /// is always a clone).
    fn waker<W: ArcWake + 'static>(arc: Arc<W>) -> Wake {
        Wake::of(&futures_task::waker(arc))
    }

    /// A waker that records its number in a shared log when woken.
    struct Numbered(usize, Arc<std::sync::Mutex<Vec<usize>>>);

    impl ArcWake for Numbered {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.1.lock().unwrap().push(arc_self.0);
        }
    }

    #[test]
    fn a_waiter_is_four_words_in_its_slots() {
        // The slots' own tag for a free slot, and `None`, fit in the
        // `Wake`'s tag.
        #[allow(dead_code)]
        enum Entry<T> {
            Vacant(usize),
            Occupied(T),
        }
        assert_eq!(std::mem::size_of::<Entry<Waiter>>(), 32);
    }

    #[test]
    fn oldest_first_and_removal_from_the_middle() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiters = Waiters::default();
        let keys: Vec<usize> = (0..4)
            .map(|i| waiters.push_back(waker(Arc::new(Numbered(i, log.clone())))))
            .collect();
        drop(waiters.remove(keys[1]));
        assert_eq!(waiters.len(), 3);
        let mut out = Vec::new();
        waiters.grant_all_into(&mut out);
        out.into_iter().for_each(Wake::wake);
        assert_eq!(*log.lock().unwrap(), [0, 2, 3]);
        assert_eq!(waiters.len(), 0);
        assert_eq!(waiters.granted(), 3);
        for key in [keys[0], keys[2], keys[3]] {
            assert!(waiters.is_granted(key));
            waiters.take_grant(key);
        }
        assert_eq!(waiters.granted(), 0);
    }

    #[test]
    fn a_granted_waiter_leaves_the_line_but_keeps_its_slot() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiters = Waiters::default();
        let keys: Vec<usize> = (0..3)
            .map(|i| waiters.push_back(waker(Arc::new(Numbered(i, log.clone())))))
            .collect();
        waiters.grant_front().unwrap().wake();
        assert_eq!(*log.lock().unwrap(), [0]);
        assert_eq!(waiters.len(), 2);
        assert!(waiters.is_granted(keys[0]) && !waiters.is_granted(keys[1]));
        assert!(matches!(waiters.cancel(keys[0]), Cancelled::Granted));
        assert!(matches!(waiters.cancel(keys[2]), Cancelled::Waiting(_)));
        waiters.grant_front().unwrap().wake();
        waiters.take_grant(keys[1]);
        assert_eq!(*log.lock().unwrap(), [0, 1]);
        assert!(waiters.is_empty());
        assert_eq!(waiters.len(), 0);
        assert!(waiters.grant_front().is_none());
    }

    #[test]
    fn a_replaced_waker_is_handed_back() {
        #[derive(Default)]
        struct Count(AtomicUsize);
        impl ArcWake for Count {
            fn wake_by_ref(arc_self: &Arc<Self>) {
                arc_self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let (a, b) = (Arc::new(Count::default()), Arc::new(Count::default()));
        let mut waiters = Waiters::default();
        let key = waiters.push_back(waker(a.clone()));
        assert!(waiters.wakes_alike(key, &futures_task::waker(a.clone())));
        let old = waiters.replace_wake(key, waker(b.clone()));
        old.expect("in line").wake();
        waiters.grant_front().unwrap().wake();
        assert_eq!(a.0.load(Ordering::Relaxed), 1);
        assert_eq!(b.0.load(Ordering::Relaxed), 1);
    }
}
