//! `Event`: asyncio's `asyncio.Event` for Rust.
//!
//! An event is a flag plus a queue of tasks waiting for the flag to be
//! set. It is to asyncio's `Event` what `Rc<RefCell<…>>` is to a Python
//! object: shared by cheap clones, usable from any task on one thread,
//! deliberately not thread-safe (`!Send`, `!Sync`).
//!
//! # How it keeps its waiters
//!
//! Waiters wait in a [`Waiters`] line (`waiters.rs`), oldest first: a
//! waiter that is dropped unlinks itself in O(1), and `set` wakes them
//! oldest first.
//!
//! `set` *grants* every waiter (`waiters.rs`): it takes each off the line,
//! marks its slot granted and wakes it. A waiter's future keeps only its
//! key; on its next poll it finds its slot granted, frees it and
//! completes. That is why a released waiter completes even if `clear`
//! runs before it is polled, and why `set(); clear(); set()` wakes a
//! waiter once: the first `set` took it off the line, so the second finds
//! nobody. (An earlier design bumped a generation counter at each `set`
//! and let a waiter compare; the future then had to carry a `u64` beside
//! its key, and the slot was reused as soon as `set` freed it.)
//!
//! # Invariants
//!
//! * Every waiter on the line began waiting while the flag was down.
//! * A granted slot belongs to its future until that future is polled
//!   again or dropped: only the future frees it.
//! * No borrow of the event is held while a waker is woken or dropped:
//!   `set` collects the wakers, lets go of the event, then wakes them. A
//!   waker may call back into the event (even `set` it again) safely.
//!
//! Read next: `event_wait.rs`, the future a waiter awaits.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::event_wait::{EventWait, WaitState};
use super::waiters::Waiters;
use crate::task::Wake;
use crate::trace;
use crate::util::panic;

/// A flag that tasks can wait on; asyncio's `asyncio.Event`.
///
/// The flag starts down. [`set`](Event::set) raises it and wakes every
/// task waiting in [`wait`](Event::wait), oldest first;
/// [`clear`](Event::clear) lowers it; [`is_set`](Event::is_set) reads it.
/// `Event` is a cheap handle: clones are the same event.
///
/// It only uses wakers, so it works under any executor, not just looplet.
///
/// # Examples
///
/// The asyncio tutorial's program: five tasks wait for one event.
///
/// ```
/// use looplet::{Event, ReturnWhen};
///
/// looplet::run(async {
///     let event = Event::new();
///     let tasks: Vec<_> = (0..5)
///         .map(|i| {
///             let event = event.clone();
///             looplet::spawn(async move {
///                 event.wait().await;
///                 i
///             })
///         })
///         .collect();
///     looplet::yield_now().await; // let them start waiting
///     assert!(!tasks[0].is_finished());
///     event.set();
///     let (done, pending) = looplet::wait(tasks, ReturnWhen::AllCompleted).await;
///     assert_eq!((done.len(), pending.len()), (5, 0));
/// });
/// ```
///
/// `Event` is not `Send`: it cannot leave its thread.
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::Event>();
/// ```
///
/// Nor `Sync`: it cannot be shared between threads.
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::Event>();
/// ```
#[derive(Clone, Default)]
#[doc(alias = "asyncio.Event")]
pub struct Event {
    /// The flag and the waiters, shared by every clone.
    pub(super) state: Rc<RefCell<State>>,
}

/// An event's flag and waiters.
#[derive(Default)]
pub(super) struct State {
    /// The flag.
    pub(super) set: bool,
    /// The tasks waiting for the flag, oldest first.
    pub(super) waiters: Waiters,
    /// Memory for the wakers of one `set`, kept between calls.
    pub(super) spare: Vec<Wake>,
    /// Its number in the trace (`event 2`), given the first time a trace
    /// mentions it; 0 until then. Nothing reads it unless tracing.
    pub(super) number: u64,
}

impl Event {
    /// A new event, not set; asyncio's `asyncio.Event()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = looplet::Event::new();
    /// assert!(!event.is_set());
    /// ```
    pub fn new() -> Self {
        Event::default()
    }

    /// The event's number in the trace, handing one out the first time:
    /// called only when tracing, and never with the state borrowed.
    #[cold]
    pub(super) fn number(&self) -> u64 {
        let mut state = self.state.borrow_mut();
        if state.number == 0 {
            state.number = trace::next_number();
        }
        state.number
    }

    /// Whether the flag is set; asyncio's `event.is_set()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = looplet::Event::new();
    /// assert!(!event.is_set());
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.borrow().set
    }

    /// Sets the flag and wakes every task waiting on it, in the order they
    /// began waiting; asyncio's `event.set()`. Does nothing if the flag is
    /// already set.
    ///
    /// Every waiter woken here completes, even if the flag is cleared again
    /// before it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let event = looplet::Event::new();
    ///     let waiter = looplet::spawn({
    ///         let event = event.clone();
    ///         async move { event.wait().await }
    ///     });
    ///     looplet::yield_now().await;
    ///     event.set();
    ///     event.clear(); // too late to stop the waiter: it was released
    ///     waiter.await.unwrap();
    /// });
    /// ```
    #[inline]
    pub fn set(&self) {
        let mut state = self.state.borrow_mut();
        if !state.set && state.waiters.len() == 1 {
            // The hand-off case (one task waiting), inlined: no buffer, and
            // few registers to save (the rest is out of line).
            state.set = true;
            let wake = state.waiters.grant_front().expect("one waiter");
            drop(state); // a waker may use the event
            if trace::tracing() {
                trace::event_set(self.number(), Some(1));
            }
            wake.wake();
            return;
        }
        drop(state);
        self.set_otherwise();
    }

    /// `set` on an event already set, or with no waiter or many.
    #[inline(never)]
    fn set_otherwise(&self) {
        let mut guard = self.state.borrow_mut();
        let state = &mut *guard;
        if state.set {
            drop(guard);
            if trace::tracing() {
                trace::event_set(self.number(), None);
            }
            return;
        }
        state.set = true;
        let waiters = state.waiters.len();
        let mut wakers = std::mem::take(&mut state.spare);
        state.waiters.grant_all_into(&mut wakers);
        drop(guard); // a waker may use the event
        if trace::tracing() {
            trace::event_set(self.number(), Some(waiters));
        }
        // Every waker is off the line now: one that panics must not strand
        // the ones behind it. Its panic goes on once the buffer is back.
        let panic = panic::each_catching(wakers.drain(..), Wake::wake);
        let mut state = self.state.borrow_mut();
        if state.spare.capacity() < wakers.capacity() {
            state.spare = wakers;
        }
        drop(state);
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
    }

    /// Lowers the flag; asyncio's `event.clear()`. Waiters already released
    /// by a `set` still complete.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = looplet::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    #[inline]
    pub fn clear(&self) {
        self.state.borrow_mut().set = false;
        if trace::tracing() {
            trace::event_cleared(self.number());
        }
    }

    /// Waits until the flag is set; asyncio's `await event.wait()`.
    ///
    /// If the flag is already set, the future is ready on its first poll,
    /// without yielding. Otherwise it suspends until a `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let event = looplet::Event::new();
    ///     event.set();
    ///     event.wait().await; // ready at once
    /// });
    /// ```
    ///
    /// The future borrows the event (as tokio's `Notify::notified` does:
    /// an owning future would pay for an `Rc` count change on every wait).
    /// asyncio's `asyncio.create_task(event.wait())` is a task that owns a
    /// clone:
    ///
    /// ```
    /// looplet::run(async {
    ///     let event = looplet::Event::new();
    ///     let waiter = looplet::spawn({
    ///         let event = event.clone();
    ///         async move { event.wait().await }
    ///     });
    ///     looplet::yield_now().await;
    ///     assert!(!waiter.is_finished());
    ///     event.set();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            state: WaitState::Start,
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.state.try_borrow() {
            Ok(state) => f
                .debug_struct("Event")
                .field("set", &state.set)
                .field("waiters", &state.waiters.len())
                .finish(),
            Err(_) => f.write_str("Event { <in use> }"),
        }
    }
}
