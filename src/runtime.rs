//! The runtime: building it, the loop that drives its tasks, parking, and
//! shutting down.
//!
//! # One turn of the loop
//!
//! 1. **Batch.** Count the run queue, then pop and poll exactly that many
//!    entries. A task woken during the batch (even by itself) goes to the
//!    back and waits for the next turn, so no task can starve the others.
//!    When the entry is `block_on`'s main future and it returns `Ready`,
//!    `block_on` returns.
//! 2. **Inbox.** Move wakes that came from other threads into the queue.
//! 3. **Timers.** Read the clock once and wake every timer whose deadline
//!    has passed, earliest first: those tasks queue behind the work that
//!    was already ready.
//! 4. **Park** if the queue is still empty: until the next timer deadline
//!    or a cross-thread wake. On a paused clock, jump the clock to the next
//!    deadline instead.
//!
//! The main future of a `block_on` takes part in the queue like any task
//! (it has a slot; only its future stays on the caller's stack), which is
//! what gives asyncio's ordering: `yield_now()` in main lets every task
//! queued before it run first.
//!
//! # Invariants
//!
//! * No `RefCell` borrow is held while a future is polled, a waker is
//!   woken, or a user value is dropped (see [`Leftovers`]).
//! * A panic inside a task is caught and becomes that task's result; a
//!   panic inside main propagates out of `block_on` (guards put the thread
//!   and the runtime back in order first).
//!
//! [`Leftovers`]: crate::task::Leftovers
//!
//! Read next: `task.rs` for the bookkeeping, `waker.rs` for wakes.

use std::any::Any;
use std::cell::{Cell, RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_task::waker_ref;

use crate::context;
use crate::join::JoinHandle;
use crate::stats::{self, Counters, Stats};
use crate::task::{
    AfterPoll, Begin, Cancel, PollResult, Polling, Scheduler, TaskCell, TaskId, WakeResult,
};
use crate::time::driver::{Armed, Driver};
use crate::time::wheel::TimerKey;
use crate::waker::Shared;

/// Configures and builds a [`Runtime`]; asyncio's loop with options.
///
/// # Examples
///
/// ```
/// let rt = looplet::Builder::new().start_paused(true).build();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    /// Run on a virtual clock that jumps to the next deadline when idle.
    start_paused: bool,
}

impl Builder {
    /// A builder with the default options: the real clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// # drop(rt);
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Runs the runtime on a virtual clock that starts at the real time and
    /// only moves when no task is ready: then it jumps straight to the next
    /// timer's deadline. Tests and demos with long sleeps finish at once and
    /// give the same order every run. See [`crate::time`] for what happens
    /// when nothing is ready and no timer is armed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = looplet::Builder::new().start_paused(true).build();
    /// let wall = Instant::now();
    /// rt.block_on(async { looplet::sleep(Duration::from_secs(86_400)).await }); // a day
    /// assert!(wall.elapsed() < Duration::from_secs(1));
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.start_paused = paused;
        self
    }

    /// Builds the runtime. It runs on the calling thread, which is the only
    /// thread it can be used from (`Runtime` is `!Send`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// rt.block_on(async {});
    /// ```
    pub fn build(&self) -> Runtime {
        Runtime {
            inner: Rc::new(Inner::new(self)),
        }
    }
}

/// A single-threaded executor; drive it with [`Runtime::block_on`].
///
/// Tasks live as long as the runtime: a task spawned during one `block_on`
/// and not finished by the time it returns makes progress during the next
/// one. Dropping the runtime cancels every task still alive (their futures
/// are dropped).
///
/// # Examples
///
/// ```
/// let rt = looplet::Builder::new().build();
/// let handle = rt.block_on(async { looplet::spawn(async { "later" }) });
/// assert_eq!(rt.block_on(handle).unwrap(), "later");
/// ```
pub struct Runtime {
    /// Everything the runtime owns; shared with join handles and the
    /// thread-local context.
    inner: Rc<Inner>,
}

impl Runtime {
    /// Runs `future` to completion on this thread, driving every task of the
    /// runtime meanwhile, and returns its output.
    ///
    /// # Panics
    ///
    /// * If called while a runtime (this one or another) is running on this
    ///   thread: `` `Runtime::block_on` cannot be called from within a
    ///   running runtime ``, as asyncio refuses to nest event loops.
    /// * If `future` panics: the panic propagates, and the runtime can be
    ///   used again.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// assert_eq!(rt.block_on(async { 2 }), 2); // one after another is fine
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on("Runtime::block_on", future)
    }
}

impl Runtime {
    /// A snapshot of the runtime's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// rt.block_on(async { looplet::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.stats().tasks_spawned, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }
}

/// A snapshot of the running runtime's counters; see [`Stats`].
///
/// # Panics
///
/// Outside a runtime: `` `looplet::stats` called outside a runtime; call it
/// from inside `looplet::run` or `Runtime::block_on` ``.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let before = looplet::stats();
///     looplet::yield_now().await;
///     let after = looplet::stats();
///     assert_eq!(after.polls - before.polls, 1); // main, polled again
/// });
/// ```
pub fn stats() -> Stats {
    context::current("stats").counters.snapshot()
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.inner.shutdown();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sched = self.inner.sched.borrow();
        f.debug_struct("Runtime")
            .field("tasks", &sched.len())
            .field("queued", &sched.queued())
            .finish()
    }
}

/// Runs `future` on a new runtime and returns its output; asyncio's
/// `asyncio.run(main())`.
///
/// When `future` returns, every task still alive is cancelled (its future
/// dropped) before `run` returns.
///
/// # Panics
///
/// * If called from within a running runtime on this thread:
///   `` `looplet::run` cannot be called from within a running runtime ``.
/// * If `future` panics: the panic propagates out of `run`, after every
///   other task has been dropped. The thread can call `run` again.
///
/// # Examples
///
/// ```
/// let answer = looplet::run(async {
///     let task = looplet::spawn(async { 40 });
///     task.await.unwrap() + 2
/// });
/// assert_eq!(answer, 42);
/// ```
#[doc(alias = "asyncio.run")]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt = Builder::new().build();
    rt.inner.block_on("looplet::run", future)
}

/// Spawns `future` as a new task on the running runtime and returns its
/// handle; asyncio's `asyncio.create_task(coro)`.
///
/// The task first runs in spawn order after the tasks already queued. The
/// future must be `'static` but need not be `Send`: it never leaves this
/// thread.
///
/// # Panics
///
/// Outside a runtime: `` `looplet::spawn` called outside a runtime; call it
/// from inside `looplet::run` or `Runtime::block_on` ``.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use std::cell::RefCell;
///
/// let log = Rc::new(RefCell::new(Vec::new())); // not Send: fine
/// looplet::run({
///     let log = log.clone();
///     async move {
///         let a = looplet::spawn({ let log = log.clone(); async move { log.borrow_mut().push("a") } });
///         let b = looplet::spawn({ let log = log.clone(); async move { log.borrow_mut().push("b") } });
///         a.await.unwrap();
///         b.await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["a", "b"]);
/// ```
#[doc(alias = "create_task")]
#[doc(alias = "spawn_local")]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::current("spawn").spawn(future)
}

/// Everything a runtime owns, behind the `Rc` that join handles and the
/// thread-local context share.
pub(crate) struct Inner {
    /// The part other threads may touch (the inbox).
    shared: Arc<Shared>,
    /// Tasks and the run queue.
    sched: RefCell<Scheduler>,
    /// The clock and the timers.
    timers: Driver,
    /// What the runtime has done, for `stats()`.
    pub(crate) counters: Counters,
    /// The next task id.
    next_id: Cell<u64>,
    /// Set at shutdown: tasks spawned from then on are cancelled at once.
    closed: Cell<bool>,
    /// Reused buffer for draining the inbox.
    inbox: RefCell<Vec<(usize, TaskId)>>,
}

impl Inner {
    /// A runtime with no tasks, for the calling thread.
    fn new(builder: &Builder) -> Self {
        let shared = Arc::new(Shared::new());
        Inner {
            shared: shared.clone(),
            sched: RefCell::new(Scheduler::new(shared.clone())),
            timers: Driver::new(builder.start_paused),
            counters: Counters::default(),
            next_id: Cell::new(1),
            closed: Cell::new(false),
            inbox: RefCell::new(Vec::new()),
        }
    }

    /// The part other threads may touch.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The scheduler. Callers drop the borrow before running user code.
    pub(crate) fn scheduler(&self) -> RefMut<'_, Scheduler> {
        self.sched.borrow_mut()
    }

    /// Whether the runtime has been shut down (dropped).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// The clock and the timers.
    pub(crate) fn timers(&self) -> &Driver {
        &self.timers
    }

    /// Hands out the next task id.
    fn next_id(&self) -> TaskId {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        TaskId(id)
    }

    /// A wake on the executor's own thread while it runs.
    pub(crate) fn wake_local(&self, key: usize, id: TaskId) {
        let result = self.sched.borrow_mut().wake(key, id);
        stats::bump(&self.counters.wakes_local);
        self.count_wake(result);
    }

    /// Counts what a wake did.
    fn count_wake(&self, result: WakeResult) {
        if result == WakeResult::Duplicate {
            stats::bump(&self.counters.wakes_deduplicated);
        }
    }

    /// Records what a handle's `cancel` did.
    pub(crate) fn note_cancel(&self, _key: usize, cancel: Cancel) {
        if cancel == Cancel::Now {
            stats::bump(&self.counters.tasks_cancelled);
        }
    }

    /// Arms a timer for `deadline` that wakes `waker`.
    pub(crate) fn arm_timer(&self, deadline: u64, waker: &Waker) -> Armed {
        stats::bump(&self.counters.timers_armed);
        self.timers.arm(deadline, waker.clone())
    }

    /// Disarms the timer `key`, if it is still armed.
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let wake = self.timers.cancel(key);
        if wake.is_some() {
            stats::bump(&self.counters.timers_cancelled);
        }
        drop(wake);
    }

    /// Step 3 of a turn: wakes whoever waits on a timer that is due.
    fn fire_timers(&self) {
        let fired = self.timers.fire();
        stats::add(&self.counters.timers_fired, fired);
    }

    /// Spawns `future` (see [`spawn`]).
    pub(crate) fn spawn<F>(self: Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.next_id();
        stats::bump(&self.counters.tasks_spawned);
        if self.closed.get() {
            // Shutting down: the task is cancelled before it exists, so a
            // destructor that spawns cannot keep the runtime alive forever.
            stats::bump(&self.counters.tasks_cancelled);
            let key = self.sched.borrow_mut().spawn_cancelled(id);
            // The handle exists before the future's destructor runs, so the
            // slot is freed even if that destructor panics.
            let handle = JoinHandle::new(self, key);
            drop(future);
            return handle;
        }
        let task = Box::pin(TaskCell::Running { future });
        let key = self.sched.borrow_mut().spawn(id, Some(task));
        JoinHandle::new(self, key)
    }

    /// Runs `future` to completion, driving the tasks meanwhile.
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, api: &str, future: F) -> F::Output {
        let _enter = context::enter(self, api);
        let mut future = pin!(future);
        let main = MainSlot::new(self);
        loop {
            if let Some(output) = self.run_batch(&main, future.as_mut()) {
                return output;
            }
            self.drain_inbox();
            self.fire_timers();
            if self.sched.borrow().queued() == 0 {
                self.park();
            }
        }
    }

    /// Step 1 of a turn: polls the entries queued when it began.
    fn run_batch<F: Future>(
        &self,
        main: &MainSlot<'_>,
        mut future: Pin<&mut F>,
    ) -> Option<F::Output> {
        stats::bump(&self.counters.turns);
        let batch = self.sched.borrow().queued();
        for _ in 0..batch {
            let begin = self.sched.borrow_mut().begin_poll();
            let polling = match begin {
                Begin::Empty => break,
                Begin::Skip(leftovers) => {
                    leftovers.finish_catching();
                    continue;
                }
                Begin::Poll(polling) => polling,
            };
            stats::bump(&self.counters.polls);
            if polling.key != main.key {
                self.poll_task(polling);
                continue;
            }
            let poll = {
                let waker = waker_ref(&polling.waker);
                future.as_mut().poll(&mut Context::from_waker(&waker))
            };
            match poll {
                // `MainSlot`'s guard frees the slot.
                Poll::Ready(output) => return Some(output),
                Poll::Pending => {
                    let (_, leftovers) = self
                        .sched
                        .borrow_mut()
                        .end_poll(polling, PollResult::Pending);
                    debug_assert!(leftovers.is_none(), "a pending main leaves nothing");
                }
            }
        }
        None
    }

    /// Polls one spawned task, catching a panic as its result.
    fn poll_task(&self, mut polling: Polling) {
        let result = {
            let waker = waker_ref(&polling.waker);
            let mut cx = Context::from_waker(&waker);
            let task = polling.task.as_mut().expect("a spawned task has a future");
            match panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(&mut cx))) {
                Ok(Poll::Pending) => PollResult::Pending,
                Ok(Poll::Ready(())) => PollResult::Ready,
                Err(payload) => {
                    // Drop the future now and keep the payload for the
                    // handle. If the future's destructor panics too, that
                    // second panic is reported by the hook and dropped: the
                    // first one is the task's result.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().fail(payload)));
                    PollResult::Panicked
                }
            }
        };
        let (after, leftovers) = self.sched.borrow_mut().end_poll(polling, result);
        match after {
            AfterPoll::Completed => stats::bump(&self.counters.tasks_completed),
            AfterPoll::Panicked => stats::bump(&self.counters.tasks_panicked),
            AfterPoll::Cancelled => stats::bump(&self.counters.tasks_cancelled),
            AfterPoll::Idle | AfterPoll::Requeued => {}
        }
        // The executor drops what a finished task leaves (an unwanted
        // output, a future cancelled during its own poll). A panic from those
        // destructors has already been reported by the panic hook; it must
        // not take the executor down.
        if let Some(leftovers) = leftovers {
            leftovers.finish_catching();
        }
    }

    /// Step 2 of a turn: moves cross-thread wakes into the run queue.
    #[inline]
    fn drain_inbox(&self) {
        if self.shared.is_notified() {
            self.drain_inbox_now();
        }
    }

    /// The inbox has something: move it into the run queue.
    #[cold]
    fn drain_inbox_now(&self) {
        let mut wakes = self.inbox.take();
        self.shared.drain_into(&mut wakes);
        if !wakes.is_empty() {
            stats::add(&self.counters.wakes_remote, wakes.len() as u64);
            for (key, id) in wakes.drain(..) {
                let result = self.sched.borrow_mut().wake(key, id);
                self.count_wake(result);
            }
        }
        self.inbox.replace(wakes);
    }

    /// Step 4: nothing is ready. Sleeps until the next timer deadline or a
    /// cross-thread wake; on a paused clock, jumps the clock instead.
    fn park(&self) {
        // A remote waker pushes to the inbox, sets `notified`, then unparks
        // this thread. Checking the flag here is the last look before
        // sleeping: a wake that lands after it also unparks after it, and
        // `park` returns at once on a pending unpark. See `waker.rs`.
        if self.shared.is_notified() {
            return;
        }
        stats::bump(&self.counters.parks);
        let deadline = self.timers.next_deadline();
        let clock = &self.timers.clock;
        if clock.is_paused() {
            let Some(deadline) = deadline else {
                panic!(
                    "looplet deadlock: no task can run, no timer is armed, and the clock is paused \
                     (`Builder::start_paused`), so nothing will ever wake a task; a task is \
                     probably waiting for an event nobody sets or a handle that never finishes"
                );
            };
            clock.advance_to(deadline);
            return;
        }
        match deadline {
            Some(deadline) => {
                let now = clock.now_nanos();
                if deadline > now {
                    std::thread::park_timeout(Duration::from_nanos(deadline - now));
                }
            }
            None => std::thread::park(),
        }
    }

    /// Cancels every task and closes the inbox (the runtime is dropped).
    fn shutdown(self: &Rc<Self>) {
        self.closed.set(true);
        self.shared.close();
        // Destructors may call `spawn` (the task is cancelled at once) or
        // read the clock, so the runtime is current while they run, unless
        // another runtime is running on this thread.
        let _enter = context::try_enter(self);
        let mut first_panic: Option<Box<dyn Any + Send>> = None;
        loop {
            let (cancelled, leftovers) = self.sched.borrow_mut().cancel_all();
            stats::add(&self.counters.tasks_cancelled, cancelled);
            if leftovers.is_empty() {
                break;
            }
            for leftovers in leftovers {
                if let Some(payload) = leftovers.finish_catching() {
                    first_panic.get_or_insert(payload);
                }
            }
        }
        // Timers of futures that outlived their tasks (held by a handle's
        // owner outside the runtime, say).
        drop(self.timers.drain());
        if let Some(payload) = first_panic {
            if !std::thread::panicking() {
                panic::resume_unwind(payload);
            }
        }
    }
}

/// The slot of a `block_on`'s main future; freed when dropped, including
/// when main panics.
struct MainSlot<'rt> {
    /// The runtime.
    rt: &'rt Inner,
    /// Main's slot key.
    key: usize,
}

impl<'rt> MainSlot<'rt> {
    /// Gives the main future a slot and queues it.
    fn new(rt: &'rt Inner) -> Self {
        let id = rt.next_id();
        let key = rt.sched.borrow_mut().spawn(id, None);
        MainSlot { rt, key }
    }
}

impl Drop for MainSlot<'_> {
    fn drop(&mut self) {
        let leftovers = self.rt.sched.borrow_mut().remove_main(self.key);
        leftovers.finish_catching();
    }
}
