//! Steps 2 to 4 of a turn, between two batches: the inbox, the timers,
//! and the park when nothing is ready (`run_loop.rs` has the turn and its
//! order). Each step is one cheap test inlined into the loop, with the
//! work itself out of line.
//!
//! # Invariants
//!
//! * No step runs while a task is being polled: wakes they deliver queue
//!   behind the batch that just ran.
//! * A cross-thread wake is never lost between the last look at the inbox
//!   and the park (the handshake in `park` and `remote.rs`).
//!
//! Read next: `task_ref.rs`.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::context;
use super::core::Core;
use super::remote::{KEPT_CAPACITY, Post, RemoteJob, RemoteWake};
use super::run_loop::Loop;
use crate::task::{TaskName, Wake};
use crate::timer::idle::{DEADLOCK_GRACE, Idle};
use crate::timer::wheel::Fired;
use crate::trace::Via;
use crate::util::warm::warm;

impl Loop<'_> {
    /// Step 2 of a turn: moves cross-thread wakes into the run queue.
    #[inline]
    pub(super) fn drain_inbox(&mut self) {
        if self.core.remote.is_notified() {
            self.drain_inbox_now();
        }
    }

    /// The inbox has something: move it into the run queue.
    #[cold]
    fn drain_inbox_now(&mut self) {
        let (core, shared) = (self.core, self.shared);
        core.remote.drain_into(&mut self.drained);
        for post in self.drained.drain(..) {
            match post {
                Post::Wake(RemoteWake { waker, from }) => {
                    // Cleared before the task is made runnable, so a wake
                    // from now on posts again (see `remote.rs`).
                    let (key, id) = waker.leave_inbox();
                    let result = core.wake(key, id);
                    core.narrator.woken(id, result, Via::Inbox(from));
                }
                // Both run user code that may panic beyond what they catch
                // themselves (a destructor of the recipe's captures, of a
                // cancelled future, a waker). The panic hook has reported
                // it; it must neither leave `block_on` nor strand the
                // posts after it in this batch (a wake left undelivered
                // would keep its task's `in_inbox` set for ever).
                Post::Spawn(mut spawn) => {
                    core.narrator.remote_spawn(spawn.from.take());
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| spawn.deliver(shared)));
                }
                Post::Run(RemoteJob(job)) => {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| job(shared)));
                }
            }
        }
        if self.drained.capacity() > KEPT_CAPACITY {
            // A storm's peak is not kept for the life of the runtime.
            self.drained = Vec::new();
        }
    }

    /// Step 3 of a turn: wakes whoever waits on a timer that is due.
    ///
    /// A timer's waker may be foreign code (a `Sleep` polled by hand, or by
    /// another executor) that panics. Then every other due timer is still
    /// woken, the counters and the trace are put straight, and only then
    /// does the first panic go on, out of `block_on`.
    #[inline]
    pub(super) fn fire_timers(&self) {
        if !self.core.timers.is_empty() {
            self.fire_due_timers();
        }
    }

    /// Timers are armed: fire those that are due.
    fn fire_due_timers(&self) {
        let core = self.core;
        // Timers fire in deadline order, which has nothing to do with where
        // their tasks live: every wake would miss the cache on the task's
        // slot, and its poll on the task's cell, one after another. Each
        // chunk of due timers reads both first (`util/warm.rs`).
        let warm_tasks = |due: &[Fired<Wake>]| {
            let table = core.table.borrow();
            warm(due.iter(), |timer| {
                own_task(core, &timer.value).is_some_and(|name| table.touch(name.key))
            });
        };
        let report = core.timers.fire(warm_tasks, |timer| {
            core.narrator.timer_fires(&timer, &core.timers);
            match own_task(core, &timer.value) {
                // Queued here and now, counted and narrated as the local
                // wake its waker would have made (`task/named.rs`).
                Some(name) => context::wake_here(core, name.key, name.id),
                None => timer.value.wake(),
            }
        });
        core.narrator.timers_fired(&report, &core.timers);
        if let Some(payload) = report.panic {
            panic::resume_unwind(payload);
        }
    }

    /// Step 4: nothing is ready. Carries out the driver's idle plan: sleep
    /// until the next deadline or a cross-thread wake, jump the virtual
    /// clock, or report a deadlock.
    pub(super) fn park(&self) {
        let core = self.core;
        // A remote waker pushes to the inbox, sets `notified`, then unparks
        // this thread. Checking the flag here is the last look before
        // sleeping: a wake that lands after it also unparks after it, and
        // `park` returns at once on a pending unpark. See `remote.rs`.
        if core.remote.is_notified() {
            return;
        }
        // The paused clock jumps only if no socket is ready (`park.rs`).
        if core.timers.clock.is_paused() && core.parker.poll_now(core) {
            return;
        }
        let sockets = core.parker.sockets();
        let plan = core.timers.idle(core.work_abroad()).with_io(sockets);
        core.narrator.idle(plan, sockets);
        match plan {
            Idle::Due => {}
            Idle::Sleep { nanos } => core.parker.park(core, Some(Duration::from_nanos(nanos))),
            Idle::UntilWoken | Idle::WaitForThreads { .. } | Idle::WaitForIo { .. } => {
                core.parker.park(core, None);
            }
            Idle::Jump { to, .. } => core.timers.clock.advance_to(to),
            Idle::Deadlock => self.grace(),
        }
    }

    /// A paused runtime has nothing left to do: no task is ready, no timer
    /// is armed, no `to_thread` job is out. A waker may still be with a
    /// thread looplet does not know of, about to wake it (a `std::thread`
    /// answering a request, a foreign reactor), so wait up to
    /// [`DEADLOCK_GRACE`] of real time for anything to arrive in the
    /// inbox; only then report a deadlock.
    #[cold]
    fn grace(&self) {
        let core = self.core;
        let until = Instant::now() + DEADLOCK_GRACE;
        loop {
            // Same handshake as `park`: the flag is set before the unpark.
            if core.remote.is_notified() || core.work_abroad() > 0 {
                return;
            }
            let now = Instant::now();
            if now >= until {
                break;
            }
            core.parker.park(core, Some(until - now));
        }
        panic!(
            "looplet deadlock: no task can run, no timer is armed, and the clock is paused \
             (`Builder::start_paused`), and no wake came from another thread within {} ms; a \
             task is probably waiting for an event nobody sets, a handle that never finishes, \
             or a wake from a thread or from I/O that looplet does not know of (use \
             `looplet::to_thread` for blocking work)",
            DEADLOCK_GRACE.as_millis()
        )
    }
}

/// The task `wake` names, if it is one of `core`'s: a timer's `Wake` that
/// the loop queues itself rather than through another runtime or a waker.
#[inline]
fn own_task(core: &Core, wake: &Wake) -> Option<TaskName> {
    match wake {
        Wake::Task(name) if name.runtime == core.number => Some(*name),
        _ => None,
    }
}
