//! Leftovers: what the task table hands back to be woken or dropped once
//! its `RefCell` borrow has ended.
//!
//! Waking a waker and dropping a future or an output run user code, and
//! user code may call back into the table (spawn, cancel, await a handle).
//! So no method of the table does either: it moves those values into a
//! [`Leftovers`], and the caller finishes it after letting go of the table.
//!
//! Read next: `table.rs`.

use std::panic::{self, AssertUnwindSafe};

use super::cell::BoxTask;
use super::named::Wake;
use crate::util::panic::Payload;

/// Things to wake or drop with no table borrow held.
#[must_use = "leftovers must be finished after the table borrow ends"]
#[derive(Default)]
pub(crate) struct Leftovers {
    /// A handle's waker to wake: the task finished.
    pub(super) wake: Option<Wake>,
    /// A task cell (future or output) to drop.
    pub(super) task: Option<BoxTask>,
}

impl Leftovers {
    /// Whether there is nothing to do.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.wake.is_none() && self.task.is_none()
    }

    /// Wakes the handle, then drops the rest. Must be called with no table
    /// borrow held. A panic from a destructor propagates.
    pub(crate) fn finish(self) {
        let Leftovers { wake, task } = self;
        // Wake first: if a destructor below panics, the handle's owner
        // still learns that the task is done.
        if let Some(waker) = wake {
            waker.wake();
        }
        drop(task);
    }

    /// Like [`finish`](Leftovers::finish), but a panicking destructor is
    /// caught and its payload returned (used where the caller is not the
    /// task's owner: the executor, and shutdown).
    pub(crate) fn finish_catching(self) -> Option<Payload> {
        if self.is_empty() {
            return None;
        }
        panic::catch_unwind(AssertUnwindSafe(|| self.finish())).err()
    }
}
