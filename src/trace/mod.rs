//! Trace mode and counters: the runtime narrates what it does, one line
//! per step, and counts the steps.
//!
//! Turn it on with [`Builder::trace`](crate::Builder::trace) or, for any
//! runtime built with `Builder::new()` (including `looplet::run`), the
//! environment variable `LOOPLET_TRACE=1`; `LOOPLET_TRACE=tasks,sync`
//! keeps only those kinds of line ([`Kinds`]: `tasks`, `sync`, `timers`,
//! `wheel`, `park`). Each line starts with the
//! runtime clock's time in seconds since the runtime was built (the virtual
//! time when paused). Lines written while a task is being polled are
//! indented under that poll. The numbers in parentheses are the edges of
//! the task state diagram in `task/mod.rs` and `docs/02-life-of-a-task.md`.
//!
//! # One call per step
//!
//! The runtime makes one call on its [`Narrator`] for each step it takes
//! (an edge of the task diagram, a timer armed or fired, a park): the call
//! bumps the step's counter and, when tracing, writes its line. Every
//! trace string lives in this folder, and this folder never reads the
//! runtime: it is handed plain values (ids, keys, what a transition
//! reported).
//!
//! Off, every step costs its counter bump and one branch.
//!
//! # The hook for code that works under any executor
//!
//! `Event` (and the rest of `sync/`) must not know which runtime, if any,
//! is running. The runtime tells this module which tracer is current on
//! the thread when it enters and leaves a `block_on`, and `sync/` narrates
//! through [`tracing`] (one thread-local read) and the functions of
//! `sync.rs` here, which write on that tracer, or nowhere.
//!
//! | file | what it holds |
//! |------|---------------|
//! | `tracer.rs` | where lines go, their time stamp and indentation, who is waking whom |
//! | `narrator.rs` | one call per step of a task: spawn, poll, wake, cancel, join |
//! | `timers.rs` | one call per step of the timers, the idle loop and shutdown |
//! | `io.rs` | the reactor's steps (feature `net`): parks in it, sockets ready, I/O wakes |
//! | `sync.rs` | the lines of `sync/`'s primitives (through the hook) |
//!
//! Read next: `docs/07-reading-a-trace.md`, the annotated trace of the demo,
//! then `sync/` or `executor/`.

use std::cell::{Cell, RefCell};
use std::ffi::OsStr;
use std::fmt;
use std::rc::Rc;

mod io;
mod narrator;
mod sync;
mod timers;
mod tracer;

pub(crate) use narrator::{Narrator, Via};
pub(crate) use sync::{
    Label, event_cleared, event_set, event_wait, group_cancels, next_number, sync_granted,
    sync_handed, sync_passed_on, sync_waits, thread_job_back, thread_job_sent,
};
pub(crate) use tracer::{Name, Tracer};

thread_local! {
    /// Whether the runtime running on this thread traces: lets `sync/` skip
    /// all trace work with one thread-local read.
    static TRACING: Cell<bool> = const { Cell::new(false) };
    /// The tracer of the runtime running on this thread, if it traces.
    static CURRENT: RefCell<Option<Rc<Tracer>>> = const { RefCell::new(None) };
}

/// Whether the runtime running on this thread traces.
#[inline]
pub(crate) fn tracing() -> bool {
    TRACING.try_with(Cell::get).unwrap_or(false)
}

/// Makes `tracer` the one the hook writes on, on this thread; returns the
/// one it replaces. Called by the runtime as it enters and leaves.
pub(crate) fn set_current(tracer: Option<Rc<Tracer>>) -> Option<Rc<Tracer>> {
    // From a runtime that does not trace to another that does not (every
    // `block_on` of an untraced runtime, entered and left): nothing to
    // change, and one read instead of two writes. `TRACING` is false only
    // while `CURRENT` is empty.
    if tracer.is_none() && !tracing() {
        return None;
    }
    let _ = TRACING.try_with(|t| t.set(tracer.is_some()));
    CURRENT
        .try_with(|current| current.replace(tracer))
        .ok()
        .flatten()
}

/// Writes a line on the current runtime's trace, if it traces: the hook.
///
/// The tracer is cloned out of the thread-local before the line is written,
/// so a trace writer may do anything, even drop a runtime (which sets the
/// current tracer), without finding the thread-local borrowed.
fn hook(args: fmt::Arguments<'_>) {
    let tracer = CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten();
    if let Some(tracer) = tracer {
        tracer.line_of(Kinds::SYNC, args);
    }
}

/// Which kinds of line a trace keeps (`LOOPLET_TRACE=tasks,sync`): a set
/// of bits, one per kind. The first line and the shutdown summary are
/// always kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kinds(u8);

impl Kinds {
    /// Spawns, polls, wakes, cancels, joins, turns.
    pub(crate) const TASKS: Kinds = Kinds(1);
    /// The lines of `Event` (and later primitives).
    pub(crate) const SYNC: Kinds = Kinds(2);
    /// Timers armed, fired, cancelled.
    pub(crate) const TIMERS: Kinds = Kinds(4);
    /// The wheel's own work: ticks reached, cascades, the overflow list.
    pub(crate) const WHEEL: Kinds = Kinds(8);
    /// What the loop does when nothing is ready: park, jump the clock;
    /// with the `net` feature, the reactor's lines too (sockets ready,
    /// looks at the reactor while busy).
    pub(crate) const PARK: Kinds = Kinds(16);
    /// Every kind.
    pub(crate) const ALL: Kinds = Kinds(31);
    /// The names `LOOPLET_TRACE` accepts, and their kinds.
    const NAMES: [(&'static str, Kinds); 5] = [
        ("tasks", Kinds::TASKS),
        ("sync", Kinds::SYNC),
        ("timers", Kinds::TIMERS),
        ("wheel", Kinds::WHEEL),
        ("park", Kinds::PARK),
    ];

    /// Whether every kind of `other` is kept.
    #[inline]
    pub(crate) fn contains(self, other: Kinds) -> bool {
        self.0 & other.0 == other.0
    }
}

/// What the value of `LOOPLET_TRACE` asks for: `None` for no trace (unset,
/// or empty, `0`, `false`, `off` or `no` in any case); a comma-separated
/// list of kinds (`tasks`, `sync`, `timers`, `wheel`, `park`) for those
/// kinds only; anything else (`1`, `yes`, ...) for every kind.
pub(crate) fn env_trace(value: Option<&OsStr>) -> Option<Kinds> {
    let value = value?;
    let Some(text) = value.to_str() else {
        return Some(Kinds::ALL);
    };
    let text = text.trim().to_ascii_lowercase();
    if matches!(text.as_str(), "" | "0" | "false" | "off" | "no") {
        return None;
    }
    let mut kinds = Kinds(0);
    for name in text.split(',').map(str::trim) {
        match Kinds::NAMES.iter().find(|(known, _)| *known == name) {
            Some((_, kind)) => kinds.0 |= kind.0,
            None => return Some(Kinds::ALL),
        }
    }
    Some(kinds)
}

/// A time or a duration in nanoseconds, printed as seconds to the
/// microsecond (`0.070000`); a width pads it on the left, as the time
/// stamp of each line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seconds(pub(crate) u64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!(
            "{}.{:06}",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000 / 1_000
        );
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values() {
        for on in ["1", "yes", "true", "on", "anything", "tasks,bogus"] {
            assert_eq!(env_trace(Some(OsStr::new(on))), Some(Kinds::ALL), "{on}");
        }
        for off in ["", "0", "false", "OFF", "no", " 0 "] {
            assert_eq!(env_trace(Some(OsStr::new(off))), None, "{off:?}");
        }
        assert_eq!(env_trace(None), None);
        assert_eq!(env_trace(Some(OsStr::new("tasks"))), Some(Kinds::TASKS));
        let some = env_trace(Some(OsStr::new(" Sync, park "))).unwrap();
        assert!(some.contains(Kinds::SYNC) && some.contains(Kinds::PARK));
        assert!(!some.contains(Kinds::TASKS) && !some.contains(Kinds::WHEEL));
        assert_eq!(
            env_trace(Some(OsStr::new("tasks,sync,timers,wheel,park"))),
            Some(Kinds::ALL)
        );
    }

    #[test]
    fn seconds_are_printed_to_the_microsecond() {
        assert_eq!(Seconds(1_500_000_000).to_string(), "1.500000");
        assert_eq!(Seconds(444_264_700).to_string(), "0.444264");
        assert_eq!(format!("{:>11}", Seconds(70_000_000)), "   0.070000");
    }
}
