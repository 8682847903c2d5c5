//! The lines of the synchronization primitives, written through the hook
//! (see `mod.rs`): `sync/` calls these only after [`tracing`](super::tracing)
//! said yes, so they cost one thread-local read when nobody traces, and
//! they are kept out of line so the primitives' own code stays small.
//!
//! Read next: `sync/` (the primitives themselves).

use std::cell::Cell;
use std::fmt;

use super::hook;

/// A primitive as a line names it: "event 2".
struct Number(u64);

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => Ok(()),
            n => write!(f, " {n}"),
        }
    }
}

/// `Event::set` of event `number` released `waiters` waiters (`None`: it
/// was already set).
#[cold]
#[inline(never)]
pub(crate) fn event_set(number: u64, waiters: Option<usize>) {
    let event = Number(number);
    match waiters {
        None => hook(format_args!("event{event} set: already set, nothing to do")),
        Some(1) => hook(format_args!("event{event} set: releases 1 waiter")),
        Some(n) => hook(format_args!("event{event} set: releases {n} waiters")),
    }
}

/// `Event::clear` of event `number` ran.
#[cold]
#[inline(never)]
pub(crate) fn event_cleared(number: u64) {
    hook(format_args!("event{} cleared", Number(number)));
}

/// A wait on event `number` began: `Some(n)` now waiting, or `None`
/// (already set, ready).
#[cold]
#[inline(never)]
pub(crate) fn event_wait(number: u64, waiting: Option<usize>) {
    let event = Number(number);
    match waiting {
        None => hook(format_args!(
            "event{event} wait: already set, ready at once"
        )),
        Some(n) => hook(format_args!(
            "event{event} wait: not set, waiting ({n} waiting)"
        )),
    }
}

/// A number for a primitive the current runtime's trace has not named
/// yet: 1, 2, ... in the order the trace first mentions them, counted per
/// runtime so a rerun gives the same numbers. 0 if nobody traces.
pub(crate) fn next_number() -> u64 {
    super::CURRENT
        .try_with(|current| current.borrow().as_ref().map(|tracer| tracer.next_number()))
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// A primitive's name in the trace: its kind and a number (`lock 2`),
/// handed out by [`next_number`] the first time a trace names it, as
/// tasks and timers have theirs. Costs a `Cell` and nothing else when
/// nobody traces. A primitive formats it while it holds its own borrow
/// (no user code runs in that), and writes the line after letting go.
#[derive(Debug)]
pub(crate) struct Label {
    /// What kind of primitive: `"lock"`, `"semaphore"`, `"queue"`, ...
    kind: &'static str,
    /// Its number in the trace; 0 until a trace names it.
    number: Cell<u64>,
}

impl Label {
    /// The label of a new primitive of `kind`, not numbered yet.
    pub(crate) const fn new(kind: &'static str) -> Self {
        Label {
            kind,
            number: Cell::new(0),
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.number.get() == 0 {
            self.number.set(next_number());
        }
        match self.number.get() {
            0 => f.write_str(self.kind),
            n => write!(f, "{} {n}", self.kind),
        }
    }
}

/// A task began to wait on `label` (`role` says for what, when the
/// primitive has two lines: `"put "`, `"get "`); `waiting` are in line
/// now, itself included.
#[cold]
#[inline(never)]
pub(crate) fn sync_waits(label: &str, role: &str, waiting: usize) {
    hook(format_args!("{label}: {role}waits ({waiting} waiting)"));
}

/// A release handed `label`'s resource straight to the oldest waiter;
/// `left` still wait behind it.
#[cold]
#[inline(never)]
pub(crate) fn sync_handed(label: &str, left: usize) {
    hook(format_args!(
        "{label}: handed to the oldest waiter ({left} still waiting)"
    ));
}

/// A waiter granted something by `label` was dropped before it ran, and
/// passed it on.
#[cold]
#[inline(never)]
pub(crate) fn sync_passed_on(label: &str, role: &str) {
    hook(format_args!(
        "{label}: a granted {role}waiter was dropped before it ran; passed on"
    ));
}

/// `label` granted `what` (a turn, a place, a notification, a way out)
/// to waiters, who run next.
#[cold]
#[inline(never)]
pub(crate) fn sync_granted(label: &str, what: fmt::Arguments<'_>) {
    hook(format_args!("{label}: {what}"));
}

/// A task group cancels `n` of its tasks, because of `why` (a task
/// panicked; the group was cancelled or dropped).
#[cold]
#[inline(never)]
pub(crate) fn group_cancels(why: &str, n: usize) {
    hook(format_args!("task group: {why}: cancelling {n} task(s)"));
}

/// A `to_thread` job numbered `job` went to the worker threads, where
/// `pending` jobs are now queued or running.
#[cold]
#[inline(never)]
pub(crate) fn thread_job_sent(job: u64, pending: usize) {
    hook(format_args!(
        "to_thread job {job}: sent to the worker threads ({pending} queued or running)"
    ));
}

/// The result of `to_thread` job `job` was taken by its awaiter: `how`
/// it ended.
#[cold]
#[inline(never)]
pub(crate) fn thread_job_back(job: u64, how: &str) {
    hook(format_args!(
        "to_thread job {job}: back from its thread, {how}"
    ));
}
