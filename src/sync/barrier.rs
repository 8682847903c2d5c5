//! [`Barrier`]: asyncio's `asyncio.Barrier`, where `parties` tasks wait
//! for each other, and [`BrokenBarrier`], its error. The future of
//! [`Barrier::wait`], [`BarrierWait`], is in `barrier_wait.rs`.
//!
//! A barrier goes through cycles. While *filling*, arriving tasks take an
//! index and wait in `arrived`; the last arrival releases them all
//! (granting each, [`Waiters::grant_front`]) and the barrier is
//! *draining* until every released task has left (returned, or been
//! dropped). Tasks arriving while it drains, or while a `reset` is
//! resetting it, wait in `next` for the next filling cycle. `abort`
//! breaks it until `reset`.
//!
//! # Invariants
//!
//! * `count` is the number of tasks inside the current cycle: arrived and
//!   not yet left.
//! * Nobody waits in `arrived` unless the barrier is filling, resetting
//!   or broken with their grants pending; nobody waits in `next` while it
//!   is filling.
//! * No borrow of the state is held while a waker is woken or dropped.
//!
//! Read next: `barrier_wait.rs`.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use super::barrier_wait::{BarrierWait, Step};
use super::waiters::Waiters;
use crate::task::Wake;
use crate::trace;

/// A meeting point for `parties` tasks; asyncio's `asyncio.Barrier`.
///
/// Each task calls [`wait`](Barrier::wait); the call returns once
/// `parties` tasks have arrived, giving each its arrival index
/// `0..parties`. The barrier is then reused for the next cycle.
/// `Barrier` is a cheap handle: clones are the same barrier.
///
/// # Examples
///
/// ```
/// use looplet::sync::Barrier;
///
/// looplet::run(async {
///     let barrier = Barrier::new(3);
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             looplet::spawn(async move { barrier.wait().await.unwrap() })
///         })
///         .collect();
///     let mut indexes: Vec<usize> = looplet::gather(tasks)
///         .await
///         .into_iter()
///         .map(Result::unwrap)
///         .collect();
///     indexes.sort();
///     assert_eq!(indexes, [0, 1, 2]);
/// });
/// ```
///
/// `Barrier` is neither `Send` nor `Sync`:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::sync::Barrier>();
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::sync::Barrier>();
/// ```
#[derive(Clone)]
#[doc(alias = "asyncio.Barrier")]
pub struct Barrier {
    /// The state, shared by every clone.
    pub(super) state: Rc<RefCell<State>>,
}

/// Where a barrier is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Tasks arrive.
    Filling,
    /// Released: the released tasks are leaving.
    Draining,
    /// `reset` with tasks inside: they leave with `BrokenBarrier`.
    Resetting,
    /// `abort`ed: every wait fails until `reset`.
    Broken,
}

/// A barrier's state.
pub(super) struct State {
    /// How many tasks a cycle needs.
    pub(super) parties: usize,
    /// The cycle's phase.
    pub(super) phase: Phase,
    /// Tasks inside the current cycle (arrived, not yet left).
    pub(super) count: usize,
    /// Tasks that arrived in this cycle, waiting for the last one.
    pub(super) arrived: Waiters,
    /// Tasks waiting for the next filling cycle.
    pub(super) next: Waiters,
    /// Its name in trace lines: `barrier 6`.
    pub(super) label: trace::Label,
}

impl State {
    /// Grants everyone in `arrived` (oldest first) into `out`.
    pub(super) fn release_arrived(&mut self, out: &mut Vec<Wake>) {
        while let Some(waker) = self.arrived.grant_front() {
            out.push(waker);
        }
    }

    /// A task left the cycle: when the last one has, the barrier fills
    /// again and the tasks waiting for it are let in.
    pub(super) fn leave(&mut self, out: &mut Vec<Wake>) {
        self.count -= 1;
        if self.count == 0 && matches!(self.phase, Phase::Draining | Phase::Resetting) {
            self.phase = Phase::Filling;
            while let Some(waker) = self.next.grant_front() {
                out.push(waker);
            }
        }
    }
}

/// The barrier's name for the trace, when tracing and `wakers` is not
/// empty: taken while the state is borrowed, for [`wake_all`] after.
pub(super) fn trace_label(state: &State, wakers: &[Wake]) -> Option<String> {
    (trace::tracing() && !wakers.is_empty()).then(|| state.label.to_string())
}

/// Wakes `wakers` (call with no borrow held), narrating it on `label`'s
/// trace.
pub(super) fn wake_all(wakers: Vec<Wake>, label: Option<String>) {
    if let Some(label) = label {
        let n = wakers.len();
        trace::sync_granted(&label, format_args!("lets {n} waiter(s) through"));
    }
    wakers.into_iter().for_each(Wake::wake);
}

impl Barrier {
    /// A barrier for `parties` tasks; asyncio's `asyncio.Barrier(parties)`.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 (asyncio's `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = looplet::sync::Barrier::new(2);
    /// assert_eq!(barrier.parties(), 2);
    /// ```
    pub fn new(parties: usize) -> Self {
        assert!(
            parties > 0,
            "`Barrier::new` called with 0 parties; a barrier needs at least 1"
        );
        Barrier {
            state: Rc::new(RefCell::new(State {
                parties,
                phase: Phase::Filling,
                count: 0,
                arrived: Waiters::default(),
                next: Waiters::default(),
                label: trace::Label::new("barrier"),
            })),
        }
    }

    /// Waits until `parties` tasks have called `wait`; asyncio's
    /// `await barrier.wait()`. Returns this task's arrival index, or
    /// [`BrokenBarrier`] if the barrier is reset or aborted meanwhile (or
    /// was broken already).
    ///
    /// As in asyncio, the index is the number of tasks inside the cycle
    /// when this one arrived: the last arrival gets `parties - 1`, and
    /// after a waiter of the cycle was dropped two tasks may share one.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let barrier = looplet::sync::Barrier::new(1);
    ///     assert_eq!(barrier.wait().await, Ok(0)); // one party: at once
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait::new(self, Step::Start)
    }

    /// Returns the barrier to empty and usable; asyncio's
    /// `await barrier.reset()`. Tasks waiting in it fail with
    /// [`BrokenBarrier`]; a broken barrier is mended.
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = looplet::sync::Barrier::new(2);
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.is_broken());
    /// ```
    pub fn reset(&self) {
        let mut wakers = Vec::new();
        let mut state = self.state.borrow_mut();
        if state.count > 0 {
            state.phase = Phase::Resetting;
            state.release_arrived(&mut wakers);
        } else {
            state.phase = Phase::Filling;
            while let Some(waker) = state.next.grant_front() {
                wakers.push(waker);
            }
        }
        let label = trace_label(&state, &wakers);
        drop(state);
        wake_all(wakers, label);
    }

    /// Breaks the barrier; asyncio's `await barrier.abort()`. Every task
    /// waiting, and every later `wait`, fails with [`BrokenBarrier`] until
    /// [`reset`](Barrier::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let barrier = looplet::sync::Barrier::new(2);
    ///     barrier.abort();
    ///     assert!(barrier.is_broken());
    ///     assert!(barrier.wait().await.is_err());
    /// });
    /// ```
    pub fn abort(&self) {
        let mut wakers = Vec::new();
        let mut state = self.state.borrow_mut();
        state.phase = Phase::Broken;
        state.release_arrived(&mut wakers);
        while let Some(waker) = state.next.grant_front() {
            wakers.push(waker);
        }
        let label = trace_label(&state, &wakers);
        drop(state);
        wake_all(wakers, label);
    }

    /// How many tasks a cycle needs; asyncio's `parties`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(looplet::sync::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.state.borrow().parties
    }

    /// How many tasks wait in the cycle now filling; asyncio's
    /// `n_waiting`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(looplet::sync::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = self.state.borrow();
        if state.phase == Phase::Filling {
            state.count
        } else {
            0
        }
    }

    /// Whether the barrier is broken; asyncio's `broken`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!looplet::sync::Barrier::new(1).is_broken());
    /// ```
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> bool {
        self.state.borrow().phase == Phase::Broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(state) = self.state.try_borrow() else {
            return f.write_str("Barrier { <in use> }");
        };
        f.debug_struct("Barrier")
            .field("parties", &state.parties)
            .field("phase", &state.phase)
            .field("count", &state.count)
            .field("waiters", &(state.arrived.len() + state.next.len()))
            .finish()
    }
}

/// The error of a [`Barrier::wait`] on a barrier reset or aborted;
/// asyncio's `BrokenBarrierError`.
///
/// # Examples
///
/// ```
/// let err = looplet::sync::BrokenBarrier;
/// assert_eq!(err.to_string(), "the barrier is broken or was reset");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "BrokenBarrierError")]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken or was reset")
    }
}

impl Error for BrokenBarrier {}
