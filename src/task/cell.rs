//! The task cell: one allocation that holds a task's future, then its
//! output (or the payload of its panic), in the same memory.
//!
//! Tasks of every output type share one table, so the table stores them
//! behind trait objects: [`Task`] is what the loop needs to poll any task,
//! and [`Spawned`] adds what a join handle needs to get a `'static` output
//! back out (through `Any`). The main future of a `block_on` is a
//! `TaskCell` too, pinned on the caller's stack instead of boxed and with
//! an output that may borrow, so it is a `Task` but not `Spawned`: both
//! kinds are polled by the same code, and `block_on` takes main's output
//! with the typed [`TaskCell::take_ready`].
//!
//! Read next: `waker.rs`.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::util::panic::Payload;

/// A future with its output type erased: what the loop polls.
pub(crate) trait Task {
    /// Polls the future; on `Ready` its output is kept inside.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Drops the future (it panicked) and keeps the panic's payload.
    fn fail(self: Pin<&mut Self>, payload: Payload);

    /// Moves the panic's payload out.
    fn take_panic(self: Pin<&mut Self>) -> Option<Payload>;

    /// Reads the cell's first bytes and nothing else, to bring them into
    /// the cache ahead of a poll (`util/warm.rs`).
    fn touch(&self) -> bool;
}

/// A spawned task: a [`Task`] whose `'static` output a handle takes.
pub(crate) trait Spawned: Task {
    /// Moves the output into `out`, which must be an `&mut Option<Output>`.
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any);
}

pin_project! {
    /// The future, then its output or panic payload.
    #[project = CellProj]
    #[project_replace = CellReplace]
    pub(crate) enum TaskCell<F: Future> {
        Running { #[pin] future: F },
        Finished { output: F::Output },
        Panicked { payload: Payload },
        Taken,
    }
}

impl<F: Future> TaskCell<F> {
    /// A cell holding `future`, not polled yet.
    pub(crate) fn new(future: F) -> Self {
        TaskCell::Running { future }
    }

    /// Moves the output out, if the future finished and it is still there.
    pub(crate) fn take_ready(self: Pin<&mut Self>) -> Option<F::Output> {
        match self.project_replace(TaskCell::Taken) {
            CellReplace::Finished { output } => Some(output),
            _ => None,
        }
    }
}

impl<F: Future> Task for TaskCell<F> {
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = match self.as_mut().project() {
            CellProj::Running { future } => ready!(future.poll(cx)),
            _ => unreachable!("looplet: a finished task was polled"),
        };
        // Drops the future in place (its destructors run here, inside the
        // poll) and keeps the output for the handle.
        self.set(TaskCell::Finished { output });
        Poll::Ready(())
    }

    fn fail(mut self: Pin<&mut Self>, payload: Payload) {
        // Even if the future's destructor panics, `set` still stores the
        // payload: an assignment replaces the value whatever the drop does.
        self.set(TaskCell::Panicked { payload });
    }

    fn take_panic(self: Pin<&mut Self>) -> Option<Payload> {
        match self.project_replace(TaskCell::Taken) {
            CellReplace::Panicked { payload } => Some(payload),
            _ => None,
        }
    }

    #[inline]
    fn touch(&self) -> bool {
        matches!(self, TaskCell::Running { .. })
    }
}

impl<F: Future + 'static> Spawned for TaskCell<F>
where
    F::Output: 'static,
{
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any) {
        let out = out
            .downcast_mut::<Option<F::Output>>()
            .expect("looplet: a JoinHandle asked for another output type");
        *out = self.take_ready();
    }
}

/// A boxed, pinned, type-erased spawned task: what the table stores.
pub(crate) type BoxTask = Pin<Box<dyn Spawned>>;

/// Moves the output of type `T` out of a finished cell, if it is there.
pub(crate) fn take_output<T: 'static>(task: Pin<&mut dyn Spawned>) -> Option<T> {
    let mut output: Option<T> = None;
    task.take_output(&mut output as &mut dyn Any);
    output
}
