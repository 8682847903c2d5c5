//! [`EventWait`], the future of [`Event::wait`]: the waiter's side of an
//! event.
//!
//! A wait is ready at once on a set event. Otherwise it joins the event's
//! waiter line, remembering the generation it joined in; it is released
//! exactly when the generation has moved on (see `event.rs`), and dropping
//! it before that takes it out of the line at once.
//!
//! Read next: `executor/` (the loop that runs tasks), or `wait.rs` (`wait`
//! and `gather` over task handles).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::event::Event;
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
    /// In the waiter list at `key`, since `generation`.
    Waiting { key: usize, generation: u64 },
    /// Completed.
    Done,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Cloning a waker runs the waker's own code, which may panic or use
        // this very event, so it happens with no borrow of the event held;
        // the state is looked at again after it.
        let this = &mut *self;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Start => {
                if this.event.state.borrow().set {
                    return this.complete_at_once();
                }
                let waker = cx.waker().clone();
                let mut guard = this.event.state.borrow_mut();
                let state = &mut *guard;
                if state.set {
                    // The clone set the event.
                    drop(guard);
                    drop(waker);
                    return this.complete_at_once();
                }
                let key = state.waiters.push_back(waker);
                this.state = WaitState::Waiting {
                    key,
                    generation: state.generation,
                };
                let waiting = state.waiters.len();
                drop(guard);
                if trace::tracing() {
                    trace::event_wait(this.event.number(), Some(waiting));
                }
                Poll::Pending
            }
            WaitState::Waiting { key, generation } => {
                {
                    let state = this.event.state.borrow();
                    if generation != state.generation {
                        drop(state);
                        this.state = WaitState::Done;
                        return Poll::Ready(());
                    }
                    if state.waiters.wakes_alike(key, cx.waker()) {
                        return Poll::Pending;
                    }
                }
                // Keep only the latest waker; drop the old one after letting
                // go of the event.
                let waker = cx.waker().clone();
                let mut state = this.event.state.borrow_mut();
                if generation != state.generation {
                    // The clone set the event, which released this waiter.
                    drop(state);
                    drop(waker);
                    this.state = WaitState::Done;
                    return Poll::Ready(());
                }
                let old = state.waiters.replace_waker(key, waker);
                drop(state);
                drop(old);
                Poll::Pending
            }
        }
    }
}

impl EventWait<'_> {
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
    fn drop(&mut self) {
        let WaitState::Waiting { key, generation } = self.state else {
            return;
        };
        let removed = {
            let mut guard = self.event.state.borrow_mut();
            let state = &mut *guard;
            if state.generation != generation {
                // Released by a `set`, which already emptied the list.
                return;
            }
            state.waiters.remove(key)
        };
        drop(removed);
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
