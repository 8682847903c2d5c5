//! The task table as a join handle sees it: how the task ended, its cell
//! to take, the waker to wake when it ends, and letting go of the slot
//! (edge 9).
//!
//! A handle's waker is kept out of line, in [`JoinWakers`], with only a
//! `u32` key in the slot: most tasks never have one (a handle awaited
//! after its task ended, or never awaited, registers nothing), and a
//! `Waker` in every slot was 16 of its 56 bytes. What it costs: a second
//! slab lookup when a handle registers and when its task ends.
//!
//! What is kept is a [`Wake`] (`named.rs`): when the handle is awaited by
//! a looplet task with its own waker, as it almost always is, the task's
//! name rather than a clone of that waker. Registering and waking then
//! cost no atomic operation, and the waiting task's waker stays unshared,
//! so it goes back to the table for reuse while the task waits. Measured
//! with `benches/examples/peer_suites.rs` (`spawn_recursively`: each of
//! 300 chains of tasks awaits the next task's handle), 200 → 179 ns per
//! task with the layout fixed (`setarch -R`), though 12 instructions fewer
//! only; `spawn_one` (a `block_on` per awaited task) gives back 2 % (41
//! instructions more: the waiting task's waker is lent twice instead of
//! kept). `docs/performance-journal.md`, "Tenth session".
//!
//! Read next: `tests.rs` beside this file walks the diagram edge by edge;
//! then `executor/` (the loop that drives the table).

use std::task::Waker;

use crate::util::slots::Slots;

use super::cell::BoxTask;
use super::id::{TaskId, TaskKey};
use super::leftovers::Leftovers;
use super::named::Wake;
use super::state::{JoinPoll, Outcome, State};
use super::table::TaskTable;

/// Where a slot's join waker is in [`JoinWakers`], if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct JoinWakerKey(u32);

impl JoinWakerKey {
    /// No join waker.
    pub(super) const NONE: JoinWakerKey = JoinWakerKey(u32::MAX);
}

/// The wakers registered by handles whose tasks have not ended: as many
/// as handles waiting at once, not as tasks.
#[derive(Default)]
pub(super) struct JoinWakers(Slots<Wake>);

impl JoinWakers {
    /// The waker at `at`, if any.
    pub(super) fn get(&self, at: JoinWakerKey) -> Option<&Wake> {
        (at != JoinWakerKey::NONE).then(|| &self.0[at.0 as usize])
    }

    /// Takes the waker at `at` out, leaving `at` empty.
    pub(super) fn take(&mut self, at: &mut JoinWakerKey) -> Option<Wake> {
        let key = std::mem::replace(at, JoinWakerKey::NONE);
        (key != JoinWakerKey::NONE).then(|| self.0.remove(key.0 as usize))
    }

    /// How many wakers are kept (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Stores `waker` at `at`; returns the one it replaces.
    pub(super) fn set(&mut self, at: &mut JoinWakerKey, waker: Wake) -> Option<Wake> {
        if *at != JoinWakerKey::NONE {
            return Some(std::mem::replace(&mut self.0[at.0 as usize], waker));
        }
        let key = u32::try_from(self.0.insert(waker))
            .ok()
            .filter(|&key| key != JoinWakerKey::NONE.0)
            .expect("looplet: more than 4 billion handles waiting at once");
        *at = JoinWakerKey(key);
        None
    }
}

impl<S> TaskTable<S> {
    /// Whether task `(key, id)` still has its slot.
    pub(crate) fn has(&self, key: TaskKey, id: TaskId) -> bool {
        self.tasks
            .get(key.index())
            .is_some_and(|slot| slot.id == id)
    }

    /// The id of the task in slot `key`.
    pub(crate) fn id(&self, key: TaskKey) -> TaskId {
        self.tasks[key.index()].id
    }

    /// How the task in slot `key` ended, if it has.
    pub(crate) fn outcome(&self, key: TaskKey) -> Option<Outcome> {
        match self.tasks[key.index()].state {
            State::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// What a handle polled with `waker` finds: how the task ended, or
    /// whether `waker` still has to be registered, or that the task is
    /// polling its own handle.
    #[inline]
    pub(crate) fn join_poll(&self, key: TaskKey, waker: &Waker) -> JoinPoll {
        let slot = &self.tasks[key.index()];
        match slot.state {
            State::Done(outcome) => JoinPoll::Ready(outcome),
            // Only one task runs at a time, and a handle is `!Send`: a
            // handle that finds its task RUNNING is being polled from
            // inside that task's own poll.
            State::Running { .. } => JoinPoll::OwnTask,
            _ if self
                .join_wakers
                .get(slot.join_waker)
                .is_some_and(|w| w.wakes_alike(waker)) =>
            {
                JoinPoll::Pending
            }
            _ => JoinPoll::NeedsWaker,
        }
    }

    /// What a handle polled with `waker` finds, as [`join_poll`]; if the
    /// task has finished, also moves its cell (the output or panic
    /// payload; a cancelled task has none) out for the handle, in the same
    /// borrow. The slot stays until the handle is dropped.
    ///
    /// [`join_poll`]: TaskTable::join_poll
    #[inline]
    pub(crate) fn take_result(
        &mut self,
        key: TaskKey,
        waker: &Waker,
    ) -> Result<(TaskId, Outcome, Option<BoxTask>), JoinPoll> {
        match self.join_poll(key, waker) {
            JoinPoll::Ready(outcome) => {
                let slot = &mut self.tasks[key.index()];
                Ok((slot.id, outcome, slot.task.take()))
            }
            waiting => Err(waiting),
        }
    }

    /// Registers `waker` (cloned by the caller with no borrow held) to be
    /// woken when the task in slot `key` finishes. Returns the waker it
    /// replaces, for the caller to drop after the borrow, or gives `waker`
    /// back if the task finished in the meantime.
    pub(crate) fn set_join_waker(
        &mut self,
        key: TaskKey,
        waker: Wake,
    ) -> Result<Option<Wake>, Wake> {
        let slot = &mut self.tasks[key.index()];
        match slot.state {
            State::Done(_) => Err(waker),
            _ => Ok(self.join_wakers.set(&mut slot.join_waker, waker)),
        }
    }

    /// Takes back the waker registered for the end of the task in slot
    /// `key`: only if it wakes the same task as `waker`, or whatever it is
    /// for `None`. Its waiter stopped waiting (asyncio removes its done
    /// callback), so the end of the task must not wake it. The caller drops
    /// the waker after the borrow.
    pub(crate) fn take_join_waker(&mut self, key: TaskKey, waker: Option<&Waker>) -> Option<Wake> {
        let slot = &mut self.tasks[key.index()];
        let registered = self.join_wakers.get(slot.join_waker)?;
        if waker.is_some_and(|waker| !registered.wakes_alike(waker)) {
            return None;
        }
        self.join_wakers.take(&mut slot.join_waker)
    }

    /// The handle of the task in slot `key` is dropped: the slot is freed
    /// if the task is done (edge 9), else the task is detached.
    #[inline]
    pub(crate) fn detach(&mut self, key: TaskKey) -> Option<Leftovers> {
        self.tasks[key.index()].has_handle = false;
        self.release(key)
    }

    /// Removes a `block_on`'s main slot: main returned or panicked, or
    /// `block_on` is unwinding.
    pub(crate) fn remove_main(&mut self, key: TaskKey) -> Option<Leftovers> {
        let slot = &mut self.tasks[key.index()];
        if !matches!(slot.state, State::Done(_)) {
            slot.state = State::Done(Outcome::Cancelled);
        }
        self.detach(key)
    }
}
