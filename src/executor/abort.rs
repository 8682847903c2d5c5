//! A task's cancel switch: the right to cancel one task without owning
//! its handle, for code that must stop tasks a user holds the handles of
//! (a task group cancelling its other tasks when one fails).
//!
//! It names the task by `(key, id)`: the slot may have been freed and
//! reused since (the handle is not ours, so nothing holds the slot), and a
//! switch for a task that is gone does nothing.
//!
//! Read next: `shutdown.rs`.

use std::fmt;
use std::rc::Rc;

use super::core::Core;
use crate::task::{Cancel, TaskId, TaskKey};

/// The right to cancel one task; does not keep its slot.
#[derive(Clone)]
pub(crate) struct TaskAbort {
    /// The task's runtime.
    core: Rc<Core>,
    /// The task's slot, as it was when the switch was made.
    key: TaskKey,
    /// The task's id: tells it from a later task in the same slot.
    id: TaskId,
}

impl TaskAbort {
    /// The switch for task `(key, id)` of `core`.
    pub(super) fn new(core: Rc<Core>, key: TaskKey, id: TaskId) -> Self {
        TaskAbort { core, key, id }
    }

    /// The task's id.
    pub(crate) fn id(&self) -> TaskId {
        self.id
    }

    /// Cancels the task (edge 8), as its handle's `cancel` would; `false`
    /// if it had finished or is gone.
    ///
    /// # Panics
    ///
    /// If the task's future panics while it is dropped here.
    pub(crate) fn cancel(&self) -> bool {
        let (cancel, leftovers) = {
            let mut table = self.core.table.borrow_mut();
            if !table.has(self.key, self.id) {
                return false;
            }
            table.cancel(self.key)
        };
        self.core.narrator.cancelled(self.id, cancel);
        leftovers.finish();
        cancel != Cancel::Finished
    }
}

impl Core {
    /// Cancels task `(key, id)` if it is still alive there, as its
    /// handle's `cancel` would; returns whether it was unfinished. For a
    /// cancel request that arrived from another thread.
    pub(crate) fn cancel_task(self: &Rc<Self>, key: TaskKey, id: TaskId) -> bool {
        TaskAbort::new(self.clone(), key, id).cancel()
    }
}

impl fmt::Debug for TaskAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskAbort").field("id", &self.id).finish()
    }
}
