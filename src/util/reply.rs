//! A one-shot reply from one thread to another: the slot where a result
//! made on one thread waits for whoever wants it on another.
//!
//! Two features of looplet hand work across threads and wait for its
//! result: `to_thread` (a closure runs on a worker thread; a task awaits
//! it) and a remote spawn (a closure sent by another thread runs on the
//! runtime's thread; that thread awaits it, or blocks for it). Both need
//! the same small thing, so it lives here once:
//!
//! * a [`Slot`] behind an `Arc`, which both sides share: the result when
//!   it has come, the waker of a task awaiting it, a condition variable
//!   for a plain thread blocking on it, and a cancel flag going the
//!   other way;
//! * a [`Reply`], the producer's end. Sending consumes the reply; a reply
//!   dropped unsent (its job was dropped without running, say because the
//!   runtime shut down) says so with [`Ended::Dropped`], so nobody waits
//!   forever for a result that will never come.
//!
//! # Invariants
//!
//! * The slot is filled at most once: by [`Reply::send`], or by the
//!   reply's drop if it was never sent.
//! * No waker is woken, cloned or dropped while the lock is held: those
//!   run foreign code, which could take the lock again.
//!
//! This is a `Mutex` and a `Condvar`, not a lock-free cell: a reply
//! crosses threads once per job, so a lock costs little, and it is the
//! version a reader can check by eye. (tokio's `oneshot` packs the same
//! states into one atomic word, with unsafe code.)
//!
//! Read next: `stats.rs`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::panic::Payload;

/// How a job ended.
#[derive(Debug)]
pub(crate) enum Ended<T> {
    /// It ran: its output, or its panic.
    Ran(Result<T, Payload>),
    /// It was dropped without running to its end (cancelled, or its
    /// runtime shut down first).
    Dropped,
}

/// What [`Slot::cancel`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The job had already ended: nothing to cancel.
    TooLate,
    /// The first request: the caller delivers it.
    New,
    /// Asked before: already on its way.
    Repeated,
}

/// Where a result waits; shared by its [`Reply`] and its receiver.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    /// The result and both sides' wakers.
    state: Mutex<State<T>>,
    /// Signalled when the result arrives, for [`Slot::wait`].
    arrived: Condvar,
    /// The number the job goes by (a task id), once known; 0 before.
    id: AtomicU64,
    /// Where the job runs (a task's slot in its runtime), once known.
    place: AtomicU32,
}

/// A slot's contents.
#[derive(Debug)]
struct State<T> {
    /// How the job ended, once it has, until the receiver takes it.
    ended: Option<Ended<T>>,
    /// Whether the receiver has taken the result.
    taken: bool,
    /// The task awaiting the result.
    awaiter: Option<Waker>,
    /// Whether the receiver asked the producer to stop.
    cancel: bool,
    /// Threads blocked in [`Slot::wait`]: the condition variable is
    /// signalled only when there are some, since a signal is a system
    /// call even when nobody waits (std's futex `Condvar`). Measured on
    /// 100,000 remote spawns: skipping it saved about 0.1 µs per spawn.
    blocked: usize,
}

impl<T> Slot<T> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        Slot {
            state: Mutex::new(State {
                ended: None,
                taken: false,
                awaiter: None,
                cancel: false,
                blocked: 0,
            }),
            arrived: Condvar::new(),
            id: AtomicU64::new(0),
            place: AtomicU32::new(0),
        }
    }

    /// The contents, even if poisoned (nothing panics while holding it).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the number the job goes by and where it runs. Written
    /// once, on the thread that runs the job, before anything reads them
    /// there; other threads read only the id, after the result came
    /// (which the lock orders).
    pub(crate) fn set_id(&self, id: u64, place: u32) {
        self.id.store(id, Ordering::Relaxed);
        self.place.store(place, Ordering::Relaxed);
    }

    /// Where the job runs, as recorded by [`Slot::set_id`].
    pub(crate) fn place(&self) -> u32 {
        self.place.load(Ordering::Relaxed)
    }

    /// The number the job goes by, or 0 if it never got one.
    pub(crate) fn id(&self) -> u64 {
        self.id.load(Ordering::Relaxed)
    }

    /// Takes the result if it has come; otherwise remembers `cx`'s waker
    /// to wake when it does.
    ///
    /// # Panics
    ///
    /// If the result was already taken: `api` names the future polled
    /// after it completed.
    #[track_caller]
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>, api: &str) -> Poll<Ended<T>> {
        // Cloned with no lock held: a clone runs the waker's own code.
        let waker = cx.waker().clone();
        let mut state = self.lock();
        if let Some(ended) = state.ended.take() {
            state.taken = true;
            return Poll::Ready(ended);
        }
        assert!(!state.taken, "`{api}` polled after it completed");
        let old = state.awaiter.replace(waker);
        drop(state);
        drop(old);
        Poll::Pending
    }

    /// Blocks the calling thread until the result comes, and takes it.
    ///
    /// # Panics
    ///
    /// If the result was already taken: `api` names the caller.
    #[track_caller]
    pub(crate) fn wait(&self, api: &str) -> Ended<T> {
        let mut state = self.lock();
        loop {
            if let Some(ended) = state.ended.take() {
                state.taken = true;
                return ended;
            }
            assert!(!state.taken, "`{api}` called after the result was taken");
            state.blocked += 1;
            state = self
                .arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.blocked -= 1;
        }
    }

    /// Whether the job has ended (its result may have been taken since).
    pub(crate) fn is_done(&self) -> bool {
        let state = self.lock();
        state.ended.is_some() || state.taken
    }

    /// Ends the job with `ended`, waking whoever waits (for a producer
    /// that keeps the slot itself rather than a [`Reply`]).
    pub(crate) fn end(&self, ended: Ended<T>) {
        fill(self, ended);
    }

    /// Asks the producer to stop: sets the flag [`Slot::cancel_requested`]
    /// reads. (Delivering the request is the caller's business, once:
    /// [`Cancel::New`] says this call is the first.)
    pub(crate) fn cancel(&self) -> Cancel {
        let mut state = self.lock();
        if state.ended.is_some() || state.taken {
            return Cancel::TooLate;
        }
        if std::mem::replace(&mut state.cancel, true) {
            Cancel::Repeated
        } else {
            Cancel::New
        }
    }

    /// Whether the receiver asked the producer to stop.
    pub(crate) fn cancel_requested(&self) -> bool {
        self.lock().cancel
    }
}

/// Something that holds a [`Slot`]: the slot itself, or a larger value
/// that keeps one inside so that the two share one allocation (a remote
/// spawn keeps its recipe beside its slot, `handle/mod.rs`).
pub(crate) trait HoldsSlot<T>: Send + Sync {
    /// The slot.
    fn slot(&self) -> &Slot<T>;
}

impl<T: Send> HoldsSlot<T> for Slot<T> {
    fn slot(&self) -> &Slot<T> {
        self
    }
}

/// The producer's end of a [`Slot`]: sends the result once, or reports
/// [`Ended::Dropped`] when dropped unsent.
pub(crate) struct Reply<T: 'static>(Option<Arc<dyn HoldsSlot<T>>>);

impl<T> Reply<T> {
    /// The producer's end of the slot `holder` holds.
    pub(crate) fn new(holder: Arc<dyn HoldsSlot<T>>) -> Self {
        Reply(Some(holder))
    }

    /// Stores how the job ended, and wakes whoever waits for it.
    pub(crate) fn send(mut self, ended: Ended<T>) {
        if let Some(holder) = self.0.take() {
            fill(holder.slot(), ended);
        }
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if let Some(holder) = self.0.take() {
            fill(holder.slot(), Ended::Dropped);
        }
    }
}

/// Fills `slot` with `ended`, then wakes its awaiter and any blocked
/// thread, with the lock released.
fn fill<T>(slot: &Slot<T>, ended: Ended<T>) {
    let (awaiter, blocked) = {
        let mut state = slot.lock();
        state.ended = Some(ended);
        (state.awaiter.take(), state.blocked)
    };
    if blocked > 0 {
        slot.arrived.notify_all();
    }
    if let Some(awaiter) = awaiter {
        awaiter.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn a_sent_result_is_taken_once() {
        let slot = Arc::new(Slot::<u8>::new());
        Reply::new(slot.clone()).send(Ended::Ran(Ok(3)));
        assert!(slot.is_done());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(
            slot.poll_take(&mut cx, "test"),
            Poll::Ready(Ended::Ran(Ok(3)))
        ));
        assert!(slot.is_done());
    }

    #[test]
    fn a_reply_dropped_unsent_reports_dropped() {
        let slot = Arc::new(Slot::<u8>::new());
        drop(Reply::new(slot.clone()));
        assert!(matches!(slot.wait("test"), Ended::Dropped));
    }

    #[test]
    fn wait_blocks_until_another_thread_sends() {
        let slot = Arc::new(Slot::<u8>::new());
        let reply = Reply::new(slot.clone());
        let sender = std::thread::spawn(move || reply.send(Ended::Ran(Ok(9))));
        assert!(matches!(slot.wait("test"), Ended::Ran(Ok(9))));
        sender.join().unwrap();
    }

    #[test]
    fn cancel_is_refused_once_the_job_ended() {
        let slot = Arc::new(Slot::<u8>::new());
        assert!(!slot.cancel_requested());
        assert_eq!(slot.cancel(), Cancel::New);
        assert_eq!(slot.cancel(), Cancel::Repeated);
        assert!(slot.cancel_requested());
        Reply::new(slot.clone()).send(Ended::Ran(Ok(1)));
        assert_eq!(slot.cancel(), Cancel::TooLate);
    }

    #[test]
    #[should_panic(expected = "`test` polled after it completed")]
    fn polling_after_the_result_was_taken_panics() {
        let slot = Arc::new(Slot::<u8>::new());
        Reply::new(slot.clone()).send(Ended::Ran(Ok(3)));
        let mut cx = Context::from_waker(Waker::noop());
        let _ = slot.poll_take(&mut cx, "test");
        let _ = slot.poll_take(&mut cx, "test");
    }
}
