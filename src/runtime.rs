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
use std::io::Write;
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
use crate::time::wheel::{Fired, Placement, TimerKey};
use crate::trace::{self, Name, Source, Tracer, trace};
use crate::waker::{RemoteWake, Shared};

/// Configures and builds a [`Runtime`]; asyncio's loop with options.
///
/// # Examples
///
/// ```
/// let rt = looplet::Builder::new().start_paused(true).build();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Clone)]
#[doc(alias = "new_event_loop")]
pub struct Builder {
    /// Run on a virtual clock that jumps to the next deadline when idle.
    start_paused: bool,
    /// Where trace lines go, if the runtime traces.
    trace: Option<TraceOut>,
}

/// Where a tracing runtime writes.
type TraceOut = Rc<RefCell<dyn Write>>;

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("start_paused", &self.start_paused)
            .field("trace", &self.trace.is_some())
            .finish()
    }
}

impl Builder {
    /// A builder with the default options: the real clock, and tracing to
    /// stderr only if the environment variable `LOOPLET_TRACE` is set (to
    /// anything but empty, `0`, `false`, `off` or `no`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// # drop(rt);
    /// ```
    pub fn new() -> Self {
        let from_env = trace::env_wants_trace(std::env::var_os("LOOPLET_TRACE").as_deref());
        Builder {
            start_paused: false,
            trace: from_env.then(stderr),
        }
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

    /// Makes the runtime narrate what it does on stderr, one line per
    /// event (or stops it, overriding `LOOPLET_TRACE`). See
    /// `docs/07-reading-a-trace.md` for how to read it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().trace(false).build();
    /// rt.block_on(async {});
    /// ```
    pub fn trace(&mut self, on: bool) -> &mut Self {
        self.trace = on.then(stderr);
        self
    }

    /// Makes the runtime narrate what it does into `out` instead of stderr
    /// (a file, or a buffer a test reads back).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::io::Write;
    /// use std::rc::Rc;
    ///
    /// #[derive(Clone, Default)]
    /// struct Lines(Rc<RefCell<Vec<u8>>>);
    /// impl Write for Lines {
    ///     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
    ///         self.0.borrow_mut().write(buf)
    ///     }
    ///     fn flush(&mut self) -> std::io::Result<()> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let lines = Lines::default();
    /// let rt = looplet::Builder::new().start_paused(true).trace_to(lines.clone()).build();
    /// rt.block_on(async { looplet::spawn(async {}).await.unwrap() });
    /// let text = String::from_utf8(lines.0.borrow().clone()).unwrap();
    /// assert!(text.contains("task 2 spawned (1)"));
    /// ```
    pub fn trace_to(&mut self, out: impl Write + 'static) -> &mut Self {
        self.trace = Some(Rc::new(RefCell::new(out)));
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

/// Trace lines to stderr.
fn stderr() -> TraceOut {
    Rc::new(RefCell::new(std::io::stderr()))
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
///
/// # Panics
///
/// Dropping the runtime drops every task still alive. If one of their
/// destructors panics, the rest are dropped all the same and then the
/// first such panic is raised again from the drop (unless the thread is
/// already unwinding).
#[doc(alias = "event loop")]
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
    /// * If a waker panics when its timer fires (a [`Sleep`](crate::Sleep)
    ///   polled by hand with a waker from elsewhere, say): the panic leaves
    ///   `block_on` after every other due timer was woken; the runtime can
    ///   be used again.
    /// * On a paused clock ([`Builder::start_paused`]), if no task can run
    ///   and no timer is armed: `` looplet deadlock: no task can run, no
    ///   timer is armed, and the clock is paused ... ``, since nothing could
    ///   ever make progress.
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
    /// Spawns `future` as a task of this runtime; asyncio's
    /// `loop.create_task(coro)` before `loop.run_until_complete(main)`.
    ///
    /// Unlike [`spawn`], it needs no running runtime: a task spawned from
    /// outside waits in the run queue and first runs in the next
    /// [`block_on`](Runtime::block_on), in spawn order, ahead of that
    /// `block_on`'s main future. From inside a task of this runtime it is
    /// the same as [`spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let rt = looplet::Builder::new().build();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let first = rt.spawn({
    ///     let log = log.clone();
    ///     async move { log.borrow_mut().push("task") }
    /// });
    /// assert!(!first.is_finished()); // nothing runs outside `block_on`
    /// rt.block_on({
    ///     let log = log.clone();
    ///     async move { log.borrow_mut().push("main") }
    /// });
    /// assert_eq!(*log.borrow(), ["task", "main"]);
    /// assert!(first.is_finished());
    /// ```
    #[doc(alias = "create_task")]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.clone().spawn(future)
    }

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
#[doc(alias = "debug")]
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
/// * If a waker panics when its timer fires: the panic propagates out of
///   `run` after every other due timer was woken and every task has been
///   dropped.
/// * If a task's destructor panics while `run` drops the tasks left at
///   the end: that panic is raised again once every other task has been
///   dropped.
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
    inbox: RefCell<Vec<RemoteWake>>,
    /// The narrator, when tracing (boxed: the hot fields stay together).
    tracer: Option<Box<Tracer>>,
}

impl Inner {
    /// A runtime with no tasks, for the calling thread.
    fn new(builder: &Builder) -> Self {
        let shared = Arc::new(Shared::new(builder.trace.is_some()));
        let inner = Inner {
            shared: shared.clone(),
            sched: RefCell::new(Scheduler::new(shared.clone())),
            timers: Driver::new(builder.start_paused),
            counters: Counters::default(),
            next_id: Cell::new(1),
            closed: Cell::new(false),
            inbox: RefCell::new(Vec::new()),
            tracer: builder.trace.clone().map(|out| Box::new(Tracer::new(out))),
        };
        if inner.tracer.is_some() {
            inner.timers.record_visits();
        }
        let clock = if builder.start_paused {
            "virtual"
        } else {
            "real"
        };
        trace!(
            inner,
            "looplet trace ({clock} clock): seconds since the runtime was built; (n) is an edge \
             of the task state diagram in docs/02-life-of-a-task.md"
        );
        inner
    }

    /// The narrator, when tracing.
    #[inline]
    pub(crate) fn tracer(&self) -> Option<&Tracer> {
        self.tracer.as_deref()
    }

    /// The time to print on a trace line (reads the clock without
    /// disturbing it).
    pub(crate) fn trace_time(&self) -> u64 {
        self.timers.clock.peek_nanos()
    }

    /// Whether the task `(key, id)` still has a slot (for the trace).
    fn has_slot(&self, key: usize, id: TaskId) -> bool {
        self.sched.borrow().has(key, id)
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
    #[inline]
    pub(crate) fn wake_local(&self, key: usize, id: TaskId) {
        let result = self.sched.borrow_mut().wake(key, id);
        stats::bump(&self.counters.wakes_local);
        self.count_wake(id, result);
    }

    /// Counts (and narrates) what a wake did.
    #[inline]
    fn count_wake(&self, id: TaskId, result: WakeResult) {
        if result == WakeResult::Duplicate {
            stats::bump(&self.counters.wakes_deduplicated);
        }
        if self.tracer.is_some() {
            self.trace_wake(id, result);
        }
    }

    /// Narrates a wake.
    #[cold]
    fn trace_wake(&self, id: TaskId, result: WakeResult) {
        let by = self.tracer().map(|t| t.waker_of(id)).unwrap_or_default();
        match result {
            WakeResult::Queued => trace!(self, "{id} woken by {by}: queued (4)"),
            WakeResult::Deferred => {
                trace!(
                    self,
                    "{id} woken by {by} while running: queued again after this poll (5)"
                )
            }
            WakeResult::Duplicate => {
                trace!(self, "{id} woken by {by}: already queued, nothing to do")
            }
            WakeResult::Stale => trace!(self, "{id} woken by {by}: finished, ignored"),
        }
    }

    /// Records (and narrates) what a handle's `cancel` did.
    pub(crate) fn note_cancel(&self, key: usize, cancel: Cancel) {
        if cancel == Cancel::Now {
            stats::bump(&self.counters.tasks_cancelled);
        }
        if let Some(tracer) = self.tracer() {
            let id = self.sched.borrow().id(key);
            let by = tracer.waker_of(id);
            match cancel {
                Cancel::Now => trace!(self, "{id} cancelled by {by}: future dropped (8)"),
                Cancel::AfterPoll => trace!(
                    self,
                    "{id} cancels itself: dropped when this poll returns (8)"
                ),
                Cancel::Finished => {
                    trace!(self, "{id} cancel by {by}: already finished, nothing to do")
                }
            }
        }
    }

    /// Narrates a handle finding its task unfinished.
    pub(crate) fn note_join_pending(&self, key: usize) {
        if self.tracer().is_some() {
            let id = self.sched.borrow().id(key);
            trace!(self, "waits for {id} to finish");
        }
    }

    /// Narrates a handle being dropped.
    pub(crate) fn note_detach(&self, key: usize, id: TaskId) {
        if self.tracer().is_some() {
            if self.has_slot(key, id) {
                trace!(
                    self,
                    "{id} handle dropped: the task is detached and keeps running"
                );
            } else {
                trace!(self, "{id} handle dropped: slot freed (9)");
            }
        }
    }

    /// Arms a timer for `deadline` that wakes `waker`, placed among equal
    /// deadlines by `order` (see `Driver::next_order`).
    pub(crate) fn arm_timer(&self, deadline: u64, order: u64, waker: &Waker) -> Armed {
        // The clone runs the waker's own code, which may panic: count the
        // timer only once it is armed.
        let waker = waker.clone();
        let armed = self.timers.arm(deadline, order, waker);
        stats::bump(&self.counters.timers_armed);
        if self.tracer.is_some() {
            self.trace_armed(armed.key, deadline);
        }
        armed
    }

    /// Narrates a timer being armed, and where the wheel put it.
    #[cold]
    fn trace_armed(&self, key: TimerKey, deadline: u64) {
        let now = self.timers.clock.peek_nanos();
        let place = match self.timers.placement(key) {
            Some(Placement::Slot { level, slot }) => format!("wheel level {level} slot {slot}"),
            Some(Placement::Due) => "the due heap: its millisecond has come".to_string(),
            Some(Placement::Overflow) => "the overflow list: beyond the top level".to_string(),
            None => "nowhere".to_string(),
        };
        trace!(
            self,
            "timer {} armed for {} (in {}): {place}",
            key.seq(),
            trace::seconds(deadline),
            trace::seconds(deadline.saturating_sub(now))
        );
    }

    /// Disarms the timer `key`, if it is still armed.
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let wake = self.timers.cancel(key);
        if wake.is_some() {
            stats::bump(&self.counters.timers_cancelled);
            if self.tracer.is_some() {
                self.trace_timer_cancelled(key);
            }
        }
        drop(wake);
    }

    /// Narrates a timer being cancelled.
    #[cold]
    fn trace_timer_cancelled(&self, key: TimerKey) {
        trace!(self, "timer {} cancelled", key.seq());
    }

    /// Step 3 of a turn: wakes whoever waits on a timer that is due.
    ///
    /// A timer's waker may be foreign code (a `Sleep` polled by hand, or by
    /// another executor) that panics. Then every other due timer is still
    /// woken, the counters and the trace are put straight, and only then
    /// does the first panic go on, out of `block_on`.
    fn fire_timers(&self) {
        let firing = self.timers.fire(|timer| {
            if self.tracer.is_some() {
                self.trace_fired(&timer);
            }
            timer.value.wake();
        });
        if let Some(tracer) = self.tracer() {
            self.trace_visits();
            tracer.set_source(Source::Runtime);
        }
        stats::add(&self.counters.timers_fired, firing.count);
        if let Some(payload) = firing.panic {
            trace!(
                self,
                "a timer's waker panicked: {}; every due timer was woken, the panic leaves block_on",
                trace::panic_message(&*payload)
            );
            panic::resume_unwind(payload);
        }
    }

    /// Narrates a timer firing (after the cascades that brought it due);
    /// the wake that follows is attributed to it.
    #[cold]
    fn trace_fired(&self, timer: &Fired<Waker>) {
        self.trace_visits();
        trace!(
            self,
            "timer {} fires (deadline {})",
            timer.key.seq(),
            trace::seconds(timer.deadline)
        );
        if let Some(tracer) = self.tracer() {
            tracer.set_source(Source::Timer(timer.key.seq()));
        }
    }

    /// Narrates the wheel's slot visits (cascades) since the last call.
    fn trace_visits(&self) {
        for visit in self.timers.take_visits() {
            let (tick, n) = (visit.tick.0, visit.timers);
            match visit.level {
                0 => trace!(
                    self,
                    "wheel: tick {tick} ms reached: {n} timer(s) into the due heap"
                ),
                level if level < 6 => trace!(
                    self,
                    "wheel: cascade at tick {tick} ms: level {level} slot {}, {n} timer(s) moved down",
                    visit.slot
                ),
                _ => trace!(
                    self,
                    "wheel: overflow list looked at again at tick {tick} ms: {n} timer(s)"
                ),
            }
        }
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
            trace!(self, "{id} spawned during shutdown: cancelled at once (8)");
            let key = self.sched.borrow_mut().spawn_cancelled(id);
            // The handle exists before the future's destructor runs, so the
            // slot is freed even if that destructor panics.
            let handle = JoinHandle::new(self, key);
            drop(future);
            return handle;
        }
        let task = Box::pin(TaskCell::Running { future });
        let key = self.sched.borrow_mut().spawn(id, Some(task));
        if self.tracer.is_some() {
            self.trace_spawned(id);
        }
        JoinHandle::new(self, key)
    }

    /// Narrates a spawn.
    #[cold]
    fn trace_spawned(&self, id: TaskId) {
        trace!(self, "{id} spawned (1)");
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
        if batch > 0 && self.tracer.is_some() {
            self.trace_turn(batch);
        }
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
            let (key, name) = (
                polling.key,
                Name {
                    id: polling.id,
                    main: true,
                },
            );
            if self.tracer.is_some() {
                self.trace_poll_start(name);
            }
            main.in_poll.set(true);
            let poll = {
                let waker = waker_ref(&polling.waker);
                future.as_mut().poll(&mut Context::from_waker(&waker))
            };
            main.in_poll.set(false);
            match poll {
                // `MainSlot`'s guard frees the slot.
                Poll::Ready(output) => {
                    if let Some(tracer) = self.tracer() {
                        tracer.set_polling(None);
                        trace!(self, "{name} ready: block_on returns (6)");
                    }
                    return Some(output);
                }
                Poll::Pending => {
                    let mut leftovers = None;
                    let after = self.sched.borrow_mut().end_poll(
                        polling,
                        PollResult::Pending,
                        &mut leftovers,
                    );
                    debug_assert!(leftovers.is_none(), "a pending main leaves nothing");
                    if self.tracer.is_some() {
                        self.trace_poll_end(name, key, after);
                    }
                }
            }
        }
        None
    }

    /// Narrates the start of a turn.
    #[cold]
    fn trace_turn(&self, batch: usize) {
        trace!(self, "turn {}: {batch} queued", self.counters.turns.get());
    }

    /// Narrates the start of a poll; lines until its end are indented.
    #[cold]
    fn trace_poll_start(&self, name: Name) {
        if let Some(tracer) = self.tracer() {
            trace!(self, "{name} poll (2)");
            tracer.set_polling(Some(name));
        }
    }

    /// Narrates how a poll ended.
    #[cold]
    fn trace_poll_end(&self, name: Name, key: usize, after: AfterPoll) {
        let mut panic = String::new();
        if let Some(tracer) = self.tracer() {
            tracer.set_polling(None);
            panic = tracer.take_panic();
        }
        match after {
            AfterPoll::Idle => trace!(self, "{name} pending (3)"),
            AfterPoll::Requeued => {
                trace!(
                    self,
                    "{name} pending, but woken while running: back of the queue (5)"
                )
            }
            AfterPoll::Completed if self.has_slot(key, name.id) => {
                trace!(self, "{name} ready: completed (6)")
            }
            AfterPoll::Completed => {
                trace!(
                    self,
                    "{name} ready: completed (6); no handle wants it: slot freed (9)"
                )
            }
            AfterPoll::Panicked => {
                trace!(self, "{name} panicked (7): {panic}")
            }
            AfterPoll::Cancelled => {
                trace!(self, "{name} cancelled during its own poll: dropped (8)")
            }
        }
    }

    /// Sets whom the trace names as the waker of the next wakes.
    #[cold]
    fn set_trace_source(&self, source: Source) {
        if let Some(tracer) = self.tracer() {
            tracer.set_source(source);
        }
    }

    /// Polls one spawned task, catching a panic as its result.
    fn poll_task(&self, mut polling: Polling) {
        let (key, id) = (polling.key, polling.id);
        let name = Name { id, main: false };
        if self.tracer.is_some() {
            self.trace_poll_start(name);
        }
        let result = {
            let waker = waker_ref(&polling.waker);
            let mut cx = Context::from_waker(&waker);
            let task = polling.task.as_mut().expect("a spawned task has a future");
            match panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(&mut cx))) {
                Ok(Poll::Pending) => PollResult::Pending,
                Ok(Poll::Ready(())) => PollResult::Ready,
                Err(payload) => {
                    if let Some(tracer) = self.tracer() {
                        tracer.note_panic(trace::panic_message(&*payload));
                    }
                    // Drop the future now and keep the payload for the
                    // handle. If the future's destructor panics too, that
                    // second panic is reported by the hook and dropped: the
                    // first one is the task's result.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().fail(payload)));
                    PollResult::Panicked
                }
            }
        };
        let mut leftovers = None;
        let after = self
            .sched
            .borrow_mut()
            .end_poll(polling, result, &mut leftovers);
        match after {
            AfterPoll::Idle | AfterPoll::Requeued => {
                // The task lives on: nothing is left to finish.
                if self.tracer.is_some() {
                    self.trace_poll_end(name, key, after);
                }
                return;
            }
            AfterPoll::Completed => stats::bump(&self.counters.tasks_completed),
            AfterPoll::Panicked => stats::bump(&self.counters.tasks_panicked),
            AfterPoll::Cancelled => stats::bump(&self.counters.tasks_cancelled),
        }
        if self.tracer.is_some() {
            self.trace_poll_end(name, key, after);
        }
        // What a finished task leaves: an unwanted output, a future
        // cancelled during its own poll, its handle's waker to wake. A panic
        // from those destructors has already been reported by the panic
        // hook; it must not take the executor down.
        if let Some(leftovers) = leftovers {
            if self.tracer.is_some() {
                self.set_trace_source(Source::Finishing(id));
            }
            leftovers.finish_catching();
            if self.tracer.is_some() {
                self.set_trace_source(Source::Runtime);
            }
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
            for RemoteWake { key, id, from } in wakes.drain(..) {
                if let Some(tracer) = self.tracer() {
                    tracer.set_source(Source::Thread(from));
                }
                let result = self.sched.borrow_mut().wake(key, id);
                self.count_wake(id, result);
            }
            if let Some(tracer) = self.tracer() {
                tracer.set_source(Source::Runtime);
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
        let deadline = self.timers.next_deadline();
        let clock = &self.timers.clock;
        // On the real clock, how long to sleep: `None` until a wake.
        let mut sleep = None;
        if !clock.is_paused() {
            if let Some(deadline) = deadline {
                let now = clock.now_nanos();
                if deadline <= now {
                    // Due already (the turn's reading was a little old):
                    // nothing to wait for, so this is no park.
                    return;
                }
                sleep = Some(Duration::from_nanos(deadline - now));
            }
        }
        if self.tracer().is_some() {
            self.trace_park(deadline, sleep);
        }
        if clock.is_paused() {
            let Some(deadline) = deadline else {
                // Not a park: nothing will ever run again.
                panic!(
                    "looplet deadlock: no task can run, no timer is armed, and the clock is paused \
                     (`Builder::start_paused`), so nothing will ever wake a task; a task is \
                     probably waiting for an event nobody sets or a handle that never finishes"
                );
            };
            stats::bump(&self.counters.parks);
            clock.advance_to(deadline);
            return;
        }
        stats::bump(&self.counters.parks);
        match sleep {
            Some(sleep) => std::thread::park_timeout(sleep),
            None => std::thread::park(),
        }
    }

    /// Narrates a park: how long, or the clock's jump, or a deadlock.
    #[cold]
    fn trace_park(&self, deadline: Option<u64>, sleep: Option<Duration>) {
        let clock = &self.timers.clock;
        match (deadline, clock.is_paused()) {
            (Some(d), true) => trace!(
                self,
                "idle: nothing ready; the virtual clock jumps to {} (+{})",
                trace::seconds(d),
                trace::seconds(d.saturating_sub(clock.peek_nanos()))
            ),
            (Some(_), false) => trace!(
                self,
                "idle: nothing ready; parking {} until the next timer",
                trace::seconds(sleep.map_or(0, |s| s.as_nanos() as u64))
            ),
            (None, true) => trace!(
                self,
                "idle: nothing ready, no timer, and the clock is paused: a deadlock; \
                 block_on panics"
            ),
            (None, false) => trace!(
                self,
                "idle: nothing ready, no timer; parking until a wake from another thread"
            ),
        }
    }

    /// Cancels every task and closes the inbox (the runtime is dropped).
    fn shutdown(self: &Rc<Self>) {
        self.closed.set(true);
        self.shared.close();
        // Destructors may call `spawn` (the task is cancelled at once) or
        // read the clock, so this runtime is current while they run, even
        // when it is dropped inside a task of another runtime.
        let _enter = context::enter_for_shutdown(self);
        let mut first_panic: Option<Box<dyn Any + Send>> = None;
        loop {
            let (cancelled, leftovers) = self.sched.borrow_mut().cancel_all();
            stats::add(&self.counters.tasks_cancelled, cancelled);
            if cancelled > 0 {
                trace!(
                    self,
                    "shutdown: cancelling {cancelled} task(s) still alive (8)"
                );
            }
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
        if self.tracer().is_some() {
            let s = self.counters.snapshot();
            trace!(
                self,
                "shutdown: {} task(s) spawned, {} completed, {} cancelled, {} panicked; {} polls in {} \
                 turns; {} timer(s) armed, {} fired, {} cancelled; {} park(s)",
                s.tasks_spawned,
                s.tasks_completed,
                s.tasks_cancelled,
                s.tasks_panicked,
                s.polls,
                s.turns,
                s.timers_armed,
                s.timers_fired,
                s.timers_cancelled,
                s.parks
            );
        }
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
    /// Whether main is being polled: still set when the slot is dropped,
    /// it means main's poll panicked. (`thread::panicking()` would not
    /// tell: it is also true for a `block_on` that returns normally inside
    /// a destructor that runs during some other unwinding.)
    in_poll: Cell<bool>,
}

impl<'rt> MainSlot<'rt> {
    /// Gives the main future a slot and queues it.
    fn new(rt: &'rt Inner) -> Self {
        let id = rt.next_id();
        let key = rt.sched.borrow_mut().spawn(id, None);
        trace!(rt, "block_on: the main future is {id} (1)");
        MainSlot {
            rt,
            key,
            in_poll: Cell::new(false),
        }
    }
}

impl Drop for MainSlot<'_> {
    fn drop(&mut self) {
        if self.in_poll.get() {
            if let Some(tracer) = self.rt.tracer() {
                tracer.set_polling(None);
                let id = self.rt.sched.borrow().id(self.key);
                let name = Name { id, main: true };
                trace!(self.rt, "{name} panicked (7): block_on passes the panic on");
            }
        }
        let leftovers = self.rt.sched.borrow_mut().remove_main(self.key);
        leftovers.finish_catching();
    }
}
