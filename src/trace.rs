//! Trace mode: the executor narrates what it does, one line per event.
//!
//! Turn it on with [`Builder::trace`](crate::Builder::trace) or, for any
//! runtime built with `Builder::new()` (including `looplet::run`), the
//! environment variable `LOOPLET_TRACE=1`. Each line starts with the
//! runtime clock's time in seconds since the runtime was built (the virtual
//! time when paused). Lines written while a task is being polled are
//! indented under that poll. The numbers in parentheses are the edges of
//! the task state diagram in `src/task.rs` and `docs/02-life-of-a-task.md`.
//!
//! Off, every trace point is one branch: `if let Some(tracer)`. `Event`,
//! which works under any executor, checks a thread-local flag first.
//!
//! Read next: `docs/07-reading-a-trace.md`, the annotated trace of the demo.

use std::cell::{Cell, RefCell};
use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::rc::Rc;
use std::thread::ThreadId;

use crate::task::TaskId;

/// Writes `args` as a trace line of `rt` if it traces: `trace!(rt, ...)`.
/// The arguments are not evaluated when tracing is off.
macro_rules! trace {
    ($rt:expr, $($arg:tt)*) => {
        if let Some(tracer) = $rt.tracer() {
            tracer.line($rt.trace_time(), format_args!($($arg)*));
        }
    };
}
pub(crate) use trace;

thread_local! {
    /// Whether the runtime running on this thread traces: lets `Event`
    /// skip all trace work with one thread-local read.
    static TRACING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the runtime running on this thread traces.
#[inline]
pub(crate) fn tracing() -> bool {
    TRACING.with(Cell::get)
}

/// Marks whether the runtime running on this thread traces.
pub(crate) fn set_tracing(on: bool) {
    TRACING.with(|t| t.set(on));
}

/// Narrates an `Event` operation on the runtime running on this thread.
/// `Event` calls the helpers below only after [`tracing`] said yes, so it
/// costs one thread-local read when nobody traces; they are kept out of
/// line so the event's own code stays small.
fn event(args: fmt::Arguments<'_>) {
    if let Some(rt) = crate::context::try_current() {
        trace!(rt, "{args}");
    }
}

/// `Event::set` released `waiters` waiters (`None`: it was already set).
#[cold]
#[inline(never)]
pub(crate) fn event_set(waiters: Option<usize>) {
    match waiters {
        None => event(format_args!("event set: already set, nothing to do")),
        Some(1) => event(format_args!("event set: releases 1 waiter")),
        Some(n) => event(format_args!("event set: releases {n} waiters")),
    }
}

/// `Event::clear` ran.
#[cold]
#[inline(never)]
pub(crate) fn event_cleared() {
    event(format_args!("event cleared"));
}

/// A wait began: `Some(n)` now waiting, or `None` (already set, ready).
#[cold]
#[inline(never)]
pub(crate) fn event_wait(waiting: Option<usize>) {
    match waiting {
        None => event(format_args!("event wait: already set, ready at once")),
        Some(n) => event(format_args!("event wait: not set, waiting ({n} waiting)")),
    }
}

/// Whether the value of `LOOPLET_TRACE` asks for a trace: set, and not
/// empty, `0`, `false`, `off` or `no` (in any case).
pub(crate) fn env_wants_trace(value: Option<&OsStr>) -> bool {
    match value.and_then(OsStr::to_str) {
        Some(v) => !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "off" | "no"
        ),
        None => value.is_some(),
    }
}

/// Who is waking tasks right now, for the "woken by" part of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Nothing in particular (the runtime itself).
    Runtime,
    /// A timer firing, by its sequence number.
    Timer(u64),
    /// A task that just finished, waking whoever awaits its handle.
    Finishing(TaskId),
    /// A wake that came through the inbox from this thread or another.
    Thread(Option<ThreadId>),
}

/// A task's name in the trace: "task 3", or "task 1 (main)".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Name {
    /// The task.
    pub(crate) id: TaskId,
    /// Whether it is a `block_on`'s main future.
    pub(crate) main: bool,
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.main {
            write!(f, "{} (main)", self.id)
        } else {
            write!(f, "{}", self.id)
        }
    }
}

/// The narrator: where lines go, and the context they are written in.
pub(crate) struct Tracer {
    /// Where the lines go (stderr unless the builder said otherwise).
    out: Rc<RefCell<dyn Write>>,
    /// The task being polled: lines are indented under it and wakes are
    /// attributed to it.
    polling: Cell<Option<Name>>,
    /// Who wakes tasks when no task is being polled.
    source: Cell<Source>,
    /// The executor's thread, to tell "this thread" from others.
    thread: ThreadId,
    /// The message of the panic of the task being polled, until its poll
    /// is narrated.
    panic: RefCell<String>,
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracer").finish_non_exhaustive()
    }
}

impl Tracer {
    /// A tracer writing to `out`.
    pub(crate) fn new(out: Rc<RefCell<dyn Write>>) -> Self {
        Tracer {
            out,
            polling: Cell::new(None),
            source: Cell::new(Source::Runtime),
            thread: std::thread::current().id(),
            panic: RefCell::new(String::new()),
        }
    }

    /// Writes one line at `nanos` (since the runtime was built). A write
    /// error is ignored: tracing must never break the program.
    pub(crate) fn line(&self, nanos: u64, args: fmt::Arguments<'_>) {
        let indent = if self.polling.get().is_some() {
            "    "
        } else {
            ""
        };
        let seconds = nanos / 1_000_000_000;
        let micros = nanos % 1_000_000_000 / 1_000;
        if let Ok(mut out) = self.out.try_borrow_mut() {
            let _ = writeln!(out, "{seconds:>4}.{micros:06}  {indent}{args}");
        }
    }

    /// Marks the start (`Some`) or end (`None`) of a poll.
    pub(crate) fn set_polling(&self, task: Option<Name>) {
        self.polling.set(task);
    }

    /// Remembers the message of the panic of the task being polled.
    pub(crate) fn note_panic(&self, message: String) {
        *self.panic.borrow_mut() = message;
    }

    /// Takes the remembered panic message.
    pub(crate) fn take_panic(&self) -> String {
        std::mem::take(&mut *self.panic.borrow_mut())
    }

    /// Sets who wakes tasks while no task is being polled.
    pub(crate) fn set_source(&self, source: Source) {
        self.source.set(source);
    }

    /// Describes who is waking `target` right now.
    pub(crate) fn waker_of(&self, target: TaskId) -> String {
        match (self.polling.get(), self.source.get()) {
            (Some(name), _) if name.id == target => "itself".to_string(),
            (Some(name), _) => name.to_string(),
            (None, Source::Timer(seq)) => format!("timer {seq}"),
            (None, Source::Finishing(id)) => format!("{id} finishing"),
            (None, Source::Thread(Some(thread))) if thread == self.thread => {
                "this thread, outside the runtime (via the inbox)".to_string()
            }
            (None, Source::Thread(Some(thread))) => format!("thread {thread:?} (via the inbox)"),
            (None, Source::Thread(None)) => "another thread (via the inbox)".to_string(),
            (None, Source::Runtime) => "the runtime".to_string(),
        }
    }
}

/// A panic payload's message, if it is a string.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a payload that is not a string)".to_string())
}

/// Formats a duration in nanoseconds as seconds, trimmed for reading.
pub(crate) fn seconds(nanos: u64) -> String {
    format!(
        "{}.{:06} s",
        nanos / 1_000_000_000,
        nanos % 1_000_000_000 / 1_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values() {
        for on in ["1", "yes", "true", "on", "anything"] {
            assert!(env_wants_trace(Some(OsStr::new(on))), "{on}");
        }
        for off in ["", "0", "false", "OFF", "no", " 0 "] {
            assert!(!env_wants_trace(Some(OsStr::new(off))), "{off:?}");
        }
        assert!(!env_wants_trace(None));
    }

    #[test]
    fn seconds_are_printed_to_the_microsecond() {
        assert_eq!(seconds(1_500_000_000), "1.500000 s");
        assert_eq!(seconds(444_264_700), "0.444264 s");
    }
}
