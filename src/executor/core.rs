//! The core: everything a runtime owns, behind the one `Rc` that the
//! `Runtime`, the thread-local context, every `JoinHandle` and every
//! `Sleep` share.
//!
//! The core is the shared *state*: the task table, the timers, the
//! narrator, the remote part. The *loop* that drives it (`run_loop.rs`)
//! exists only while a `block_on` runs, and owns what only it uses.
//! Handles and sleeps reach the core through the methods here; none of
//! them runs the loop.
//!
//! # Invariants
//!
//! * No `RefCell` borrow of the table is held while a future is polled, a
//!   waker is woken, or a user value is dropped (see `task/leftovers.rs`).
//! * Once `closed` is set (the runtime is dropped), a spawn is cancelled
//!   before it exists, so destructors that spawn cannot keep a runtime
//!   alive forever. Its future is not dropped inside `spawn` (a destructor
//!   that spawns would then recurse, one stack frame per link of a chain)
//!   but kept in `doomed`, for shutdown's loop to drop one at a time.
//!
//! Read next: `run_loop.rs`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;

use super::context;
use super::park::Parker;
use super::pool::{Job, Pool};
use super::remote::Remote;
use super::task_ref::TaskRef;
use crate::task::{BoxTask, TaskCell, TaskId, TaskKey, TaskTable, Wake, WakeResult};
use crate::timer::clock::Clock;
use crate::timer::driver::{Armed, Driver};
use crate::timer::wheel::TimerKey;
use crate::trace::{Kinds, Narrator, Tracer};
use crate::util::panic::Payload;
use crate::util::stats::Stats;

/// Where a tracing runtime writes.
pub(crate) type TraceOut = Rc<RefCell<dyn Write>>;

/// Everything a runtime owns.
pub(crate) struct Core {
    /// Tasks and the run queue.
    pub(super) table: RefCell<TaskTable<Remote>>,
    /// The clock and the timers.
    pub(super) timers: Driver<Wake>,
    /// This runtime's number on its thread, which task names carry
    /// (`task/named.rs`; handed out by `context::number_runtime`).
    pub(super) number: u32,
    /// The counters, and the tracer when tracing.
    pub(super) narrator: Narrator,
    /// The part other threads may touch: the inbox for their wakes.
    pub(super) remote: Arc<Remote>,
    /// Where the loop sleeps: the thread's park, or (`net`) the reactor.
    pub(super) parker: Parker,
    /// The next task id.
    next_id: Cell<u64>,
    /// Set at shutdown: tasks spawned from then on are cancelled at once.
    closed: Cell<bool>,
    /// The worker threads of `to_thread`.
    pub(super) pool: Pool,
    /// How many of this runtime's tasks await a remote spawn on another
    /// runtime (`handle/remote_join_handle.rs`): like `to_thread` jobs,
    /// work on other threads that the paused clock waits for. Shared with
    /// those handles, which are `Send`.
    abroad: Arc<AtomicUsize>,
    /// Futures spawned during shutdown (in their task boxes, never
    /// polled), cancelled before they existed and waiting to be dropped by
    /// shutdown's loop (`shutdown.rs`), oldest first. Empty while the
    /// runtime is open.
    pub(super) doomed: RefCell<Vec<BoxTask>>,
    /// The names of named tasks whose handle is alive, by slot. Kept
    /// beside the table, not in it, so a slot stays 40 bytes and an
    /// unnamed task never touches this map: its handle knows it has no
    /// name (`TaskRef::named`). The handle removes its entry when dropped.
    pub(super) names: RefCell<HashMap<TaskKey, Rc<str>>>,
}

/// The timers' generator is seeded with the seed xor this, so that the
/// batches and the timers draw from two different sequences.
const TIMER_STREAM: u64 = 0x7469_6d65_7273_2121;

impl Core {
    /// A runtime with no tasks, for the calling thread, on a virtual clock
    /// if `paused`, narrating into `trace` if given (the lines of the kinds
    /// given with it), shuffled with the seed `shuffle` if given, with at
    /// most `max_threads` worker threads for `to_thread`.
    pub(crate) fn new(
        paused: bool,
        trace: Option<(TraceOut, Kinds)>,
        shuffle: Option<u64>,
        max_threads: usize,
    ) -> Self {
        let (parker, unparker) = Parker::new();
        let remote = Arc::new(Remote::new(trace.is_some(), unparker.clone()));
        let clock = Rc::new(Clock::new(paused));
        let tracer = trace.map(|(out, kinds)| Rc::new(Tracer::new(out, clock.clone(), kinds)));
        let narrator = Narrator::new(tracer, paused, shuffle);
        let timers = Driver::new(clock, shuffle.map(|seed| seed ^ TIMER_STREAM));
        narrator.watch(&timers);
        Core {
            table: RefCell::new(TaskTable::new(remote.clone(), shuffle)),
            timers,
            number: context::number_runtime(),
            narrator,
            remote,
            parker,
            next_id: Cell::new(1),
            closed: Cell::new(false),
            pool: Pool::new(max_threads, unparker, paused),
            abroad: Arc::new(AtomicUsize::new(0)),
            doomed: RefCell::new(Vec::new()),
            names: RefCell::new(HashMap::new()),
        }
    }

    /// The counters, and the tracer when tracing.
    #[inline]
    pub(crate) fn narrator(&self) -> &Narrator {
        &self.narrator
    }

    /// The part other threads may touch.
    pub(crate) fn remote(&self) -> &Remote {
        &self.remote
    }

    /// A shared claim on the remote part, for a [`Handle`](crate::Handle).
    pub(crate) fn remote_shared(&self) -> Arc<Remote> {
        self.remote.clone()
    }

    /// The clock and the timers.
    pub(crate) fn timers(&self) -> &Driver<Wake> {
        &self.timers
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.narrator.stats()
    }

    /// How many tasks have a slot, and how many are queued.
    pub(crate) fn task_counts(&self) -> (usize, usize) {
        let table = self.table.borrow();
        (table.len(), table.queued())
    }

    /// Whether the runtime has been shut down (dropped).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Marks the runtime closed (it is being dropped): spawns are
    /// cancelled at once, and wakes from other threads do nothing.
    /// Returns the first panic of a destructor it ran (the remote posts it
    /// dropped).
    pub(super) fn close(&self) -> Option<Payload> {
        self.closed.set(true);
        let panic = self.remote.close();
        self.parker.close();
        panic
    }

    /// Jobs queued or running on the worker threads (for the trace).
    pub(crate) fn thread_jobs(&self) -> usize {
        self.pool.pending()
    }

    /// Work this runtime's tasks wait for on other threads: `to_thread`
    /// jobs, and remote spawns on other runtimes. The paused clock stands
    /// still while there is any.
    pub(crate) fn work_abroad(&self) -> usize {
        self.pool.pending() + self.abroad.load(Ordering::Acquire)
    }

    /// The count of remote spawns on other runtimes that this runtime's
    /// tasks await, for a [`RemoteJoinHandle`](crate::RemoteJoinHandle)
    /// to raise while it waits.
    pub(crate) fn abroad(&self) -> Arc<AtomicUsize> {
        self.abroad.clone()
    }

    /// Runs `job` on one of the runtime's worker threads; gives it back
    /// if the runtime is shut down.
    pub(crate) fn run_on_thread(&self, job: Job) -> Result<(), Job> {
        self.pool.submit(job)
    }

    /// A hash of the order every turn polled its batch in, on a shuffled
    /// runtime: two runs with the same fingerprint ran the same schedule.
    pub(crate) fn schedule_fingerprint(&self) -> Option<u64> {
        self.table.borrow().fingerprint()
    }

    /// Hands out the next task id (also the number of a `to_thread` job).
    pub(crate) fn next_id(&self) -> TaskId {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        TaskId(id)
    }

    /// Spawns `future` as a task (edge 1), called `name` in the trace if
    /// it has one, and returns the handle's claim on its slot.
    pub(crate) fn spawn<F>(self: Rc<Self>, future: F, name: Option<&str>) -> TaskRef
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.next_id();
        // Boxed before anything else, so the future is copied once, into
        // its box, instead of kept on the stack across the check below and
        // copied again. Callgrind on `benches/examples/scaling.rs` (100,000
        // tasks, per element): `timers_cancel`, whose future is 200 bytes,
        // 2,904 → 2,835 instructions; `event_fanout` 1,889 → 1,873.
        let cell: BoxTask = Box::pin(TaskCell::new(future));
        if self.closed.get() {
            self.narrator.spawned_during_shutdown(id, name);
            let key = self.table.borrow_mut().spawn_cancelled(id);
            // Dropped later by shutdown's loop, not here: its destructor may
            // spawn again, and dropping it here would recurse.
            self.doomed.borrow_mut().push(cell);
            return TaskRef::new(self, key, name);
        }
        let key = self.table.borrow_mut().spawn(id, Some(cell));
        self.narrator.spawned(id, name);
        TaskRef::new(self, key, name)
    }

    /// Wakes task `(key, id)` in the table (edges 4 and 5); the caller
    /// counts and narrates it.
    ///
    /// Always inlined into `Remote::schedule`, every local wake's path: with
    /// the run queue's push inlined (`util/ring.rs`), the compiler left this
    /// as a call of its own, and `ping_pong` ran the same instructions as
    /// before (1,256 per round trip) instead of 1,226.
    #[inline(always)]
    pub(super) fn wake(&self, key: TaskKey, id: TaskId) -> WakeResult {
        self.table.borrow_mut().wake(key, id)
    }

    /// Arms a timer for `deadline` that wakes whoever `waker` wakes (the
    /// task being polled, by name, if it is its waker: `task/named.rs`),
    /// placed among equal deadlines by `order` (see `Driver::next_order`).
    pub(crate) fn arm_timer(&self, deadline: u64, order: u64, waker: &Waker) -> Armed {
        // A clone of the waker runs the waker's own code, which may panic:
        // count the timer only once it is armed.
        let wakes = Wake::of(waker);
        let armed = self.timers.arm(deadline, order, wakes);
        self.narrator.timer_armed(armed.key, deadline, &self.timers);
        armed
    }

    /// Points the armed timer `key` at whoever `waker` wakes, unless it
    /// wakes them already. `false` if the timer is no longer armed (it
    /// fired).
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        let replaced =
            self.timers
                .update(key, |wakes| wakes.wakes_alike(waker), || Wake::of(waker));
        replaced.is_some()
    }

    /// Disarms the timer `key`, if it is still armed.
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let wakes = self.timers.cancel(key);
        if wakes.is_some() {
            self.narrator.timer_cancelled(key);
        }
        drop(wakes);
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use futures_task::{ArcWake, waker};

    use crate::task::Wake;

    struct Nobody;

    impl ArcWake for Nobody {
        fn wake_by_ref(_: &Arc<Self>) {}
    }

    /// The loop records the very waker it hands each poll, so a sleep
    /// polled by its task finds it however many addresses the waker's
    /// vtable has (a first try at naming, comparing with a vtable taken
    /// elsewhere, never matched).
    #[test]
    fn a_sleep_polled_by_its_task_names_the_task_and_one_polled_otherwise_keeps_the_waker() {
        crate::Builder::new()
            .start_paused(true)
            .build()
            .block_on(async {
                let mut own = pin!(crate::sleep(Duration::from_secs(1)));
                let mut other = pin!(crate::sleep(Duration::from_secs(2)));
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
                let timers = super::super::current("test").timers().drain();
                assert!(
                    matches!(timers[..], [Wake::Task(..), Wake::Waker(_)]),
                    "{timers:?}"
                );
            });
    }
}
