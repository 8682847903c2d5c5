//! The narrator: one call per step a task takes. Each call bumps the
//! step's counter and, when the runtime traces, writes the step's line.
//!
//! The hot part of each call (a counter bump and a branch) is inlined into
//! the loop; the line itself is written out of line, in a `#[cold]`
//! function, so tracing costs nothing in the loop's code when it is off.
//!
//! The numbers in the lines are the edges of the task state diagram
//! (`task/mod.rs`).
//!
//! Read next: `timers.rs`.

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::thread::Thread;

use super::Kinds;
use super::tracer::{Name, Source, Tracer};
use crate::task::{AfterPoll, Cancel, TaskId, WakeResult};
use crate::util::panic;
use crate::util::stats::{Counters, Stats, bump};

/// What the trace says of a panic whose payload is not a string.
pub(super) const NOT_A_STRING: &str = "(a payload that is not a string)";

/// Where a wake came from.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    /// The executor's own thread, while it runs: straight onto the queue.
    Local,
    /// The locked inbox; the waking thread, when tracing recorded it (its
    /// name, if it has one, goes in the trace).
    Inbox(Option<Thread>),
}

/// A runtime's counters and, when it traces, its tracer.
pub(crate) struct Narrator {
    /// What the runtime has done, for `stats()`.
    pub(super) counters: Counters,
    /// The tracer, when tracing.
    pub(super) tracer: Option<Rc<Tracer>>,
    /// The seed the schedule is shuffled with, if it is (for `Stats`).
    pub(super) shuffle: Option<u64>,
}

impl fmt::Debug for Narrator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Narrator")
            .field("tracing", &self.tracer.is_some())
            .finish_non_exhaustive()
    }
}

/// Writes a task line on `tracer`: `line!(tracer, "...", args)`.
macro_rules! line {
    ($tracer:expr, $($arg:tt)*) => {
        $tracer.line_of(Kinds::TASKS, format_args!($($arg)*))
    };
}

/// Writes a line of kind `$kind` on `tracer`.
macro_rules! line_as {
    ($tracer:expr, $kind:expr, $($arg:tt)*) => {
        $tracer.line_of($kind, format_args!($($arg)*))
    };
}
pub(super) use {line, line_as};

impl Narrator {
    /// A narrator that writes to `tracer`, if any; its first line says
    /// which clock the runtime runs on and, if it is shuffled, the seed.
    pub(crate) fn new(tracer: Option<Rc<Tracer>>, paused: bool, shuffle: Option<u64>) -> Self {
        if let Some(tracer) = &tracer {
            let clock = if paused { "virtual" } else { "real" };
            let schedule = match shuffle {
                Some(seed) => format!(", schedule shuffled with seed {seed}"),
                None => String::new(),
            };
            tracer.line(format_args!(
                "looplet trace ({clock} clock{schedule}): seconds since the runtime was built; \
                 (n) is an edge of the task state diagram in docs/02-life-of-a-task.md"
            ));
        }
        Narrator {
            counters: Counters::default(),
            tracer,
            shuffle,
        }
    }

    /// The tracer, when tracing.
    #[inline]
    pub(crate) fn tracer(&self) -> Option<&Rc<Tracer>> {
        self.tracer.as_ref()
    }

    /// Whether the runtime traces.
    #[inline]
    pub(crate) fn is_tracing(&self) -> bool {
        self.tracer.is_some()
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot(self.shuffle)
    }

    /// Edge 1: task `id` was spawned, called `name` if it has one.
    #[inline]
    pub(crate) fn spawned(&self, id: TaskId, name: Option<&str>) {
        bump(&self.counters.tasks_spawned);
        if let Some(tracer) = &self.tracer {
            spawned_line(tracer, id, name);
        }
    }

    /// A remote spawn sent by thread `from` (known when tracing) arrived
    /// through the inbox; the spawn it makes is narrated next.
    #[cold]
    pub(crate) fn remote_spawn(&self, from: Option<std::thread::Thread>) {
        if let Some(tracer) = &self.tracer {
            let from = tracer.thread_of(from.as_ref());
            line!(tracer, "remote spawn from {from}: building its future here");
        }
    }

    /// Edges 1 and 8 at once: task `id` was spawned while the runtime shuts
    /// down, so it is cancelled before it exists.
    pub(crate) fn spawned_during_shutdown(&self, id: TaskId, name: Option<&str>) {
        bump(&self.counters.tasks_spawned);
        bump(&self.counters.tasks_cancelled);
        if let Some(tracer) = &self.tracer {
            if let Some(name) = name {
                tracer.name(id, name);
            }
            let id = tracer.label(id);
            line!(
                tracer,
                "{id} spawned during shutdown: cancelled at once (8)"
            );
        }
    }

    /// Edge 1 for a `block_on`'s main future (not counted as a task).
    pub(crate) fn main_spawned(&self, id: TaskId) {
        if let Some(tracer) = &self.tracer {
            line!(tracer, "block_on: the main future is {id} (1)");
        }
    }

    /// A turn of the loop begins with `batch` entries queued.
    #[inline]
    pub(crate) fn turn(&self, batch: usize) {
        bump(&self.counters.turns);
        if batch > 0 {
            if let Some(tracer) = &self.tracer {
                turn_line(tracer, self.counters.turns.get(), batch);
            }
        }
    }

    /// Edge 2: `name` is about to be polled; lines until its end are
    /// indented under it.
    #[inline]
    pub(crate) fn poll_started(&self, name: Name) {
        bump(&self.counters.polls);
        if let Some(tracer) = &self.tracer {
            poll_started_line(tracer, name);
        }
    }

    /// The task being polled panicked with `payload` (edge 7 follows when
    /// its poll ends): the trace keeps the message for that line.
    #[cold]
    pub(crate) fn panicked(&self, payload: &(dyn Any + Send)) {
        if let Some(tracer) = &self.tracer {
            tracer.note_panic(panic::message(payload).unwrap_or(NOT_A_STRING));
        }
    }

    /// Edges 3, 5, 6, 7, 8: where the poll of `name` took it.
    #[inline]
    pub(crate) fn poll_ended(&self, name: Name, after: AfterPoll) {
        // A task that stays alive (the common case) counts nothing: one
        // test up front instead of a `match` through a jump table on every
        // poll (callgrind, `ping_pong` of `benches/examples/scaling.rs`:
        // 1,254 → 1,242 instructions per round trip).
        if !matches!(after, AfterPoll::Idle | AfterPoll::Requeued) && !name.main {
            let counter = match after {
                AfterPoll::Panicked => &self.counters.tasks_panicked,
                AfterPoll::Cancelled => &self.counters.tasks_cancelled,
                _ => &self.counters.tasks_completed,
            };
            bump(counter);
        }
        if let Some(tracer) = &self.tracer {
            poll_ended_line(tracer, name, after);
        }
    }

    /// Edges 4 and 5: task `id` was woken, through `via`, and `result` is
    /// what the table did with it.
    #[inline]
    pub(crate) fn woken(&self, id: TaskId, result: WakeResult, via: Via) {
        match &via {
            Via::Local => bump(&self.counters.wakes_local),
            Via::Inbox(_) => bump(&self.counters.wakes_remote),
        }
        if result == WakeResult::Duplicate {
            bump(&self.counters.wakes_deduplicated);
        }
        if let Some(tracer) = &self.tracer {
            woken_line(tracer, id, result, via);
        }
    }

    /// Edge 8 through a handle: `cancel` says what it did to task `id`.
    pub(crate) fn cancelled(&self, id: TaskId, cancel: Cancel) {
        if cancel == Cancel::Now {
            bump(&self.counters.tasks_cancelled);
        }
        if let Some(tracer) = &self.tracer {
            let by = tracer.waker_of(id);
            let id = tracer.label(id);
            match cancel {
                Cancel::Now => line!(tracer, "{id} cancelled by {by}: future dropped (8)"),
                Cancel::AfterPoll => line!(
                    tracer,
                    "{id} cancels itself: dropped when this poll returns (8)"
                ),
                Cancel::Finished => {
                    line!(
                        tracer,
                        "{id} cancel by {by}: already finished, nothing to do"
                    )
                }
            }
        }
    }

    /// A handle found task `id` unfinished and waits for it.
    #[inline]
    pub(crate) fn join_pending(&self, id: TaskId) {
        if let Some(tracer) = &self.tracer {
            line!(tracer, "waits for {} to finish", tracer.label(id));
        }
    }

    /// A handle took the result of task `id`.
    #[inline]
    pub(crate) fn result_taken(&self, id: TaskId) {
        if let Some(tracer) = &self.tracer {
            line!(tracer, "{} result taken by its handle", tracer.label(id));
        }
    }

    /// The handle of task `id` was dropped: its slot was `freed` (edge 9),
    /// or the task is detached.
    #[inline]
    pub(crate) fn detached(&self, id: TaskId, freed: bool) {
        if let Some(tracer) = &self.tracer {
            let label = tracer.label(id);
            if freed {
                line!(tracer, "{label} handle dropped: slot freed (9)");
                tracer.forget(id);
            } else {
                line!(
                    tracer,
                    "{label} handle dropped: the task is detached and keeps running"
                );
            }
        }
    }

    /// What finished task `id` leaves is being woken and dropped (`Some`),
    /// or that is over (`None`): wakes meanwhile are its doing.
    #[inline]
    pub(crate) fn finishing(&self, id: Option<TaskId>) {
        if let Some(tracer) = &self.tracer {
            tracer.set_source(id.map_or(Source::Runtime, Source::Finishing));
        }
    }
}

#[cold]
#[inline(never)]
fn spawned_line(tracer: &Tracer, id: TaskId, name: Option<&str>) {
    if let Some(name) = name {
        tracer.name(id, name);
    }
    line!(tracer, "{} spawned (1)", tracer.label(id));
}

#[cold]
#[inline(never)]
fn turn_line(tracer: &Tracer, turn: u64, batch: usize) {
    line!(tracer, "turn {turn}: {batch} queued");
}

#[cold]
#[inline(never)]
fn poll_started_line(tracer: &Tracer, name: Name) {
    line!(tracer, "{} poll (2)", tracer.label_of(name));
    tracer.set_polling(Some(name));
}

#[cold]
#[inline(never)]
fn poll_ended_line(tracer: &Tracer, task: Name, after: AfterPoll) {
    tracer.set_polling(None);
    let panic = tracer.take_panic();
    let name = tracer.label_of(task);
    match after {
        AfterPoll::Idle => line!(tracer, "{name} pending (3)"),
        AfterPoll::Requeued => line!(
            tracer,
            "{name} pending, but woken while running: back of the queue (5)"
        ),
        AfterPoll::Completed { .. } if name.main => {
            line!(tracer, "{name} ready: block_on returns (6)")
        }
        AfterPoll::Completed { freed: false } => line!(tracer, "{name} ready: completed (6)"),
        AfterPoll::Completed { freed: true } => {
            line!(
                tracer,
                "{name} ready: completed (6); no handle wants it: slot freed (9)"
            );
            tracer.forget(task.id);
        }
        AfterPoll::Panicked if name.main => {
            line!(tracer, "{name} panicked (7): block_on passes the panic on")
        }
        AfterPoll::Panicked => line!(tracer, "{name} panicked (7): {panic}"),
        AfterPoll::Cancelled => {
            line!(tracer, "{name} cancelled during its own poll: dropped (8)")
        }
    }
}

#[cold]
#[inline(never)]
fn woken_line(tracer: &Tracer, id: TaskId, result: WakeResult, via: Via) {
    let by = match &via {
        Via::Local => tracer.waker_of(id),
        Via::Inbox(from) => tracer.thread_of(from.as_ref()),
    };
    let id = tracer.label(id);
    match result {
        WakeResult::Queued => line!(tracer, "{id} woken by {by}: queued (4)"),
        WakeResult::Deferred => line!(
            tracer,
            "{id} woken by {by} while running: queued again after this poll (5)"
        ),
        WakeResult::Duplicate => line!(tracer, "{id} woken by {by}: already queued, nothing to do"),
        WakeResult::Stale => line!(tracer, "{id} woken by {by}: finished, ignored"),
    }
}
