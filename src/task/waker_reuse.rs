//! Where the waker of a poll comes from, and where it goes back: the
//! table's loose waker and its spares.
//!
//! A task holds a waker of its own only while someone else holds a clone
//! of it. Every other poll borrows one ([`TaskTable::lend_waker`]): the
//! loose waker, known to be unshared, or a spare that nobody else holds,
//! pointed at the task; a new one only when there is neither. A `Pending`
//! poll that leaves its waker unshared gives it back
//! ([`TaskTable::give_back_waker`]); a finished task's waker joins the
//! spares at once ([`TaskTable::recycle_waker`]), checked for sharing only
//! when it is reused. `docs/03-wakers.md`, "Cost, and reuse", tells the
//! story with its measurements.
//!
//! # Invariants
//!
//! * A waker is rewritten (`TaskWaker::reuse`) only after its strong count
//!   was read as one and an acquire fence: nobody else can wake through
//!   it, or be reading it.
//! * The loose waker is held by the table alone from the moment it comes
//!   back until it is lent.
//!
//! Read next: `table.rs`, whose `begin_poll` and `end_poll` call these.

use std::sync::Arc;
use std::sync::atomic::{Ordering, fence};

use super::id::{TaskId, TaskKey};
use super::table::TaskTable;
use super::waker::TaskWaker;

impl<S> TaskTable<S> {
    /// A waker for a poll of task `(key, id)`, which has none of its own:
    /// the loose one or a spare one, pointed at it, or a new one.
    ///
    /// A task holds a waker of its own only while someone else holds a
    /// clone of it: a waker slot, another executor's combinator, another
    /// thread. A poll that ends with nobody else holding the waker gives it
    /// back (see `end_poll`), and the task's next poll borrows one here
    /// again. A task woken only by timers and `sync/` waiter lines, which
    /// name it without a waker (`named.rs`), never holds one: `timers_fire` of
    /// `benches/examples/scaling.rs` runs 100,000 sleeping tasks on one
    /// waker, where it used to touch 100,000 cold ones, one per first
    /// poll: 981 → 826 ns per timer (median of four alternating runs,
    /// `scaling timers_fire looplet 100000 5`); ping_pong and the others
    /// within the noise, 4 to 14 more instructions per element (the count
    /// read at the end of a `Pending` poll).
    ///
    /// Wakers go back to the spares as soon as their task finishes; a
    /// spare that someone still holds a clone of is passed over here. A
    /// task that finishes in its first poll with no clone of its waker
    /// kept so hands the same waker on to the next one:
    /// `spawn_join` of `benches/examples/scaling.rs` (100,000 tasks, handles
    /// kept) touches one waker instead of 100,000 (4.8 MB of them). Minimum
    /// of 15 runs, median of six interleaved rounds, 100,000 tasks, before
    /// → after (with `TaskWaker::reuse`'s plain stores): `event_fanout` 251
    /// → 177 ns per task, `spawn_join` 93 → 90, `ping_pong` 79.5 → 79.3;
    /// `timers_cancel` 620 → 420 (median of 11 runs, four rounds). Not
    /// fewer instructions (callgrind counts the same within 1 %), fewer
    /// cold wakers touched.
    ///
    /// The cost in clarity: a slot's waker is sometimes absent, and the
    /// reason lives here; and a poll of a task that never kept a waker
    /// rewrites the loose waker's key and id (three plain stores).
    #[inline]
    pub(super) fn lend_waker(&mut self, key: TaskKey, id: TaskId) -> Arc<TaskWaker<S>> {
        if let Some(waker) = self.loose_waker.take() {
            // Checked unshared when it came back, and held only here since.
            waker.reuse(key, id);
            return waker;
        }
        while let Some(waker) = self.spare_wakers.pop() {
            // looplet never makes `Weak` wakers, so a strong count of one
            // means nobody else holds it (a plain load, unlike `get_mut`).
            if Arc::strong_count(&waker) == 1 {
                // Pairs with the `Release` decrement of the last other
                // holder (`Arc`'s drop), as `Arc::get_mut` does: whatever
                // another thread did with this waker (a wake that read its
                // key and id, or set `in_inbox`) happens before `reuse`
                // rewrites it. A compiler barrier only, on x86.
                fence(Ordering::Acquire);
                waker.reuse(key, id);
                return waker;
            }
            // A clone of it is still out there: its wakes find its task
            // done and are stale. Let the clone keep it.
            drop(waker);
        }
        Arc::new(TaskWaker::new(self.schedule.clone(), key, id))
    }

    /// Takes back `waker`, which nobody else holds, from a task that did
    /// not keep it: the loose waker if there is none, else a spare.
    #[inline]
    pub(super) fn give_back_waker(&mut self, waker: Arc<TaskWaker<S>>) {
        // As in `lend_waker`: whatever another thread did with this waker
        // before its last clone was dropped happens before it is rewritten.
        fence(Ordering::Acquire);
        if self.loose_waker.is_none() {
            self.loose_waker = Some(waker);
        } else {
            self.spare_wakers.push(waker);
        }
    }

    /// Keeps `waker`, whose task has finished, for a later poll.
    ///
    /// Whether someone else still holds it is asked only when it is
    /// reused (`lend_waker`), which writes to it anyway, and not here: the
    /// answer is in the waker's own memory, and a task that finishes long
    /// after it was woken (a timer's task, behind thousands of others
    /// fired in the same turn) finds that memory gone cold. Asking here
    /// cost a cache miss per task. `timers_fire` of
    /// `benches/examples/scaling.rs` at 100,000 timers: the load of the
    /// strong count was 91 % of `end_poll`'s samples and `end_poll` 10 % of
    /// the run (`perf record -e cpu-clock`). The cost: a shared waker stays
    /// in the spares (one reference, not its memory: the clone keeps that)
    /// until a first poll passes it over.
    #[inline]
    pub(super) fn recycle_waker(&mut self, waker: Arc<TaskWaker<S>>) {
        self.spare_wakers.push(waker);
    }

    /// The number of spare wakers kept for reuse (for tests).
    #[cfg(test)]
    pub(crate) fn spare_wakers(&self) -> usize {
        self.spare_wakers.len()
    }
}
