//! The tracer: where trace lines go, the time stamp and indentation of
//! each, and who is waking tasks at the moment (for "woken by ...").
//!
//! Read next: `narrator.rs`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::Write;
use std::rc::Rc;
use std::thread::ThreadId;

use super::Seconds;
use crate::task::TaskId;
use crate::timer::clock::Clock;

/// Who is waking tasks right now, when no task is being polled.
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

/// Where lines go, and the context they are written in.
pub(crate) struct Tracer {
    /// Where the lines go (stderr unless the builder said otherwise).
    out: Rc<RefCell<dyn Write>>,
    /// The runtime's clock, for each line's time stamp (read without
    /// disturbing it).
    clock: Rc<Clock>,
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
    /// A tracer writing to `out`, stamping lines with `clock`.
    pub(crate) fn new(out: Rc<RefCell<dyn Write>>, clock: Rc<Clock>) -> Self {
        Tracer {
            out,
            clock,
            polling: Cell::new(None),
            source: Cell::new(Source::Runtime),
            thread: std::thread::current().id(),
            panic: RefCell::new(String::new()),
        }
    }

    /// Writes one line. A write error is ignored, and so is a line written
    /// from inside the writer itself (it finds the writer busy): tracing
    /// must never break the program.
    pub(crate) fn line(&self, args: fmt::Arguments<'_>) {
        let indent = if self.polling.get().is_some() {
            "    "
        } else {
            ""
        };
        let time = Seconds(self.clock.peek_nanos());
        if let Ok(mut out) = self.out.try_borrow_mut() {
            let _ = writeln!(out, "{time:>11}  {indent}{args}");
        }
    }

    /// Marks the start (`Some`) or end (`None`) of a poll.
    pub(crate) fn set_polling(&self, task: Option<Name>) {
        self.polling.set(task);
    }

    /// Remembers the message of the panic of the task being polled.
    pub(crate) fn note_panic(&self, message: &str) {
        *self.panic.borrow_mut() = message.to_owned();
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
