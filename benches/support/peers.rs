//! The four runtimes the benchmarks compare, behind one small trait, so
//! each workload is written once. Shared by `benches/compare.rs` and
//! `benches/examples/parked_memory.rs` (each includes this file as a module).
//!
//! looplet; tokio's `current_thread` runtime with a `LocalSet`, and
//! `Notify` plus a flag as its event; async-executor's `LocalExecutor` on
//! `async_io::block_on`, and `event_listener::Event` plus a flag; futures'
//! `LocalPool` with futures-intrusive's `LocalManualResetEvent` and
//! futures-timer.
#![allow(dead_code)] // each includer uses part of it

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::{Either, select};

// ---------------------------------------------------------------------------
// The abstraction the workloads are written against.
// ---------------------------------------------------------------------------

/// A single-threaded runtime: one instance is built per benchmark and its
/// `block_on` is called once per iteration; `spawn` works inside it.
pub trait Rt: Sized + 'static {
    const NAME: &'static str;
    type Handle<T: 'static>;
    type Event: BenchEvent;

    fn new() -> Self;
    fn block_on<F: Future>(&mut self, f: F) -> F::Output;
    fn spawn<F: Future + 'static>(f: F) -> Self::Handle<F::Output>;
    /// Await a handle; a task that panicked panics here.
    async fn join<T: 'static>(handle: Self::Handle<T>) -> T;
    async fn yield_now();
    async fn sleep(duration: Duration);
    /// `Some(output)`, or `None` if `duration` passed first.
    async fn timeout<F: Future>(duration: Duration, f: F) -> Option<F::Output>;
}

/// asyncio's event: a flag plus wakeups. `Clone` shares the same event.
pub trait BenchEvent: Clone + 'static {
    fn new() -> Self;
    fn set(&self);
    fn clear(&self);
    async fn wait(&self);
}

/// A future that wakes itself once: the yield of runtimes that have none.
pub struct YieldOnce(pub bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Races `f` against a timer future; the timeout of runtimes that have none.
pub async fn race<F: Future, T: Future>(f: F, timer: T) -> Option<F::Output> {
    match select(pin!(f), pin!(timer)).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

// ---------------------------------------------------------------------------
// looplet
// ---------------------------------------------------------------------------

pub struct Looplet(looplet::Runtime);

impl Rt for Looplet {
    const NAME: &'static str = "looplet";
    type Handle<T: 'static> = looplet::JoinHandle<T>;
    type Event = looplet::Event;

    fn new() -> Self {
        Looplet(looplet::Builder::new().build())
    }
    fn block_on<F: Future>(&mut self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future + 'static>(f: F) -> Self::Handle<F::Output> {
        looplet::spawn(f)
    }
    async fn join<T: 'static>(handle: Self::Handle<T>) -> T {
        handle.await.expect("task failed")
    }
    async fn yield_now() {
        looplet::yield_now().await
    }
    async fn sleep(duration: Duration) {
        looplet::sleep(duration).await
    }
    async fn timeout<F: Future>(duration: Duration, f: F) -> Option<F::Output> {
        looplet::timeout(duration, f).await.ok()
    }
}

impl BenchEvent for looplet::Event {
    fn new() -> Self {
        looplet::Event::new()
    }
    fn set(&self) {
        looplet::Event::set(self)
    }
    fn clear(&self) {
        looplet::Event::clear(self)
    }
    async fn wait(&self) {
        looplet::Event::wait(self).await
    }
}

// ---------------------------------------------------------------------------
// tokio: current_thread runtime with timers, tasks on a LocalSet
// ---------------------------------------------------------------------------

pub struct Tokio {
    rt: tokio::runtime::Runtime,
    local: tokio::task::LocalSet,
}

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Handle<T: 'static> = tokio::task::JoinHandle<T>;
    type Event = TokioEvent;

    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime");
        Tokio {
            rt,
            local: tokio::task::LocalSet::new(),
        }
    }
    fn block_on<F: Future>(&mut self, f: F) -> F::Output {
        self.local.block_on(&self.rt, f)
    }
    fn spawn<F: Future + 'static>(f: F) -> Self::Handle<F::Output> {
        tokio::task::spawn_local(f)
    }
    async fn join<T: 'static>(handle: Self::Handle<T>) -> T {
        handle.await.expect("task failed")
    }
    async fn yield_now() {
        tokio::task::yield_now().await
    }
    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await
    }
    async fn timeout<F: Future>(duration: Duration, f: F) -> Option<F::Output> {
        tokio::time::timeout(duration, f).await.ok()
    }
}

/// tokio has no event with a level; `Notify` plus a flag makes one.
#[derive(Clone)]
pub struct TokioEvent(Rc<(tokio::sync::Notify, Cell<bool>)>);

impl BenchEvent for TokioEvent {
    fn new() -> Self {
        TokioEvent(Rc::new((tokio::sync::Notify::new(), Cell::new(false))))
    }
    fn set(&self) {
        self.0.1.set(true);
        self.0.0.notify_waiters();
    }
    fn clear(&self) {
        self.0.1.set(false);
    }
    async fn wait(&self) {
        let (notify, flag) = &*self.0;
        loop {
            if flag.get() {
                return;
            }
            // Register before the second look at the flag, so a `set` in
            // between cannot be missed: `notify_waiters` only wakes
            // registered waiters.
            let mut notified = pin!(notify.notified());
            notified.as_mut().enable();
            if flag.get() {
                return;
            }
            notified.await;
        }
    }
}

// ---------------------------------------------------------------------------
// async-executor: LocalExecutor driven by async-io's block_on
// ---------------------------------------------------------------------------

thread_local! {
    // `spawn` is an associated function, so the executor lives where it can
    // be reached from inside tasks.
    static LOCAL_EXECUTOR: async_executor::LocalExecutor<'static> =
        const { async_executor::LocalExecutor::new() };
}

pub struct AsyncExecutor;

impl Rt for AsyncExecutor {
    const NAME: &'static str = "async-executor";
    type Handle<T: 'static> = async_executor::Task<T>;
    type Event = ListenerEvent;

    fn new() -> Self {
        AsyncExecutor
    }
    fn block_on<F: Future>(&mut self, f: F) -> F::Output {
        LOCAL_EXECUTOR.with(|ex| async_io::block_on(ex.run(f)))
    }
    fn spawn<F: Future + 'static>(f: F) -> Self::Handle<F::Output> {
        LOCAL_EXECUTOR.with(|ex| ex.spawn(f))
    }
    async fn join<T: 'static>(handle: Self::Handle<T>) -> T {
        handle.await
    }
    async fn yield_now() {
        YieldOnce(false).await
    }
    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }
    async fn timeout<F: Future>(duration: Duration, f: F) -> Option<F::Output> {
        race(f, async_io::Timer::after(duration)).await
    }
}

/// `event_listener::Event` plus a flag, with the listen-then-recheck loop.
#[derive(Clone)]
pub struct ListenerEvent(Rc<(event_listener::Event, Cell<bool>)>);

impl BenchEvent for ListenerEvent {
    fn new() -> Self {
        ListenerEvent(Rc::new((event_listener::Event::new(), Cell::new(false))))
    }
    fn set(&self) {
        self.0.1.set(true);
        self.0.0.notify(usize::MAX);
    }
    fn clear(&self) {
        self.0.1.set(false);
    }
    async fn wait(&self) {
        let (event, flag) = &*self.0;
        loop {
            if flag.get() {
                return;
            }
            // The listener lives in this future, not in a box of its own.
            event_listener::listener!(event => listener);
            if flag.get() {
                return;
            }
            listener.await;
        }
    }
}

// ---------------------------------------------------------------------------
// futures: LocalPool, futures-intrusive's event, futures-timer
// ---------------------------------------------------------------------------

thread_local! {
    // The spawner of the pool that is currently alive on this thread.
    static LOCAL_SPAWNER: RefCell<Option<futures::executor::LocalSpawner>> =
        const { RefCell::new(None) };
}

pub struct FuturesPool(futures::executor::LocalPool);

impl Rt for FuturesPool {
    const NAME: &'static str = "futures";
    type Handle<T: 'static> = futures::future::RemoteHandle<T>;
    type Event = Rc<futures_intrusive::sync::LocalManualResetEvent>;

    fn new() -> Self {
        let pool = futures::executor::LocalPool::new();
        LOCAL_SPAWNER.with_borrow_mut(|s| *s = Some(pool.spawner()));
        FuturesPool(pool)
    }
    fn block_on<F: Future>(&mut self, f: F) -> F::Output {
        self.0.run_until(f)
    }
    fn spawn<F: Future + 'static>(f: F) -> Self::Handle<F::Output> {
        use futures::task::LocalSpawnExt;
        // `LocalPool` has no join handle of its own: `spawn_local_with_handle`
        // wraps the task so its output goes to a `RemoteHandle`.
        LOCAL_SPAWNER.with_borrow(|s| {
            s.as_ref()
                .expect("no LocalPool on this thread")
                .spawn_local_with_handle(f)
                .expect("spawn")
        })
    }
    async fn join<T: 'static>(handle: Self::Handle<T>) -> T {
        handle.await
    }
    async fn yield_now() {
        YieldOnce(false).await
    }
    async fn sleep(duration: Duration) {
        futures_timer::Delay::new(duration).await
    }
    async fn timeout<F: Future>(duration: Duration, f: F) -> Option<F::Output> {
        race(f, futures_timer::Delay::new(duration)).await
    }
}

impl Drop for FuturesPool {
    fn drop(&mut self) {
        LOCAL_SPAWNER.with_borrow_mut(|s| *s = None);
    }
}

impl BenchEvent for Rc<futures_intrusive::sync::LocalManualResetEvent> {
    fn new() -> Self {
        Rc::new(futures_intrusive::sync::LocalManualResetEvent::new(false))
    }
    fn set(&self) {
        futures_intrusive::sync::LocalManualResetEvent::set(self)
    }
    fn clear(&self) {
        self.reset()
    }
    async fn wait(&self) {
        futures_intrusive::sync::LocalManualResetEvent::wait(self).await
    }
}

thread_local! {
    /// Tasks that have started (been polled once); main yields until all have.
    pub static STARTED: Cell<usize> = const { Cell::new(0) };
}

pub fn mark_started() {
    STARTED.set(STARTED.get() + 1);
}

/// Yields until `n` tasks have called `mark_started`.
pub async fn until_started<R: Rt>(n: usize) {
    while STARTED.get() < n {
        R::yield_now().await;
    }
}
