//! Layer 5, the public entry points: [`run`], [`spawn`], [`Runtime`] and
//! its [`Builder`], and [`stats`]. Each is a thin wrapper: the work is done
//! by the executor (`executor/`), and a spawn's claim on its task becomes
//! a typed [`JoinHandle`] here.
//!
//! Read next: `builder.rs`, then the crate docs' map of the source.

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use crate::executor::{self, Core};
use crate::handle::Handle;
use crate::join::JoinHandle;
use crate::util::stats::Stats;

mod builder;
mod explore;

pub use builder::Builder;
pub use explore::{Explored, explore};

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
///
/// A destructor may spawn: the new task is cancelled at once and its future
/// dropped next, one at a time, so a chain of clean-up tasks each owning
/// the next ends however long it is. A chain that never ends (every drop
/// spawns again) is stopped after 100,000 generations: the drop panics
/// with `` `Runtime` shutdown stopped after 100000 generations ``, and the
/// future still waiting is leaked rather than dropped.
#[doc(alias = "event loop")]
pub struct Runtime {
    /// Everything the runtime owns; shared with join handles, sleeps and
    /// the thread-local context.
    core: Rc<Core>,
}

impl Runtime {
    /// The runtime around `core`.
    fn from_core(core: Core) -> Self {
        Runtime {
            core: executor::share(core),
        }
    }

    /// Runs `future` to completion on this thread, driving every task of the
    /// runtime meanwhile, and returns its output. Once `future` is done, the
    /// turn of the loop it finished in runs to its end and one more turn
    /// runs, as asyncio's `run_until_complete` does, so a task it spawned
    /// just before returning takes its first step.
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
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.core.block_on("Runtime::block_on", future)
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
        JoinHandle::new(self.core.clone().spawn(future, None))
    }

    /// Like [`Runtime::spawn`], with a name that the trace and
    /// [`JoinError`](crate::JoinError)'s `Display` use and
    /// [`JoinHandle::name`] returns; asyncio's `loop.create_task(coro,
    /// name=...)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let handle = rt.spawn_named("warm-up", async { 1 });
    /// assert_eq!(handle.name().as_deref(), Some("warm-up"));
    /// assert_eq!(rt.block_on(handle).unwrap(), 1);
    /// ```
    #[doc(alias = "create_task")]
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        JoinHandle::new(self.core.clone().spawn(future, Some(&name.into())))
    }

    /// A `Send + Sync` handle on this runtime, for other threads to spawn
    /// tasks onto it ([`Handle::spawn`]); asyncio's loop object as passed
    /// to `run_coroutine_threadsafe`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// let handle = rt.handle();
    /// let remote = std::thread::spawn(move || handle.spawn(|| async { 7 }))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(remote).unwrap(), 7);
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.remote_shared())
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
        self.core.stats()
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
#[track_caller]
pub fn stats() -> Stats {
    executor::current("stats").stats()
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.core.shutdown();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tasks, queued) = self.core.task_counts();
        f.debug_struct("Runtime")
            .field("tasks", &tasks)
            .field("queued", &queued)
            .finish()
    }
}

/// Runs `future` on a new runtime and returns its output; asyncio's
/// `asyncio.run(main())`.
///
/// When `future` returns, its turn of the loop and one more run to the end
/// (asyncio's order), then every task still alive is cancelled (its future
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
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt = Builder::new().build();
    rt.core.block_on("looplet::run", future)
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
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    JoinHandle::new(executor::current("spawn").spawn(future, None))
}

/// Like [`spawn`], with a name; asyncio's `asyncio.create_task(coro,
/// name=...)`.
///
/// The name is for people: every trace line that names the task says
/// "task 3 'producer'" instead of "task 3", [`JoinError`](crate::JoinError)'s
/// `Display` says it, and [`JoinHandle::name`] returns it. Names need not
/// be unique; the task id stays the task's identity.
///
/// # Panics
///
/// Outside a runtime: `` `looplet::spawn_named` called outside a runtime;
/// call it from inside `looplet::run` or `Runtime::block_on` ``.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let producer = looplet::spawn_named("producer", async { 3 });
///     assert_eq!(producer.name().as_deref(), Some("producer"));
///     assert_eq!(producer.await.unwrap(), 3);
/// });
/// ```
#[doc(alias = "create_task")]
#[doc(alias = "set_name")]
#[track_caller]
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let core = executor::current("spawn_named");
    JoinHandle::new(core.spawn(future, Some(&name.into())))
}
