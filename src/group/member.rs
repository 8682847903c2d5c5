//! A task of a group: the `Member` future that wraps it, catches its
//! panic to fail the group, and (through its `Guard`) tells the group
//! when it ends; and cancelling the group's tasks.
//!
//! Read next: `error.rs`.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::State;
use crate::join::JoinError;
use crate::task::TaskId;
use crate::trace;
use crate::util::panic::{Payload, message};

/// Cancels every task of the group that is still running but `except`
/// (a task that is failing). A task whose future panics as it is dropped
/// does not stop the others; its panic is handed back with its id.
pub(super) fn cancel_all(
    state: &Rc<RefCell<State>>,
    except: Option<usize>,
    why: &dyn Fn() -> String,
) -> Vec<(TaskId, Payload)> {
    // The switches are taken out first: cancelling drops futures, whose
    // guards borrow the state.
    let mut tasks = std::mem::take(&mut state.borrow_mut().tasks);
    if trace::tracing() {
        let n = tasks
            .iter()
            .enumerate()
            .filter(|(index, task)| task.is_some() && Some(*index) != except)
            .count();
        if n > 0 {
            trace::group_cancels(&why(), n);
        }
    }
    let mut panics = Vec::new();
    for (index, switch) in tasks.iter_mut().enumerate() {
        if Some(index) == except {
            continue;
        }
        // Each switch is used once: a cancelled task has ended.
        if let Some(task) = switch.take() {
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| task.cancel())) {
                panics.push((task.id(), payload));
            }
        }
    }
    state.borrow_mut().tasks = tasks;
    panics
}

/// Raises again the first of `panics`, unless the thread is unwinding.
pub(super) fn raise_first(panics: Vec<(TaskId, Payload)>) {
    if let Some((_, payload)) = panics.into_iter().next() {
        if !std::thread::panicking() {
            panic::resume_unwind(payload);
        }
    }
}

pin_project! {
    /// A task of a group: its future, and the guard that tells the group
    /// when it ends. Catches the future's panic to fail the group.
    pub(super) struct Member<F> {
        // `None` once finished: the future is dropped inside the poll that
        // finished it, where a panic in its destructor is caught too.
        #[pin]
        pub(super) future: Option<F>,
        pub(super) guard: Guard,
    }
}

/// Tells the group when its task's future is dropped, however it ends.
pub(super) struct Guard {
    /// The group.
    pub(super) group: Rc<RefCell<State>>,
    /// The task's place in the group's list.
    pub(super) index: usize,
}

impl<F: Future> Future for Member<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let index = this.guard.index;
        this.guard.group.borrow_mut().running = Some(index);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let inner = future.as_mut().as_pin_mut();
            let poll = inner
                .expect("a group's task polled after it finished")
                .poll(cx);
            if poll.is_ready() {
                future.set(None);
            }
            poll
        }));
        this.guard.group.borrow_mut().running = None;
        match caught {
            Ok(poll) => poll,
            Err(payload) => {
                let text = message(&*payload).map_or_else(
                    || {
                        "a task of a group panicked; its payload is in the group's error"
                            .to_string()
                    },
                    str::to_owned,
                );
                this.guard.fail(payload);
                // The task ends panicked too, with the message: the payload
                // itself went to the group.
                panic::resume_unwind(Box::new(text))
            }
        }
    }
}

impl Guard {
    /// The task panicked: the first panic cancels every other task of the
    /// group, now, before any other task is polled.
    fn fail(&self, payload: Payload) {
        let (first, id) = {
            let mut state = self.group.borrow_mut();
            let id = state.tasks[self.index]
                .as_ref()
                .expect("a running task of the group has its switch")
                .id();
            state.errors.push(JoinError::panic(id, None, payload));
            (!std::mem::replace(&mut state.failed, true), id)
        };
        if first {
            // A sibling whose future panics as it is dropped fails too.
            let why = || format!("{id} panicked");
            let panics = cancel_all(&self.group, Some(self.index), &why);
            let mut state = self.group.borrow_mut();
            let failures = panics
                .into_iter()
                .map(|(id, payload)| JoinError::panic(id, None, payload));
            state.errors.extend(failures);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let (waiter, switch) = {
            let mut state = self.group.borrow_mut();
            state.live -= 1;
            // The task has ended: nothing left to cancel. (While the group
            // cancels, its list is taken out; it skips ended tasks anyway.)
            let switch = state.tasks.get_mut(self.index).and_then(Option::take);
            let waiter = if state.live == 0 {
                state.waiter.take()
            } else {
                None
            };
            (waiter, switch)
        };
        // Dropped with no borrow held: the switch holds the runtime.
        drop(switch);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}
