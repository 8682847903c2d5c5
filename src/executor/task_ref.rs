//! A join handle's claim on its task's slot, with the output type left
//! out: what `JoinHandle<T>` (`join/`) is made of.
//!
//! The handle names its task by slot key alone: the slot stays the
//! handle's until the handle is dropped (edge 9 waits for it), so no id is
//! needed to tell it from a later task. The output is never copied into a
//! separate shared box: it stays in the task's own cell until the handle
//! moves it out.
//!
//! Read next: `shutdown.rs`, then `join/` (the typed handle).

use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::abort::TaskAbort;
use super::context;
use super::core::Core;
use crate::task::{BoxTask, Cancel, JoinPoll, Outcome, TaskId, TaskKey, Wake};

/// An owned claim on one task's slot; dropping it detaches the task.
pub(crate) struct TaskRef {
    /// The runtime the task lives in.
    core: Rc<Core>,
    /// The task's slot.
    key: TaskKey,
    /// Set once the result was taken.
    taken: bool,
    /// Whether the task has a name in `Core::names` (which this claim
    /// removes when dropped). Fits in the padding after `taken`: an
    /// unnamed task's handle stays 16 bytes and never looks at the map.
    named: bool,
}

impl TaskRef {
    /// The claim on slot `key` of `core`.
    /// The claim on slot `key` of `core`, for a task called `name` if it
    /// has one.
    #[inline]
    pub(super) fn new(core: Rc<Core>, key: TaskKey, name: Option<&str>) -> Self {
        let named = name.is_some();
        if let Some(name) = name {
            remember_name(&core, key, name);
        }
        TaskRef {
            core,
            key,
            taken: false,
            named,
        }
    }

    /// The task's name, if it was spawned with one.
    pub(crate) fn name(&self) -> Option<Rc<str>> {
        if !self.named {
            return None;
        }
        self.core.names.borrow().get(&self.key).cloned()
    }

    /// The task's slot.
    pub(crate) fn key(&self) -> TaskKey {
        self.key
    }

    /// The task's id.
    pub(crate) fn id(&self) -> TaskId {
        self.core.table.borrow().id(self.key)
    }

    /// A switch that cancels this task without owning its slot.
    pub(crate) fn abort_handle(&self) -> TaskAbort {
        TaskAbort::new(self.core.clone(), self.key, self.id())
    }

    /// Whether the result has been taken.
    pub(crate) fn is_taken(&self) -> bool {
        self.taken
    }

    /// Whether the task has finished (or its result was taken).
    pub(crate) fn is_finished(&self) -> bool {
        self.taken || self.core.table.borrow().outcome(self.key).is_some()
    }

    /// Cancels the task (edge 8); `false` if it had already finished or
    /// its result was taken.
    ///
    /// # Panics
    ///
    /// If the task's future panics while it is dropped here.
    pub(crate) fn cancel(&self) -> bool {
        if self.taken {
            return false;
        }
        let (id, (cancel, leftovers)) = {
            let mut table = self.core.table.borrow_mut();
            (table.id(self.key), table.cancel(self.key))
        };
        self.core.narrator.cancelled(id, cancel);
        leftovers.finish();
        cancel != Cancel::Finished
    }

    /// How the task ended, once it has; meanwhile registers the caller's
    /// waker to be woken then.
    ///
    /// # Panics
    ///
    /// If the task has not finished and a `block_on` of another runtime is
    /// running: see [`TaskRef::pending`]; if the task is the caller itself:
    /// see [`TaskRef::awaits_itself`].
    #[inline]
    pub(crate) fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Outcome> {
        let poll = self.core.table.borrow().join_poll(self.key, cx.waker());
        match poll {
            JoinPoll::Ready(outcome) => Poll::Ready(outcome),
            waiting => self.wait(cx, waiting).map(|_| self.outcome()),
        }
    }

    /// Takes the task's result once it has finished: its id, how it ended,
    /// and its cell (output or panic payload; a cancelled task has none).
    /// The slot stays until the claim is dropped.
    #[inline]
    pub(crate) fn poll_take(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<(TaskId, Outcome, Option<BoxTask>)> {
        let taken = self
            .core
            .table
            .borrow_mut()
            .take_result(self.key, cx.waker());
        let taken = match taken {
            Ok(taken) => taken,
            Err(waiting) => {
                std::task::ready!(self.wait(cx, waiting));
                // Finished while the waker was being cloned: take it now.
                let taken = self
                    .core
                    .table
                    .borrow_mut()
                    .take_result(self.key, cx.waker());
                taken.unwrap_or_else(|_| unreachable!("a finished task stays finished"))
            }
        };
        self.taken = true;
        self.core.narrator.result_taken(taken.0);
        Poll::Ready(taken)
    }

    /// How the task ended; it has.
    fn outcome(&self) -> Outcome {
        let outcome = self.core.table.borrow().outcome(self.key);
        outcome.expect("the task has finished")
    }

    /// The task had not finished when polled: registers the caller's waker
    /// if `poll` says it must, then `Pending`; or `Ready` if the task
    /// finished meanwhile (a waker's clone runs foreign code).
    ///
    /// # Panics
    ///
    /// If the task is the one polling its own handle: see
    /// [`TaskRef::awaits_itself`]. And as [`TaskRef::pending`] does.
    fn wait(&self, cx: &mut Context<'_>, poll: JoinPoll) -> Poll<()> {
        if poll == JoinPoll::OwnTask {
            self.awaits_itself();
        }
        if poll == JoinPoll::NeedsWaker && self.register(cx).is_err() {
            return Poll::Ready(());
        }
        self.pending()
    }

    /// The handle was polled from inside its own task's poll (the only
    /// way to find the slot RUNNING, so the check costs nothing on other
    /// paths).
    ///
    /// # Panics
    ///
    /// Always: the task would wait for itself to finish, which never
    /// happens (asyncio raises "Task cannot await on itself").
    #[cold]
    fn awaits_itself(&self) -> ! {
        panic!(
            "{} awaited its own `JoinHandle`, so it would wait for itself forever; \
             await the handle from another task",
            self.id()
        )
    }

    /// The caller no longer waits for the task: takes back its waker (if
    /// it is the one registered), so the task's end does not wake it.
    pub(crate) fn stop_waiting(&self, waker: &Waker) {
        let old = self
            .core
            .table
            .borrow_mut()
            .take_join_waker(self.key, Some(waker));
        // Dropped after the borrow: a waker's drop runs its own code.
        drop(old);
    }

    /// Registers the caller's waker for the task's completion: the
    /// polling task by name if it is that task's own waker, else a clone
    /// (`task/named.rs`). Made with no borrow held: a clone runs the
    /// waker's own code, which may use the runtime. `Err` if the task
    /// finished in the meantime.
    fn register(&self, cx: &mut Context<'_>) -> Result<(), ()> {
        let waker = Wake::of(cx.waker());
        let set = self.core.table.borrow_mut().set_join_waker(self.key, waker);
        // Dropped after the borrow: the replaced waker, or ours if refused.
        match set {
            Ok(replaced) => {
                drop(replaced);
                Ok(())
            }
            Err(waker) => {
                drop(waker);
                Err(())
            }
        }
    }

    /// The task has not finished: `Pending`, unless it never can while
    /// this thread is busy with another runtime.
    ///
    /// # Panics
    ///
    /// If a `block_on` of another runtime is running: this task's own
    /// runtime cannot run until it returns, so waiting would hang.
    fn pending<R>(&self) -> Poll<R> {
        if context::other_runtime_running(&self.core) {
            panic!(
                "a `JoinHandle` of {} was awaited inside another runtime's `block_on`; \
                 its task can only run in its own runtime's `block_on`, so await it there",
                self.id()
            );
        }
        // Reading the id costs a table borrow; only the trace needs it.
        if self.core.narrator.is_tracing() {
            self.core.narrator.join_pending(self.id());
        }
        Poll::Pending
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        let (id, waiter, released) = {
            let mut table = self.core.table.borrow_mut();
            // Reading the id costs a load; only the trace needs it.
            let id = self.core.narrator.is_tracing().then(|| table.id(self.key));
            // Nobody waits through this handle any more: a detached task's
            // end wakes nobody.
            let waiter = table.take_join_waker(self.key, None);
            (id, waiter, table.detach(self.key))
        };
        drop(waiter);
        if let Some(id) = id {
            self.core.narrator.detached(id, released.is_some());
        }
        if self.named {
            forget_name(&self.core, self.key);
        }
        if let Some(leftovers) = released {
            leftovers.finish();
        }
    }
}

/// Keeps the name of the task in slot `key`; out of line, so an unnamed
/// spawn's code stays as it was (callgrind on 100,000 spawn-and-join: 25
/// more instructions each with this inlined).
#[cold]
#[inline(never)]
fn remember_name(core: &Core, key: TaskKey, name: &str) {
    core.names.borrow_mut().insert(key, Rc::from(name));
}

/// Forgets the name of the task in slot `key`: its handle is gone.
#[cold]
#[inline(never)]
fn forget_name(core: &Core, key: TaskKey) {
    let name = core.names.borrow_mut().remove(&key);
    drop(name);
}

// A handle is this claim and nothing more: naming tasks must not grow it.
const _: () = assert!(
    std::mem::size_of::<TaskRef>() <= 16,
    "`TaskRef` grew past 16 bytes"
);
