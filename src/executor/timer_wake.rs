//! Whom a timer wakes ([`TimerWake`]), and how the runtime tells, from
//! the waker a sleep is polled with, that it is the task being polled.
//!
//! A sleep's timer wakes whoever polled the sleep. Nearly always that is
//! the task itself: the sleep is awaited in the task's own body, or under
//! combinators that hand the task's context on (`timeout`, `select`,
//! `join`). Then the timer needs no waker at all: it names the task by its
//! slot and id, as a waker does, and firing it queues the task in the
//! table directly, the local wake of `remote.rs` without the trip through
//! the waker. A sleep polled with any other waker (under a combinator with
//! wakers of its own, such as `FuturesUnordered`, or by a foreign
//! executor) keeps a clone of that waker, as before.
//!
//! # How the runtime knows
//!
//! While the loop polls a task, the core records the task's `(key, id)`
//! and the two pointers that make up the waker it handed to the poll (its
//! data, the task's `Arc<TaskWaker>`, and its vtable): [`Polled`]. A waker
//! with the same two pointers is that waker, since `Waker::will_wake`
//! compares the same two. The record is cleared when the poll ends, so
//! it always names the task being polled now, or none.
//!
//! # What it buys, and what it costs
//!
//! Per timer, the wheel entry no longer holds a clone of the task's waker:
//! arming makes no clone (an atomic increment), cancelling or firing drops
//! none (an atomic decrement), and firing does not go through the waker's
//! memory, which is cold by then (the timers of `timers_fire` fire in
//! random order), nor through the thread-local lookup of a wake. Measured
//! in `docs/performance.md` ("Fourth session"). The cost: four stores per
//! poll to keep the record, and a timer that holds one of two things.
//!
//! Read next: `park.rs`.

use std::task::{RawWakerVTable, Waker};

use crate::task::{TaskId, TaskKey};

/// Whom a timer wakes when it fires.
#[derive(Debug)]
pub(crate) enum TimerWake {
    /// A task of the timer's own runtime: queued in its table at once.
    Task(TaskKey, TaskId),
    /// Anyone else: this waker, woken.
    Waker(Waker),
}

/// The task being polled, and the waker its poll was handed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Polled {
    /// Its slot.
    pub(crate) key: TaskKey,
    /// Its id.
    pub(crate) id: TaskId,
    /// The waker's data pointer (the task's `Arc<TaskWaker>`).
    data: *const (),
    /// The waker's vtable.
    vtable: *const RawWakerVTable,
}

impl Polled {
    /// The record for a poll of task `(key, id)` handed `waker`.
    #[inline]
    pub(crate) fn new(key: TaskKey, id: TaskId, waker: &Waker) -> Self {
        Polled {
            key,
            id,
            data: waker.data(),
            vtable: waker.vtable(),
        }
    }

    /// Whether `waker` is the waker this poll was handed (so it wakes this
    /// task).
    #[inline]
    pub(crate) fn is(&self, waker: &Waker) -> bool {
        std::ptr::eq(self.data, waker.data()) && std::ptr::eq(self.vtable, waker.vtable())
    }
}

impl TimerWake {
    /// Whom a timer armed now with `waker` should wake: the task being
    /// polled (`polled`), if `waker` is its own, or a clone of `waker`.
    ///
    /// The clone runs the waker's own code: call this with no borrow held.
    pub(crate) fn of(waker: &Waker, polled: Option<Polled>) -> Self {
        match polled {
            Some(polled) if polled.is(waker) => TimerWake::Task(polled.key, polled.id),
            _ => TimerWake::Waker(waker.clone()),
        }
    }

    /// Whether this wakes whom `waker` wakes, `polled` being the task
    /// being polled now (a timer re-polled with the same waker keeps
    /// what it has).
    pub(crate) fn wakes_alike(&self, waker: &Waker, polled: Option<Polled>) -> bool {
        match self {
            TimerWake::Task(key, id) => polled
                .is_some_and(|polled| polled.key == *key && polled.id == *id && polled.is(waker)),
            TimerWake::Waker(mine) => mine.will_wake(waker),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use futures_task::{ArcWake, noop_waker, waker};

    use super::*;

    struct Nobody;

    impl ArcWake for Nobody {
        fn wake_by_ref(_: &Arc<Self>) {}
    }

    #[test]
    fn only_the_polled_tasks_own_waker_names_the_task() {
        let own = waker(Arc::new(Nobody));
        let polled = Polled::new(TaskKey::new(3), TaskId(7), &own);
        let by_name = TimerWake::of(&own.clone(), Some(polled));
        assert!(
            matches!(by_name, TimerWake::Task(key, id) if key == TaskKey::new(3) && id == TaskId(7))
        );
        assert!(by_name.wakes_alike(&own, Some(polled)));
        // Another waker, or no task being polled: a clone of the waker.
        let other = waker(Arc::new(Nobody));
        assert!(matches!(
            TimerWake::of(&other, Some(polled)),
            TimerWake::Waker(_)
        ));
        assert!(matches!(TimerWake::of(&own, None), TimerWake::Waker(_)));
        assert!(!by_name.wakes_alike(&other, Some(polled)));
        assert!(!by_name.wakes_alike(&own, None));
        let cloned = TimerWake::of(&other, None);
        assert!(cloned.wakes_alike(&other, Some(polled)));
        assert!(!cloned.wakes_alike(&noop_waker(), None));
    }

    /// The record is taken from the very waker the loop hands the poll, so
    /// it matches however many addresses the waker's vtable has (a first
    /// try at this, comparing with a vtable taken elsewhere, never did).
    #[test]
    fn a_sleep_polled_by_its_task_names_the_task_and_one_polled_otherwise_keeps_the_waker() {
        crate::Builder::new()
            .start_paused(true)
            .build()
            .block_on(async {
                let mut own = std::pin::pin!(crate::sleep(Duration::from_secs(1)));
                let mut other = std::pin::pin!(crate::sleep(Duration::from_secs(2)));
                std::future::poll_fn(|cx| {
                    assert!(own.as_mut().poll(cx).is_pending());
                    Poll::Ready(())
                })
                .await;
                let foreign = waker(Arc::new(Nobody));
                assert!(
                    other
                        .as_mut()
                        .poll(&mut Context::from_waker(&foreign))
                        .is_pending()
                );
                let timers = crate::executor::current("test").timers().drain();
                assert!(
                    matches!(timers[..], [TimerWake::Task(..), TimerWake::Waker(_)]),
                    "{timers:?}"
                );
            });
    }
}
