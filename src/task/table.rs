//! The task table: every task's slot and the FIFO run queue. Pure
//! bookkeeping: one method per edge of the state diagram in `task/mod.rs`,
//! and no user code ever runs inside it.
//!
//! # Invariants
//!
//! * A key is in the run queue at most once, and exactly when its slot's
//!   `in_queue` is set; a SCHEDULED slot always has `in_queue` set. This is
//!   what makes a task woken twice run once.
//! * A slot is freed only when nobody can name it any more: the task is
//!   DONE, its handle is gone (or took the result), and its key is not in
//!   the run queue. (A task cancelled while SCHEDULED stays until the queue
//!   reaches it.)
//! * No method runs user code: futures, outputs and wakers that must be
//!   dropped or woken are handed back as [`Leftovers`], and the caller
//!   finishes them after the `RefCell` borrow ends. User code may re-enter
//!   the table at any time.
//!
//! Read next: `join.rs`, the same table as a join handle sees it; then
//! `tests.rs`, which walks the diagram edge by edge.

use std::sync::Arc;

use crate::util::ring::Ring;
use crate::util::slots::Slots;

use super::cell::BoxTask;
use super::id::{TaskId, TaskKey};
use super::join::{JoinWakerKey, JoinWakers};
use super::leftovers::Leftovers;
use super::shuffle::Shuffle;
use super::state::{
    AfterPoll, Begin, Cancel, Ended, Outcome, PollResult, Polling, State, WakeResult,
};
use super::waker::TaskWaker;

/// One task's entry in the table (40 bytes).
pub(super) struct Slot<S> {
    /// The task cell: the future, then its output or panic payload. `None`
    /// while the future is being polled, once it was dropped or its result
    /// taken, and always for a `block_on`'s main future, which lives on the
    /// caller's stack.
    pub(super) task: Option<BoxTask>,
    /// Who to wake when it finishes (whoever polled its handle last), in
    /// [`TaskTable::join_wakers`].
    pub(super) join_waker: JoinWakerKey,
    /// The data behind its `Waker`, kept between polls only while someone
    /// else holds a clone of it (see `TaskTable::lend_waker`); lent out
    /// while it is being polled. `None` before its first poll, between
    /// polls when nobody kept its waker, and once it has finished.
    pub(super) waker: Option<Arc<TaskWaker<S>>>,
    /// Tells this task from earlier and later ones in the same slot.
    pub(super) id: TaskId,
    /// Where it is in its life.
    pub(super) state: State,
    /// Whether its key is in the run queue.
    pub(super) in_queue: bool,
    /// Whether its handle (or `block_on`, for main) still holds the slot.
    pub(super) has_handle: bool,
}

/// Edge 8 for a task that is not running: DONE, cancelled, its future and
/// its handle's waker handed back. The one place `cancel` and `cancel_all`
/// make the transition.
fn cancel_waiting<S>(slot: &mut Slot<S>, join_wakers: &mut JoinWakers) -> Leftovers {
    debug_assert!(
        matches!(slot.state, State::Idle | State::Scheduled),
        "{} cancelled while {:?}",
        slot.id,
        slot.state
    );
    slot.state = State::Done(Outcome::Cancelled);
    Leftovers {
        task: slot.task.take(),
        wake: join_wakers.take(&mut slot.join_waker),
    }
}

/// [`TaskTable::wake`] for a task that is not idle: out of line, so that
/// the common case compiles to one test instead of a jump table.
#[cold]
#[inline(never)]
fn wake_busy(state: &mut State) -> WakeResult {
    match state {
        State::Running { woken, .. } if !*woken => {
            *woken = true;
            WakeResult::Deferred
        }
        State::Running { .. } | State::Scheduled => WakeResult::Duplicate,
        State::Done(_) => WakeResult::Stale,
        State::Idle => unreachable!("an idle task is queued by `wake`"),
    }
}

/// The runtime's tasks and run queue. `S` is what the tasks' wakers do
/// (the runtime's [`Schedule`](super::waker::Schedule)).
pub(crate) struct TaskTable<S> {
    /// Every task that has a slot (including each running `block_on`'s main).
    pub(super) tasks: Slots<Slot<S>>,
    /// The wakers of handles waiting for their tasks (`join.rs`).
    pub(super) join_wakers: JoinWakers,
    /// Keys of SCHEDULED tasks, oldest first (plus, transiently, keys of
    /// tasks cancelled while scheduled).
    pub(super) queue: Ring<TaskKey>,
    /// A waker nobody else holds, known to be unshared (it was checked
    /// when it came back): what the next poll of a task without a waker
    /// of its own is lent first.
    pub(super) loose_waker: Option<Arc<TaskWaker<S>>>,
    /// Wakers of finished tasks, kept for reuse: a poll that needs a waker
    /// takes one that nobody else holds instead of allocating. Never longer
    /// than the most tasks that ever held wakers at once, plus one.
    pub(super) spare_wakers: Vec<Arc<TaskWaker<S>>>,
    /// What every new waker points to.
    pub(super) schedule: Arc<S>,
    /// On a shuffled runtime (`Builder::shuffle`), what permutes each
    /// turn's batch (`shuffle.rs`). Boxed, so that FIFO pays one pointer
    /// and one null check per turn.
    pub(super) shuffle: Option<Box<Shuffle>>,
}

impl<S> TaskTable<S> {
    /// An empty table whose wakers point at `schedule`; with `shuffle`,
    /// each turn's batch is permuted by a generator with that seed.
    pub(crate) fn new(schedule: Arc<S>, shuffle: Option<u64>) -> Self {
        TaskTable {
            tasks: Slots::new(),
            join_wakers: JoinWakers::default(),
            queue: Ring::new(),
            loose_waker: None,
            spare_wakers: Vec::new(),
            schedule,
            shuffle: shuffle.map(Shuffle::new),
        }
    }

    /// The number of entries in the run queue.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Reads slot `key` and the first bytes of its task's cell, and
    /// nothing else: what a wake and then a poll of it will read first
    /// (for `util/warm.rs`). A stale key only reads.
    #[inline]
    pub(crate) fn touch(&self, key: TaskKey) -> bool {
        self.tasks
            .get(key.index())
            .and_then(|slot| slot.task.as_ref())
            .is_some_and(|task| task.touch())
    }

    /// The number of tasks with a slot (alive, or done with a live handle).
    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Adds a task and queues it (edge 1). `task` is `None` for a
    /// `block_on`'s main future. Its waker waits for its first poll.
    pub(crate) fn spawn(&mut self, id: TaskId, task: Option<BoxTask>) -> TaskKey {
        let key = TaskKey::new(self.tasks.insert(Slot {
            task,
            join_waker: JoinWakerKey::NONE,
            waker: None,
            id,
            state: State::Scheduled,
            in_queue: true,
            has_handle: true,
        }));
        self.queue.push_back(key);
        key
    }

    /// Adds a task that is cancelled from the start (edges 1 and 8 at
    /// once): spawned while the runtime shuts down. Its future is never
    /// stored here (shutdown drops it: see `executor/shutdown.rs`).
    pub(crate) fn spawn_cancelled(&mut self, id: TaskId) -> TaskKey {
        TaskKey::new(self.tasks.insert(Slot {
            task: None,
            join_waker: JoinWakerKey::NONE,
            waker: None,
            id,
            state: State::Done(Outcome::Cancelled),
            in_queue: false,
            has_handle: true,
        }))
    }

    /// Wakes task `(key, id)` (edges 4 and 5).
    #[inline]
    pub(crate) fn wake(&mut self, key: TaskKey, id: TaskId) -> WakeResult {
        let Some(slot) = self.tasks.get_mut(key.index()).filter(|slot| slot.id == id) else {
            return WakeResult::Stale;
        };
        // The common case tested first, by itself, and the rest out of line:
        // a `match` goes through a jump table, and so did this test while
        // the `match` sat behind it in the same function (callgrind,
        // `benches/examples/scaling.rs`, instructions per element: the test
        // event_fanout 1,908 → 1,878, timers_cancel 2,882 → 2,868; the rest
        // out of line ping_pong 1,201 → 1,185, event_fanout 1,870 → 1,862).
        if let State::Idle = slot.state {
            slot.state = State::Scheduled;
            slot.in_queue = true;
            self.queue.push_back(key);
            return WakeResult::Queued;
        }
        wake_busy(&mut slot.state)
    }

    /// Pops the front of the run queue and, if it is a task to poll, takes
    /// its cell and waker out of the slot (edge 2).
    ///
    /// Always inlined into the loop, so the `Polling` it returns stays in
    /// registers. Measured with callgrind on the workloads of
    /// `benches/core.rs` (100,000 elements): without it, `spawn_join` runs
    /// 147.8 M instructions instead of 143.4 M, `ping_pong` 129.3 M instead
    /// of 121.3 M.
    #[inline(always)]
    pub(crate) fn begin_poll(&mut self) -> Begin<S> {
        let Some(key) = self.queue.pop_front() else {
            return Begin::Empty;
        };
        let slot = &mut self.tasks[key.index()];
        debug_assert!(slot.in_queue, "{} popped but not marked queued", slot.id);
        slot.in_queue = false;
        if slot.state != State::Scheduled {
            // Cancelled while it waited in the queue.
            return Begin::Skip(self.release(key).unwrap_or_default());
        }
        slot.state = State::Running {
            woken: false,
            cancelled: false,
        };
        let id = slot.id;
        let task = slot.task.take();
        let waker = match slot.waker.take() {
            Some(waker) => waker,
            None => self.lend_waker(key, id),
        };
        Begin::Poll(Polling {
            key,
            id,
            task,
            waker,
        })
    }

    /// Puts a polled task back and moves it on (edges 3, 5, 6, 7, 8).
    ///
    /// Always inlined into the loop, like `begin_poll`: the `Ended` it
    /// returns then stays in registers instead of going through memory.
    /// Callgrind on `benches/examples/scaling.rs` (steady state per element,
    /// 100,000): `ping_pong` 1,314 → 1,256 instructions per round trip,
    /// `event_fanout` 1,915 → 1,892, `spawn_join` 1,176 → 1,182; time per
    /// round trip of `ping_pong` about 100 → 91 ns (median of six
    /// alternating runs), the others unchanged.
    #[inline(always)]
    pub(crate) fn end_poll(&mut self, polling: Polling<S>, result: PollResult) -> Ended {
        let Polling {
            key,
            id,
            task,
            waker,
        } = polling;
        let slot = &mut self.tasks[key.index()];
        debug_assert_eq!(slot.id, id, "{key} changed hands during a poll");
        let State::Running { woken, cancelled } = slot.state else {
            unreachable!("{} was not running at the end of its poll", slot.id);
        };
        let outcome = match result {
            // asyncio: a task cancelled during its last step ends cancelled,
            // even if the step finished the coroutine.
            PollResult::Pending | PollResult::Ready if cancelled => Outcome::Cancelled,
            PollResult::Pending => {
                slot.task = task;
                // Kept only if someone else holds a clone (`lend_waker`).
                // Its count was just touched by whoever cloned it, if
                // anyone did: a warm load. looplet never makes `Weak`
                // wakers, so a count of one means nobody else holds it.
                let unshared = if Arc::strong_count(&waker) > 1 {
                    slot.waker = Some(waker);
                    None
                } else {
                    Some(waker)
                };
                let after = if woken {
                    slot.state = State::Scheduled;
                    slot.in_queue = true;
                    self.queue.push_back(key);
                    AfterPoll::Requeued
                } else {
                    slot.state = State::Idle;
                    AfterPoll::Idle
                };
                if let Some(waker) = unshared {
                    self.give_back_waker(waker);
                }
                return Ended {
                    after,
                    leftovers: None,
                };
            }
            PollResult::Ready => Outcome::Completed,
            PollResult::Panicked => Outcome::Panicked,
        };
        self.recycle_waker(waker);
        self.finish(key, task, outcome)
    }

    /// The end of a task's life (edges 6, 7, 8): keeps the output or
    /// payload for the handle (a cancelled task's cell goes with the
    /// leftovers), hands back the handle's waker to wake, and frees the slot
    /// if nobody wants the result (edge 9).
    fn finish(&mut self, key: TaskKey, task: Option<BoxTask>, outcome: Outcome) -> Ended {
        let slot = &mut self.tasks[key.index()];
        let dropped = match outcome {
            Outcome::Cancelled => task,
            Outcome::Completed | Outcome::Panicked => {
                slot.task = task;
                None
            }
        };
        slot.state = State::Done(outcome);
        let wake = self.join_wakers.take(&mut slot.join_waker);
        let released = self.release(key);
        let after = match outcome {
            Outcome::Completed => AfterPoll::Completed {
                freed: released.is_some(),
            },
            Outcome::Panicked => AfterPoll::Panicked,
            Outcome::Cancelled => AfterPoll::Cancelled,
        };
        let mut leftovers = released.unwrap_or_default();
        leftovers.wake = wake;
        leftovers.task = leftovers.task.or(dropped);
        Ended {
            after,
            leftovers: (!leftovers.is_empty()).then_some(leftovers),
        }
    }

    /// Cancels the task in slot `key` (edge 8). A running task (cancelling
    /// itself) is dropped at the end of its poll; any other is dropped when
    /// the leftovers are finished.
    pub(crate) fn cancel(&mut self, key: TaskKey) -> (Cancel, Leftovers) {
        let slot = &mut self.tasks[key.index()];
        match &mut slot.state {
            State::Done(_) => (Cancel::Finished, Leftovers::default()),
            State::Running { cancelled, .. } => {
                *cancelled = true;
                (Cancel::AfterPoll, Leftovers::default())
            }
            State::Idle | State::Scheduled => {
                (Cancel::Now, cancel_waiting(slot, &mut self.join_wakers))
            }
        }
    }

    /// Cancels every task that is not running (edge 8, at shutdown) and
    /// empties the run queue. Returns how many tasks it cancelled, and the
    /// leftovers to finish.
    pub(crate) fn cancel_all(&mut self) -> (u64, Vec<Leftovers>) {
        while let Some(key) = self.queue.pop_front() {
            self.tasks[key.index()].in_queue = false;
        }
        let mut leftovers: Vec<Leftovers> = self
            .tasks
            .iter_mut()
            .filter(|(_, slot)| matches!(slot.state, State::Idle | State::Scheduled))
            .map(|(_, slot)| cancel_waiting(slot, &mut self.join_wakers))
            .collect();
        let cancelled = leftovers.len() as u64;
        let unwanted: Vec<TaskKey> = self
            .tasks
            .iter()
            .filter(|(_, slot)| matches!(slot.state, State::Done(_)) && !slot.has_handle)
            .map(|(index, _)| TaskKey::new(index))
            .collect();
        leftovers.extend(unwanted.into_iter().filter_map(|key| self.release(key)));
        self.loose_waker = None;
        self.spare_wakers = Vec::new();
        (cancelled, leftovers)
    }

    /// Frees slot `key` if nobody can name it any more: the task is done,
    /// no handle holds it, and it is not in the run queue. Its waker, if it
    /// still has one, is kept for reuse if nobody else holds it. `None` if
    /// the slot stays.
    ///
    /// Always inlined: as `#[inline]` the compiler stopped inlining it into
    /// a handle's drop when the timer driver grew (callgrind, `spawn_join`
    /// of `benches/examples/scaling.rs`: 1,211 instructions per task
    /// instead of 1,188).
    #[inline(always)]
    pub(super) fn release(&mut self, key: TaskKey) -> Option<Leftovers> {
        let slot = &self.tasks[key.index()];
        if !matches!(slot.state, State::Done(_)) || slot.has_handle || slot.in_queue {
            return None;
        }
        let mut slot = self.tasks.remove(key.index());
        // Never one in practice: the task's end, its cancel and its
        // handle's drop each take the handle's waker first. Were one left,
        // its waiter is told the task ended rather than left waiting.
        debug_assert_eq!(
            slot.join_waker,
            JoinWakerKey::NONE,
            "{key} released with a waiter"
        );
        let wake = self.join_wakers.take(&mut slot.join_waker);
        if let Some(waker) = slot.waker {
            // Only a task cancelled while it waited still has its waker.
            self.recycle_waker(waker);
        }
        Some(Leftovers {
            task: slot.task,
            wake,
        })
    }

    /// The state of slot `key` (for tests).
    #[cfg(test)]
    pub(super) fn state(&self, key: TaskKey) -> State {
        self.tasks[key.index()].state
    }
}

// Per-task memory: a field added to `Slot` must earn its bytes.
const _: () = assert!(
    std::mem::size_of::<Slot<()>>() <= 40,
    "`Slot` grew past 40 bytes"
);
const _: () = assert!(
    std::mem::size_of::<Leftovers>() <= 48,
    "`Leftovers` grew past 48 bytes"
);
