//! [`EventWait`], the future of [`Event::wait`]: the waiter's side of an
//! event.
//!
//! A wait is ready at once on a set event. Otherwise it joins the event's
//! waiter line and keeps its key; it is released when a `set` grants its
//! slot (see `event.rs`), and dropping it before that takes it out of the
//! line at once.
//!
//! Read next: `executor/` (the loop that runs tasks), or `wait.rs` (`wait`
//! and `gather` over task handles).

use std::cell::RefMut;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::event::{Event, State};
use super::waiters;
use crate::task::Wake;
use crate::trace;

/// The future returned by [`Event::wait`].
///
/// # Examples
///
/// A wait can be raced against other futures; dropping the loser removes
/// its waiter at once.
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let event = looplet::Event::new();
///     let wait: looplet::EventWait<'_> = event.wait();
///     assert!(looplet::timeout(Duration::from_millis(10), wait).await.is_err());
///     assert_eq!(format!("{event:?}"), "Event { set: false, waiters: 0 }");
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe. Dropping it before the event is set removes its waiter at
/// once (no leak, no stray wake later). Dropping it after a `set` released
/// it loses nothing but the completion itself: the flag is unchanged.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct EventWait<'a> {
    /// The event waited on.
    pub(super) event: &'a Event,
    /// Where the wait is.
    pub(super) state: WaitState,
}

/// An `EventWait`'s progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WaitState {
    /// Not polled yet.
    Start,
    /// In the waiter slots at `key` (a `u32`, as the waiter list stores
    /// keys: with the tag, 8 bytes).
    Waiting { key: u32 },
    /// Completed.
    Done,
}

impl Future for EventWait<'_> {
    type Output = ();

    /// The common steps, inlined into the awaiting future: a task waiting
    /// with its own waker joins the line by name, and comes back released
    /// or re-polled with the same waker. The rest (an event already set,
    /// any other waker, a trace) is out of line: the hot path keeps few
    /// registers to save. Callgrind, `ping_pong` of
    /// `benches/examples/scaling.rs`, with `Event::set` and `wake_by_name`
    /// shaped the same way: 1,258 → 1,221 instructions per round trip.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Start => {
                let event = this.event;
                let state = event.state.borrow_mut();
                // By name, the wait runs no foreign code, so it keeps the
                // borrow throughout.
                if !state.set
                    && let Some(name) = Wake::named(cx.waker())
                {
                    return this.join_line(state, name);
                }
                drop(state);
                this.start_otherwise(cx.waker())
            }
            WaitState::Waiting { key } => {
                let (state, key) = (&this.event.state, key as usize);
                if !waiters::poll_again(state, |state| &mut state.waiters, key, cx.waker()) {
                    return Poll::Pending;
                }
                this.state = WaitState::Done;
                Poll::Ready(())
            }
        }
    }
}

impl EventWait<'_> {
    /// A first poll that does not join by name: the event is set (ready
    /// at once), or `waker` is not the polling task's own and is cloned.
    ///
    /// Cloning a waker runs the waker's own code, which may panic or use
    /// this very event, so it happens with no borrow of the event held;
    /// the flag is looked at again after it.
    #[inline(never)]
    fn start_otherwise(&mut self, waker: &Waker) -> Poll<()> {
        if self.event.state.borrow().set {
            return self.complete_at_once();
        }
        let wake = Wake::of(waker);
        let event = self.event;
        let state = event.state.borrow_mut();
        if state.set {
            // The clone set the event.
            drop(state);
            drop(wake);
            return self.complete_at_once();
        }
        self.join_line(state, wake)
    }

    /// Puts `wake` at the back of the event's line (`state`, borrowed by
    /// the caller, is let go of here) and waits.
    #[inline(always)]
    fn join_line(&mut self, mut state: RefMut<'_, State>, wake: Wake) -> Poll<()> {
        // Lossless: the waiter list panics past `u32` keys.
        let key = state.waiters.push_back(wake) as u32;
        self.state = WaitState::Waiting { key };
        drop(state);
        if trace::tracing() {
            self.trace_waiting();
        }
        Poll::Pending
    }

    /// Narrates a wait that joined the line.
    #[cold]
    #[inline(never)]
    fn trace_waiting(&self) {
        let waiting = self.event.state.borrow().waiters.len();
        trace::event_wait(self.event.number(), Some(waiting));
    }

    /// The event was set at the first poll: ready without waiting.
    fn complete_at_once(&mut self) -> Poll<()> {
        self.state = WaitState::Done;
        if trace::tracing() {
            trace::event_wait(self.event.number(), None);
        }
        Poll::Ready(())
    }
}

impl Drop for EventWait<'_> {
    /// Inlined, with the leaving of the line out of line: a wait that
    /// finished (the common case) is dropped by one test where it is used,
    /// not by a call (callgrind, `ping_pong` of
    /// `benches/examples/scaling.rs`: see `util/list.rs`'s `short`).
    #[inline]
    fn drop(&mut self) {
        if let WaitState::Waiting { key } = self.state {
            self.leave_line(key);
        }
    }
}

impl EventWait<'_> {
    /// Dropped while in line: its waker comes back, to drop once the event
    /// is let go of. Granted by a `set` it never saw: only the slot is
    /// freed (an event has nothing to hand on).
    #[inline(never)]
    fn leave_line(&mut self, key: u32) {
        let cancelled = self.event.state.borrow_mut().waiters.cancel(key as usize);
        drop(cancelled);
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("state", &self.state)
            .field("event", self.event)
            .finish()
    }
}

// A parked task's box holds its wait future: 16 bytes, not 32, keeps a
// typical waiting task's box in a smaller malloc size class
// (`docs/performance.md`, "Memory").
const _: () = assert!(
    std::mem::size_of::<EventWait<'static>>() <= 16,
    "`EventWait` grew past 16 bytes"
);

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll};

    use futures_task::noop_waker_ref;

    use super::*;

    fn poll(wait: Pin<&mut EventWait<'_>>) -> Poll<()> {
        wait.poll(&mut Context::from_waker(noop_waker_ref()))
    }

    /// The loop records the very waker it hands each poll, so a wait
    /// polled by its task finds it (`task/named.rs`); any other waker is
    /// cloned.
    #[test]
    fn a_wait_polled_by_its_task_keeps_the_tasks_name_and_one_polled_otherwise_a_waker() {
        crate::Builder::new()
            .start_paused(true)
            .build()
            .block_on(async {
                let event = Event::new();
                let mut own = pin!(event.wait());
                let mut other = pin!(event.wait());
                std::future::poll_fn(|cx| {
                    assert!(own.as_mut().poll(cx).is_pending());
                    // Polled again by its task: still the name.
                    assert!(own.as_mut().poll(cx).is_pending());
                    Poll::Ready(())
                })
                .await;
                assert!(poll(other.as_mut()).is_pending());
                let state = event.state.borrow();
                assert_eq!((state.waiters.len(), state.waiters.kept_by_name()), (2, 1));
                drop(state);
                // Outside its task's poll the name is not recognised: the
                // re-poll with another waker replaces it.
                assert!(poll(own.as_mut()).is_pending());
                assert_eq!(event.state.borrow().waiters.kept_by_name(), 0);
            });
    }

    fn slots(event: &Event) -> (usize, usize) {
        let state = event.state.borrow();
        (state.waiters.slots(), state.waiters.granted())
    }

    #[test]
    fn a_released_wait_frees_its_slot_when_it_completes_or_is_dropped() {
        let event = Event::new();
        let mut first = pin!(event.wait());
        let mut second = Box::pin(event.wait());
        assert!(poll(first.as_mut()).is_pending());
        assert!(poll(second.as_mut()).is_pending());
        event.set();
        // Off the line, but their slots wait for them.
        assert_eq!(slots(&event), (2, 2));
        event.clear();
        assert!(poll(first.as_mut()).is_ready(), "released before the clear");
        assert_eq!(slots(&event), (1, 1));
        drop(second);
        assert_eq!(slots(&event), (0, 0));
    }

    #[test]
    fn released_waits_dropped_unpolled_leave_nothing_behind() {
        let event = Event::new();
        for _ in 0..10_000 {
            let mut wait = Box::pin(event.wait());
            assert!(poll(wait.as_mut()).is_pending());
            event.set();
            event.clear();
            drop(wait);
            assert_eq!(slots(&event), (0, 0));
        }
        // A newer waiter in a reused slot is not mistaken for the old one.
        let mut old = Box::pin(event.wait());
        assert!(poll(old.as_mut()).is_pending());
        event.set();
        event.clear();
        let mut new = Box::pin(event.wait());
        assert!(poll(new.as_mut()).is_pending());
        assert!(poll(old.as_mut()).is_ready());
        assert!(
            poll(new.as_mut()).is_pending(),
            "the newer wait was not released"
        );
        event.set();
        assert!(poll(new.as_mut()).is_ready());
        assert_eq!(slots(&event), (0, 0));
    }
}
