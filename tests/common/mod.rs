//! Helpers shared by the integration tests: a log of events, drop flags,
//! poll counters, a trace sink, and a thread's CPU time.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// An ordered record of what happened, shared between tasks.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Self {
        Log::default()
    }

    pub fn push(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }

    /// Everything logged so far, emptying the log.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn snapshot(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Sets a shared flag when dropped: proves a future's destructors ran.
pub struct DropFlag(Rc<Cell<bool>>);

impl DropFlag {
    /// A flag and the guard that sets it.
    pub fn new() -> (DropFlag, Rc<Cell<bool>>) {
        let flag = Rc::new(Cell::new(false));
        (DropFlag(flag.clone()), flag)
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// A future that never completes on its own, counts its polls, and keeps
/// the last waker it was given so a test can wake it by hand.
#[derive(Clone, Default)]
pub struct Probe {
    pub polls: Rc<Cell<usize>>,
    pub waker: Rc<RefCell<Option<Waker>>>,
    pub ready: Rc<Cell<bool>>,
}

impl Probe {
    pub fn new() -> Self {
        Probe::default()
    }

    /// The future to spawn; completes once `ready` is set and it is polled.
    pub fn future(&self) -> ProbeFuture {
        ProbeFuture(self.clone())
    }

    pub fn wake(&self) {
        self.waker
            .borrow()
            .as_ref()
            .expect("probe was polled")
            .wake_by_ref();
    }

    pub fn polls(&self) -> usize {
        self.polls.get()
    }
}

pub struct ProbeFuture(Probe);

impl Future for ProbeFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let probe = &self.0;
        probe.polls.set(probe.polls.get() + 1);
        *probe.waker.borrow_mut() = Some(cx.waker().clone());
        if probe.ready.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Polls `future` once with the calling task's waker and says how it went:
/// what `futures::poll!` does, without the proc-macro that comes with it.
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// A waker labelled with a waiter and the poll that registered it: waking
/// it logs the label, so a model test can check who was woken, in which
/// order.
pub struct Labelled {
    pub label: (usize, usize),
    pub log: Arc<std::sync::Mutex<Vec<(usize, usize)>>>,
}

impl futures::task::ArcWake for Labelled {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.log.lock().unwrap().push(arc_self.label);
    }
}

/// CPU time the calling thread has used, from the kernel's scheduler
/// statistics (Linux).
pub fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("/proc/thread-self/schedstat is readable on Linux");
    let nanos: u64 = stat
        .split_whitespace()
        .next()
        .and_then(|field| field.parse().ok())
        .expect("schedstat starts with the CPU time in nanoseconds");
    Duration::from_nanos(nanos)
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Property-test settings: 512 cases by default; `PROPTEST_CASES=N` runs
/// more (or fewer).
///
/// Failing cases are saved in, and replayed first from, a file beside the
/// test's source (`tests/<name>.proptest-regressions`, committed). Said
/// explicitly: proptest's default looks for a `lib.rs` above the test file
/// to put its files beside `src/`, finds none under `tests/`, and only
/// falls back to this place after printing a warning.
pub fn proptest_config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    proptest::test_runner::Config {
        cases: cases.unwrap_or(512),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}

/// Runs the test `name` of this same test binary in a child process with
/// the variable `env` set (the child test does nothing without it), for
/// what cannot run in-process: an environment variable that other tests
/// would race with, or a failure that would abort the whole binary.
pub fn run_child(name: &str, env: &str) -> std::process::Output {
    run_child_with(name, &[(env, "1")])
}

/// [`run_child`] with several variables.
pub fn run_child_with(name: &str, vars: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .envs(vars.iter().copied())
        .output()
        .expect("the test binary runs again")
}

/// A waker whose `wake` panics: foreign code the runtime must survive.
pub fn panicking_waker() -> Waker {
    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }
    Waker::from(Arc::new(Panics))
}

/// Wakers whose `clone` runs a hook: the only way to make one is a
/// hand-written vtable, so this test helper (not the library) needs
/// `unsafe`. The vtable's functions ignore their data pointer.
pub mod clone_hook {
    use std::cell::RefCell;
    use std::ptr;
    use std::rc::Rc;
    use std::task::{RawWaker, RawWakerVTable, Waker};

    thread_local! {
        static ON_CLONE: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);

    fn clone(_: *const ()) -> RawWaker {
        let hook = ON_CLONE.with(|h| h.borrow().clone());
        if let Some(hook) = hook {
            hook();
        }
        RawWaker::new(ptr::null(), &VTABLE)
    }

    fn noop(_: *const ()) {}

    /// A waker that does nothing when woken and runs `hook` when cloned
    /// (on this thread).
    pub fn waker(hook: impl Fn() + 'static) -> Waker {
        ON_CLONE.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
        // SAFETY: the vtable's functions never touch the (null) data
        // pointer, and all of them are safe to call from any thread.
        unsafe { Waker::from_raw(RawWaker::new(ptr::null(), &VTABLE)) }
    }
}

/// A trace sink the test can read back, from any thread.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// The lines written so far, emptying the sink.
    pub fn take(&self) -> Vec<String> {
        let text = String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap();
        text.lines().map(str::to_string).collect()
    }

    /// Everything written so far, as one string (keeps it).
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Whether some line written so far contains `needle` (keeps them).
    pub fn contains(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.0.lock().unwrap()).contains(needle)
    }
}

/// A runtime on the paused clock whose trace goes to the returned sink.
pub fn traced() -> (looplet::Runtime, Lines) {
    let lines = Lines::default();
    let rt = looplet::Builder::new()
        .start_paused(true)
        .trace_to(lines.clone())
        .build();
    (rt, lines)
}
