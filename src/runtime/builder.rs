//! [`Builder`]: a runtime's options (asyncio's loop with options).
//!
//! Read next: `mod.rs` ([`Runtime`](crate::Runtime), `run`, `spawn`).

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::rc::Rc;

use super::Runtime;
use crate::executor::{Core, TraceOut};
use crate::trace::{self, Kinds};

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
    /// Where trace lines go, if the runtime traces, and which kinds of
    /// line it keeps (every kind, unless `LOOPLET_TRACE` lists some).
    trace: Option<(TraceOut, Kinds)>,
    /// The seed each turn's batch and equal-deadline timers are shuffled
    /// with; `None` for FIFO.
    shuffle: Option<u64>,
    /// At most this many worker threads for `to_thread`.
    max_threads: usize,
}

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
            .field("max_threads", &self.max_threads)
            .field("shuffle", &self.shuffle)
            .finish()
    }
}

impl Builder {
    /// A builder with the default options: the real clock, tracing to
    /// stderr only if the environment variable `LOOPLET_TRACE` is set (to
    /// anything but empty, `0`, `false`, `off` or `no`; a comma-separated
    /// list of `tasks`, `sync`, `timers`, `wheel` and `park` keeps only
    /// those kinds of line, see `docs/07-reading-a-trace.md`), and FIFO order
    /// unless `LOOPLET_SHUFFLE=<seed>` asks for a shuffled schedule (see
    /// [`Builder::shuffle`]). [`run`](crate::run) builds its runtime here,
    /// so both variables work for any program that uses it.
    ///
    /// # Panics
    ///
    /// If `LOOPLET_SHUFFLE` is set to something other than a whole number
    /// from 0 to 2^64 - 1 (surrounding spaces are ignored; empty means
    /// unset): `` `LOOPLET_SHUFFLE` must be a seed, a whole number such as
    /// `LOOPLET_SHUFFLE=42` ... ``.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().build();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        let from_env = trace::env_trace(std::env::var_os("LOOPLET_TRACE").as_deref());
        Builder {
            start_paused: false,
            trace: from_env.map(|kinds| (stderr(), kinds)),
            shuffle: shuffle_from_env(),
            max_threads: default_max_threads(),
        }
    }

    /// Polls each turn's batch of ready tasks in an order permuted by a
    /// generator seeded with `seed`, and fires timers with equal deadlines
    /// in an order drawn from it too, instead of first in, first out
    /// (overriding `LOOPLET_SHUFFLE`). Python's Trio shuffles its batches
    /// for the same reason: a program that only works in FIFO order has
    /// an order bug, and FIFO hides it.
    ///
    /// Only the order changes: a task is still polled at most once per
    /// turn, and a turn still polls only what was queued when it began.
    /// The same seed on a paused clock ([`Builder::start_paused`]) gives
    /// the same schedule and the same trace, on every run and machine;
    /// the trace's first line names the seed and [`Stats::shuffle_seed`]
    /// records it. To try many seeds, see [`explore`](crate::explore).
    ///
    /// Off (the default), this costs one branch per turn and one per sleep
    /// made.
    ///
    /// [`Stats::shuffle_seed`]: crate::Stats::shuffle_seed
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let order = |seed: u64| {
    ///     let rt = looplet::Builder::new().start_paused(true).shuffle(seed).build();
    ///     let log = Rc::new(RefCell::new(Vec::new()));
    ///     rt.block_on(async {
    ///         let tasks: Vec<_> = (0..4)
    ///             .map(|i| {
    ///                 let log = log.clone();
    ///                 looplet::spawn(async move { log.borrow_mut().push(i) })
    ///             })
    ///             .collect();
    ///         looplet::gather(tasks).await;
    ///     });
    ///     assert_eq!(rt.stats().shuffle_seed, Some(seed));
    ///     log.take()
    /// };
    /// assert_eq!(order(7), order(7)); // the same seed, the same order
    /// let mut sorted = order(7);
    /// sorted.sort();
    /// assert_eq!(sorted, [0, 1, 2, 3]); // every task ran, once
    /// ```
    pub fn shuffle(&mut self, seed: u64) -> &mut Self {
        self.shuffle = Some(seed);
        self
    }

    /// Runs tasks first in, first out (the default), overriding
    /// `LOOPLET_SHUFFLE`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().fifo().build();
    /// assert_eq!(rt.stats().shuffle_seed, None);
    /// ```
    pub fn fifo(&mut self) -> &mut Self {
        self.shuffle = None;
        self
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

    /// At most `n` worker threads for [`to_thread`](crate::to_thread) (at
    /// least one); asyncio's default executor has `min(32, cores + 4)`,
    /// and so does looplet by default. Calls beyond `n` at once wait their
    /// turn, first come first served.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = looplet::Builder::new().max_threads(2).build();
    /// let sum: u32 = rt.block_on(async {
    ///     let a = looplet::to_thread(|| 20);
    ///     let b = looplet::to_thread(|| 22);
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(sum, 42);
    /// ```
    pub fn max_threads(&mut self, n: usize) -> &mut Self {
        self.max_threads = n;
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
        self.trace = on.then(|| (stderr(), Kinds::ALL));
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
        self.trace = Some((Rc::new(RefCell::new(out)), Kinds::ALL));
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
        Runtime::from_core(Core::new(
            self.start_paused,
            self.trace.clone(),
            self.shuffle,
            self.max_threads,
        ))
    }
}

/// asyncio's default executor size: `min(32, cores + 4)`.
fn default_max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores + 4).min(32)
}

/// The seed in `LOOPLET_SHUFFLE`, if it is set.
///
/// # Panics
///
/// If it is set but is not a seed.
#[track_caller]
pub(super) fn shuffle_from_env() -> Option<u64> {
    let value = std::env::var_os("LOOPLET_SHUFFLE")?;
    match parse_seed(&value) {
        Ok(seed) => seed,
        Err(()) => panic!(
            "`LOOPLET_SHUFFLE` must be a seed, a whole number such as `LOOPLET_SHUFFLE=42` \
             (from 0 to 18446744073709551615), or unset; it is {value:?}"
        ),
    }
}

/// A seed as `LOOPLET_SHUFFLE` spells it: `Ok(None)` when empty.
fn parse_seed(value: &std::ffi::OsStr) -> Result<Option<u64>, ()> {
    let text = value.to_str().ok_or(())?.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(drop)
}

/// Trace lines to stderr.
fn stderr() -> TraceOut {
    Rc::new(RefCell::new(std::io::stderr()))
}
