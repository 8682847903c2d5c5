//! [`Permits`]: a count of free permits and a FIFO line of tasks waiting
//! for one, the core that [`Mutex`](super::Mutex) (one permit) and
//! [`Semaphore`](super::Semaphore) (n permits) share, and [`Acquire`], the
//! state machine of one task acquiring a permit.
//!
//! # Hand-off, not wake-and-retry
//!
//! A release with tasks in line does not raise the count and wake the
//! oldest to try again (it could lose to a task that asks first: barging).
//! It *grants* the permit to the oldest waiter ([`Waiters::grant_front`])
//! and wakes it; the count never rises, so nobody else can take it. The
//! waiter finds its grant on its next poll. If it is dropped before that
//! poll, [`Acquire::cancel`] releases the permit again, which grants it to
//! the next in line: nothing is lost, nothing is granted twice.
//!
//! # Invariants
//!
//! * `available > 0` only when nobody waits in line: a release with
//!   waiters grants instead of counting.
//! * No borrow of the `RefCell<Permits>` is held while a waker is woken,
//!   cloned or dropped.
//!
//! Read next: `mutex.rs`, then `semaphore.rs`.

use std::cell::RefCell;
use std::task::{Context, Poll};

use super::waiters::{self, Cancelled, Waiters};
use crate::task::Wake;
use crate::trace;

/// Free permits and the tasks waiting for one.
pub(super) struct Permits {
    /// Permits free to take at once.
    pub(super) available: usize,
    /// Tasks waiting for a permit, oldest first, and those granted one
    /// that have not run yet.
    pub(super) waiters: Waiters,
    /// The primitive's name in trace lines: `lock 2`, `semaphore 3`.
    pub(super) label: trace::Label,
}

impl Permits {
    /// `available` permits, nobody waiting.
    pub(super) fn new(available: usize, what: &'static str) -> Self {
        Permits {
            available,
            waiters: Waiters::default(),
            label: trace::Label::new(what),
        }
    }

    /// Takes a permit if one is free and nobody waits for it.
    #[inline]
    pub(super) fn try_take(&mut self) -> bool {
        if self.available > 0 && self.waiters.is_empty() {
            self.available -= 1;
            true
        } else {
            false
        }
    }
}

/// Gives one permit back: to the oldest waiter if any (woken here, with no
/// borrow held), else to the count.
pub(super) fn release(cell: &RefCell<Permits>) {
    let mut permits = cell.borrow_mut();
    let Some(waker) = permits.waiters.grant_front() else {
        permits.available += 1;
        return;
    };
    let left = permits.waiters.len();
    let label = trace::tracing().then(|| permits.label.to_string());
    drop(permits);
    if let Some(label) = label {
        trace::sync_handed(&label, left);
    }
    waker.wake();
}

/// One task's way to a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Acquire {
    /// Not polled yet.
    Start,
    /// In line (or granted) at this key.
    Waiting(usize),
    /// The permit was taken: it now belongs to whatever the future returned.
    Done,
}

impl Acquire {
    /// Polls for a permit: `Ready` once this task holds one.
    ///
    /// # Panics
    ///
    /// Polled again after it returned `Ready` (`name` is the future's type,
    /// for the message).
    pub(super) fn poll(
        &mut self,
        cell: &RefCell<Permits>,
        cx: &mut Context<'_>,
        name: &str,
    ) -> Poll<()> {
        match *self {
            Acquire::Done => panic!("`{name}` polled after it completed; await it once"),
            Acquire::Start => {
                if cell.borrow_mut().try_take() {
                    *self = Acquire::Done;
                    return Poll::Ready(());
                }
                // Cloning a waker runs foreign code: no borrow held.
                let waker = Wake::of(cx.waker());
                let mut permits = cell.borrow_mut();
                if permits.try_take() {
                    drop(permits);
                    drop(waker);
                    *self = Acquire::Done;
                    return Poll::Ready(());
                }
                let key = permits.waiters.push_back(waker);
                let waiting = permits.waiters.len();
                let label = trace::tracing().then(|| permits.label.to_string());
                drop(permits);
                *self = Acquire::Waiting(key);
                if let Some(label) = label {
                    trace::sync_waits(&label, "", waiting);
                }
                Poll::Pending
            }
            Acquire::Waiting(key) => {
                if !waiters::poll_again(cell, |permits| &mut permits.waiters, key, cx.waker()) {
                    return Poll::Pending;
                }
                *self = Acquire::Done;
                Poll::Ready(())
            }
        }
    }

    /// The future is dropped: leaves the line, or hands a grant it never
    /// took to the next waiter.
    pub(super) fn cancel(&mut self, cell: &RefCell<Permits>) {
        let Acquire::Waiting(key) = std::mem::replace(self, Acquire::Done) else {
            return;
        };
        let mut permits = cell.borrow_mut();
        match permits.waiters.cancel(key) {
            Cancelled::Waiting(waker) => {
                drop(permits);
                drop(waker);
            }
            Cancelled::Granted => {
                let label = trace::tracing().then(|| permits.label.to_string());
                drop(permits);
                if let Some(label) = label {
                    trace::sync_passed_on(&label, "");
                }
                release(cell);
            }
        }
    }
}
