//! The tracer: where trace lines go, the time stamp and indentation of
//! each, who is waking tasks at the moment (for "woken by ..."), and the
//! names of named tasks (`spawn_named`), so every line that names a task
//! says "task 3 'producer'" rather than only "task 3".
//!
//! Names are kept here, and only when tracing: an unnamed task costs the
//! trace nothing, and a runtime that does not trace keeps no names at all
//! (the name a `JoinHandle` reports lives in the handle).
//!
//! Read next: `narrator.rs`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::rc::Rc;
use std::thread::{Thread, ThreadId};

use super::{Kinds, Seconds};
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
    /// A socket the reactor found ready (feature `net`), by its number.
    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    Socket(u64),
}

/// A task being polled: which, and whether it is main (a [`Label`]
/// adds its name, for the line).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Name {
    /// The task.
    pub(crate) id: TaskId,
    /// Whether it is a `block_on`'s main future.
    pub(crate) main: bool,
}

/// A task as a trace line names it: "task 3", "task 3 'producer'", or
/// "task 1 (main)".
#[derive(Debug, Clone)]
pub(crate) struct Label {
    /// The task.
    id: TaskId,
    /// Its name, if it was spawned with one.
    name: Option<Rc<str>>,
    /// Whether it is a `block_on`'s main future.
    pub(crate) main: bool,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        if self.main {
            f.write_str(" (main)")?;
        }
        Ok(())
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
    /// The names of named tasks, until their slot is freed.
    names: RefCell<HashMap<TaskId, Rc<str>>>,
    /// The kinds of line kept (`LOOPLET_TRACE=tasks,sync`).
    kinds: Kinds,
    /// Numbers handed to primitives (`event 2`) so far.
    numbers: Cell<u64>,
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracer").finish_non_exhaustive()
    }
}

impl Tracer {
    /// A tracer writing to `out`, stamping lines with `clock`.
    pub(crate) fn new(out: Rc<RefCell<dyn Write>>, clock: Rc<Clock>, kinds: Kinds) -> Self {
        Tracer {
            out,
            clock,
            polling: Cell::new(None),
            source: Cell::new(Source::Runtime),
            thread: std::thread::current().id(),
            panic: RefCell::new(String::new()),
            names: RefCell::new(HashMap::new()),
            kinds,
            numbers: Cell::new(0),
        }
    }

    /// Writes one line of kind `kind`, if the trace keeps that kind.
    pub(crate) fn line_of(&self, kind: Kinds, args: fmt::Arguments<'_>) {
        if self.kinds.contains(kind) {
            self.line(args);
        }
    }

    /// Writes one line, whatever the filter. A write error is ignored, and so is a line written
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

    /// The next number for a primitive (1, 2, ...).
    pub(crate) fn next_number(&self) -> u64 {
        self.numbers.set(self.numbers.get() + 1);
        self.numbers.get()
    }

    /// Remembers that task `id` is called `name`.
    pub(crate) fn name(&self, id: TaskId, name: &str) {
        self.names.borrow_mut().insert(id, Rc::from(name));
    }

    /// Forgets the name of task `id`: nothing will name it any more.
    pub(crate) fn forget(&self, id: TaskId) {
        self.names.borrow_mut().remove(&id);
    }

    /// How a line names task `id`.
    pub(crate) fn label(&self, id: TaskId) -> Label {
        Label {
            id,
            name: self.names.borrow().get(&id).cloned(),
            main: false,
        }
    }

    /// How a line names `name`, main or not.
    pub(crate) fn label_of(&self, name: Name) -> Label {
        Label {
            main: name.main,
            ..self.label(name.id)
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

    /// Describes a thread that woke a task through the inbox: its name if
    /// it has one, and its id.
    pub(crate) fn thread_of(&self, from: Option<&Thread>) -> String {
        match from {
            Some(thread) if thread.id() == self.thread => {
                "this thread, outside the runtime (via the inbox)".to_string()
            }
            Some(thread) => match thread.name() {
                Some(name) => format!("thread '{name}' ({:?}) (via the inbox)", thread.id()),
                None => format!("thread {:?} (via the inbox)", thread.id()),
            },
            None => "another thread (via the inbox)".to_string(),
        }
    }

    /// Describes who is waking `target` right now.
    pub(crate) fn waker_of(&self, target: TaskId) -> String {
        match (self.polling.get(), self.source.get()) {
            (Some(name), _) if name.id == target => "itself".to_string(),
            (Some(name), _) => self.label_of(name).to_string(),
            (None, Source::Timer(seq)) => format!("timer {seq}"),
            (None, Source::Finishing(id)) => format!("{} finishing", self.label(id)),
            (None, Source::Socket(number)) => format!("socket {number}"),
            (None, Source::Runtime) => "the runtime".to_string(),
        }
    }
}
