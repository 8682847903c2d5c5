//! The loop: what `block_on` does, turn after turn, until its main future
//! is done.
//!
//! # One turn of the loop
//!
//! 1. **Batch.** Count the run queue, then pop and poll exactly that many
//!    entries. A task woken during the batch (even by itself) goes to the
//!    back and waits for the next turn, so no task can starve the others.
//!    When the entry is `block_on`'s main future and it finishes, the batch
//!    still goes on to its end, then steps 2 and 3 and one more batch run,
//!    and `block_on` returns. That is asyncio's order: its loop learns that
//!    main is done from a callback queued behind the work already ready, so
//!    a task that main spawned as it returned still takes its first step.
//! 2. **Inbox.** Move wakes that came from other threads into the queue.
//! 3. **Timers.** Read the clock once and wake every timer whose deadline
//!    has passed, earliest first: those tasks queue behind the work that
//!    was already ready.
//! 4. **Park** if the queue is still empty, as the timer driver's idle plan
//!    says (`timer/idle.rs`): until the next deadline or a cross-thread
//!    wake; on a paused clock, jump the clock to the next deadline instead.
//!    With the `net` feature and sockets registered, the park is a wait in
//!    the reactor, and a loop that never parks still looks at the reactor
//!    every `BUSY_POLL_INTERVAL` turns (`park.rs`).
//!
//! Before main's first turn, steps 2 and 3 run once: wakes and timers that
//! came due between two `block_on`s queue ahead of main, as tasks spawned
//! from outside do.
//!
//! The main future takes part in the queue like any task (it has a slot;
//! only its cell stays on the caller's stack), which is what gives
//! asyncio's ordering: `yield_now()` in main lets every task queued before
//! it run first. Main and spawned tasks are polled by the same code,
//! [`Loop::poll`]; a panic in either is caught there, and main's is raised
//! again from `block_on` once the books are straight.
//!
//! Steps 2 to 4 live in `turn_steps.rs`; this file has the turn's order,
//! the batch and the one poll path.
//!
//! Read next: `turn_steps.rs`.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_task::waker_ref;

use super::context;
use super::core::Core;
use super::remote::{Post, Remote};
use crate::task::{
    AfterPoll, Begin, Outcome, PollResult, Polling, Task, TaskCell, TaskKey, TaskName, TaskWaker,
    poll_ends, poll_starts,
};
use crate::trace::Name;

/// What one `block_on` owns while it runs.
pub(super) struct Loop<'a> {
    /// The runtime it drives.
    pub(super) core: &'a Core,
    /// The same runtime, shared: what a spawn from another thread is
    /// delivered with. Apart from `core` so the hot loop reaches the
    /// runtime's fields with one load less each time (`ping_pong` of
    /// `benches/examples/scaling.rs` under callgrind: 1,145 → 1,139
    /// instructions per round trip).
    pub(super) shared: &'a Rc<Core>,
    /// Reused buffer for draining the inbox.
    pub(super) drained: Vec<Post>,
}

impl Core {
    /// Runs `future` to completion, driving the tasks meanwhile; `api`
    /// names the caller in the panic for nesting, which points at the
    /// caller's line.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, api: &str, future: F) -> F::Output {
        let _enter = context::enter(self, api);
        let mut run = Loop {
            core: self,
            shared: self,
            drained: Vec::new(),
        };
        // Wakes and due timers from before this call go ahead of main.
        run.drain_inbox();
        run.fire_timers();
        let main = MainSlot::new(self);
        let mut cell = pin!(TaskCell::new(future));
        let (outcome, rest) = run.until_main_ends(main.key, cell.as_mut());
        run.last_turn(rest);
        match outcome {
            Outcome::Completed => cell.take_ready().expect("main's output is taken once"),
            Outcome::Panicked => {
                let payload = cell.take_panic().expect("main's panic is kept");
                panic::resume_unwind(payload)
            }
            Outcome::Cancelled => unreachable!("main has no handle to cancel it"),
        }
    }
}

impl Loop<'_> {
    /// Runs turn after turn until main finishes; returns how it ended and
    /// how many entries of its batch are left, for [`Loop::last_turn`].
    ///
    /// One function for the whole hot loop, as a hand-written loop would
    /// be: `until_main_ends`, `poll` and `end_poll` are always inlined into
    /// `block_on`, and what happens once main has finished is out of line.
    /// Measured with callgrind on `ping_pong` of `benches/core.rs` (100,000
    /// round trips, one task per turn), when a turn was a function of its
    /// own: 134.5 M instructions as three calls, 121.3 M inlined.
    #[inline(always)]
    fn until_main_ends<M: Task + ?Sized>(
        &mut self,
        main_key: TaskKey,
        mut main: Pin<&mut M>,
    ) -> (Outcome, usize) {
        let core = self.core;
        loop {
            // Step 1: the batch.
            let batch = begin_turn(core);
            for polled in 0..batch {
                let Some(next) = pop(core) else { break };
                let Some(Polling {
                    key,
                    id,
                    mut task,
                    waker,
                }) = next
                else {
                    continue;
                };
                let name = Name {
                    id,
                    main: key == main_key,
                };
                let result = match task.as_mut() {
                    Some(task) => self.poll(key, &waker, name, task.as_mut()),
                    None => self.poll(key, &waker, name, main.as_mut()),
                };
                // Taken apart above and put together again here, field by
                // field, rather than lent by reference and moved whole: a
                // move copies it with wide loads straight after the narrow
                // stores that wrote it. `task_switch` of `benches/core.rs`
                // under callgrind: 72.1 M instructions per 200,000 switches
                // this way, 74.5 M the other.
                let polling = Polling {
                    key,
                    id,
                    task,
                    waker,
                };
                let ended = match self.end_poll(polling, name, result) {
                    AfterPoll::Completed { .. } if name.main => Outcome::Completed,
                    AfterPoll::Panicked if name.main => Outcome::Panicked,
                    _ => continue,
                };
                return (ended, batch - polled - 1);
            }
            self.between_turns();
        }
    }

    /// Steps 2 to 4, between one batch and the next: the inbox, the timers,
    /// and the park if nothing is ready.
    #[inline(always)]
    fn between_turns(&mut self) {
        let core = self.core;
        self.drain_inbox();
        self.fire_timers();
        if core.table.borrow().queued() == 0 {
            self.park();
        } else {
            core.parker.poll_when_busy(core);
        }
    }

    /// Main has finished with `rest` entries of its batch still to poll.
    /// asyncio learns that main is done from a callback queued behind the
    /// work already ready, so its loop finishes the batch and runs one more
    /// iteration: steps 2 and 3, then what they and the batch queued gets
    /// its step too. Main is no longer in the queue (a finished task is
    /// never queued again), so every entry is a spawned task.
    ///
    /// Cold and out of line, so that the hot loop of
    /// [`Loop::until_main_ends`] keeps no state for it. With main's end
    /// handled inside that loop (how it ended, kept and tested after every
    /// batch), callgrind counted 1,139 instructions per round trip of
    /// `ping_pong` (`benches/examples/scaling.rs`) against 1,107 this way
    /// when it landed, and 361.6 against 356.5 per yield of `yield_many`;
    /// spawn_join went 1,181 → 1,184, event_fanout 1,834 → 1,842 and
    /// timers_cancel 2,841 → 2,849.
    #[cold]
    #[inline(never)]
    fn last_turn(&mut self, rest: usize) {
        let core = self.core;
        self.poll_spawned(rest);
        self.drain_inbox();
        self.fire_timers();
        if core.table.borrow().queued() > 0 {
            core.parker.poll_when_busy(core);
            let batch = begin_turn(core);
            self.poll_spawned(batch);
        }
    }

    /// Polls up to `count` entries of the queue, none of them main's.
    fn poll_spawned(&self, count: usize) {
        for _ in 0..count {
            let Some(next) = pop(self.core) else { break };
            let Some(mut polling) = next else { continue };
            let name = Name {
                id: polling.id,
                main: false,
            };
            let task = polling
                .task
                .as_mut()
                .expect("main has finished and left the queue");
            let result = self.poll(polling.key, &polling.waker, name, task.as_mut());
            self.end_poll(polling, name, result);
        }
    }

    /// Polls one entry, a spawned task's boxed cell or main's (edge 2). A
    /// panic is caught and becomes the task's result (edge 7).
    #[inline(always)]
    fn poll<T: Task + ?Sized>(
        &self,
        key: TaskKey,
        waker: &Arc<TaskWaker<Remote>>,
        name: Name,
        mut task: Pin<&mut T>,
    ) -> PollResult {
        self.core.narrator.poll_started(name);
        let waker = waker_ref(waker);
        let mut cx = Context::from_waker(&waker);
        // A waiter or a timer given this waker keeps the task's name
        // instead of a clone (`task/named.rs`).
        let task_name = TaskName {
            runtime: self.core.number,
            key,
            id: name.id,
        };
        poll_starts(task_name, &waker);
        let result = panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(&mut cx)));
        poll_ends();
        match result {
            Ok(Poll::Pending) => PollResult::Pending,
            Ok(Poll::Ready(())) => PollResult::Ready,
            Err(payload) => {
                self.core.narrator.panicked(&*payload);
                // Drop the future now and keep the payload for the handle.
                // If the future's destructor panics too, that second panic
                // is reported by the hook and dropped: the first one is the
                // task's result.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().fail(payload)));
                PollResult::Panicked
            }
        }
    }

    /// Puts a polled entry back (edges 3, 5, 6, 7, 8) and finishes what a
    /// finished task leaves.
    #[inline(always)]
    fn end_poll(&self, polling: Polling<Remote>, name: Name, result: PollResult) -> AfterPoll {
        let core = self.core;
        // The polled entry goes into a call whether or not the borrow
        // succeeds, so the hot loop keeps no copy of it on the stack, as it
        // had to for the unwinding path when this was a `borrow_mut` that
        // could panic. Callgrind per element: ping_pong 1,107 →
        // 1,089, event_fanout 1,842 → 1,825, timers_cancel 2,849 → 2,832,
        // spawn_join 1,184 → 1,176, spawn_one 2,541 → 2,520.
        let ended = match core.table.try_borrow_mut() {
            Ok(mut table) => table.end_poll(polling, result),
            Err(_) => table_in_use(polling),
        };
        core.narrator.poll_ended(name, ended.after);
        // What a finished task leaves: an unwanted output, a future
        // cancelled during its own poll, its handle's waker to wake. A panic
        // from those destructors has already been reported by the panic
        // hook; it must not take the executor down.
        if let Some(leftovers) = ended.leftovers {
            core.narrator.finishing(Some(name.id));
            leftovers.finish_catching();
            core.narrator.finishing(None);
        }
        ended.after
    }
}

/// The table is borrowed when a poll ends: a bug in looplet, since no
/// borrow of it outlives a method of the runtime.
#[cold]
#[inline(never)]
fn table_in_use(polling: Polling<Remote>) -> ! {
    drop(polling);
    unreachable!("the task table is borrowed at the end of a poll")
}

/// Begins a turn: how many entries its batch has (those queued now).
#[inline(always)]
fn begin_turn(core: &Core) -> usize {
    let batch = core.table.borrow_mut().begin_turn();
    core.narrator.turn(batch);
    batch
}

/// Pops the front of the run queue (one entry of a batch): `None` when the
/// queue is empty; `Some(None)` for a task cancelled while it waited,
/// whose leftovers are finished here (with the table's borrow over);
/// `Some(Some(..))` for a task to poll.
#[inline(always)]
fn pop(core: &Core) -> Option<Option<Polling<Remote>>> {
    let begin = core.table.borrow_mut().begin_poll();
    match begin {
        Begin::Empty => None,
        Begin::Skip(leftovers) => {
            leftovers.finish_catching();
            Some(None)
        }
        Begin::Poll(polling) => Some(Some(polling)),
    }
}

/// The slot of a `block_on`'s main future; freed when dropped, including
/// when `block_on` unwinds.
struct MainSlot<'rt> {
    /// The runtime.
    core: &'rt Core,
    /// Main's slot.
    key: TaskKey,
}

impl<'rt> MainSlot<'rt> {
    /// Gives the main future a slot and queues it (edge 1).
    fn new(core: &'rt Core) -> Self {
        let id = core.next_id();
        let key = core.table.borrow_mut().spawn(id, None);
        core.narrator.main_spawned(id);
        MainSlot { core, key }
    }
}

impl Drop for MainSlot<'_> {
    fn drop(&mut self) {
        let released = self.core.table.borrow_mut().remove_main(self.key);
        if let Some(leftovers) = released {
            leftovers.finish_catching();
        }
    }
}
