//! Runtime counters: what the executor did, for users, tests and benches.
//!
//! The counters are plain `Cell<u64>`s bumped on the executor's thread: no
//! atomics, a few instructions each. [`Stats`] is a copy of them at one
//! moment; subtract two copies to measure a stretch of work.
//!
//! Only the narrator (`trace/narrator.rs`) bumps them, in the same call that
//! narrates the step being counted, so a count and its trace line cannot
//! disagree.
//!
//! Read next: `task/` (what the counters count).

use std::cell::Cell;

/// Declares each counter once: the public [`Stats`] field (with its doc),
/// the `Cell` inside the runtime, and the copy between them.
macro_rules! counters {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// A snapshot of a runtime's counters, from [`Runtime::stats`] or,
        /// inside a running runtime, [`stats`].
        ///
        /// The main future of a `block_on` is not counted as a task, but its
        /// polls and wakes are counted like any other.
        ///
        /// [`Runtime::stats`]: crate::Runtime::stats
        /// [`stats`]: crate::stats()
        ///
        /// # Examples
        ///
        /// ```
        /// looplet::run(async {
        ///     looplet::spawn(async {}).await.unwrap();
        ///     let stats = looplet::stats();
        ///     assert_eq!(stats.tasks_spawned, 1);
        ///     assert_eq!(stats.tasks_completed, 1);
        /// });
        /// ```
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct Stats {
            $($(#[doc = $doc])* pub $name: u64,)*
            /// The seed the runtime shuffles its schedule with
            /// ([`Builder::shuffle`](crate::Builder::shuffle) or
            /// `LOOPLET_SHUFFLE`); `None` for the default FIFO order.
            pub shuffle_seed: Option<u64>,
        }

        /// The live counters inside a runtime.
        #[derive(Debug, Default)]
        pub(crate) struct Counters {
            $($(#[doc = $doc])* pub(crate) $name: Cell<u64>,)*
        }

        impl Counters {
            /// A copy of the counters now, for a runtime shuffled with
            /// `shuffle_seed` if it is.
            pub(crate) fn snapshot(&self, shuffle_seed: Option<u64>) -> Stats {
                Stats { $($name: self.$name.get(),)* shuffle_seed }
            }
        }
    };
}

counters! {
    /// Tasks spawned with [`spawn`](crate::spawn).
    tasks_spawned,
    /// Tasks whose future returned.
    tasks_completed,
    /// Tasks cancelled, through their handle or at shutdown.
    tasks_cancelled,
    /// Tasks whose future panicked.
    tasks_panicked,
    /// Polls of a task or main future.
    polls,
    /// Wakes on the executor's own thread while it ran.
    wakes_local,
    /// Wakes that came through the inbox (another thread, or this thread
    /// while the runtime was not running). A task is in the inbox at most
    /// once, so this counts posts: wakes that found their task already
    /// posted are folded into that post on the waking thread, uncounted.
    wakes_remote,
    /// Wakes that found their task already queued (or already woken during
    /// its poll), so queued nothing.
    wakes_deduplicated,
    /// Timers put in the wheel.
    timers_armed,
    /// Timers that reached their deadline.
    timers_fired,
    /// Timers taken out of the wheel before their deadline.
    timers_cancelled,
    /// Turns of the loop (batches).
    turns,
    /// Times the thread parked (or, with a paused clock, jumped the clock).
    parks,
    /// Wakes made by the reactor (feature `net`): a socket became ready
    /// and its waiting task was woken. Not counted in `wakes_local`,
    /// though they happen on the executor's thread. Always 0 without
    /// `net`.
    wakes_io,
    /// Parks spent in the reactor's selector (feature `net`), waiting for
    /// I/O, a timer or a wake; also counted in `parks`. Always 0 without
    /// `net`, and 0 with it while no socket is registered (the thread
    /// parks as it does without the feature).
    parks_in_reactor,
    /// Looks at the reactor without blocking because tasks kept the loop
    /// busy for `BUSY_POLL_INTERVAL` (61) turns (feature `net`).
    reactor_busy_polls,
}

impl Stats {
    /// Timers armed and not yet fired or cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// looplet::Builder::new().start_paused(true).build().block_on(async {
    ///     let _ = looplet::timeout(Duration::from_secs(1), looplet::yield_now()).await;
    ///     assert_eq!(looplet::stats().timers_live(), 0);
    /// });
    /// ```
    pub fn timers_live(&self) -> u64 {
        self.timers_armed - self.timers_fired - self.timers_cancelled
    }
}

/// Adds `n` to a counter.
pub(crate) fn add(counter: &Cell<u64>, n: u64) {
    counter.set(counter.get() + n);
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &Cell<u64>) {
    add(counter, 1);
}
