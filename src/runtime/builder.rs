//! [`Builder`]: a runtime's options (asyncio's loop with options).
//!
//! Read next: `mod.rs` ([`Runtime`](crate::Runtime), `run`, `spawn`).

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::rc::Rc;

use super::Runtime;
use crate::executor::{Core, TraceOut};
use crate::trace;

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
            max_threads: default_max_threads(),
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
        Runtime::from_core(Core::new(
            self.start_paused,
            self.trace.clone(),
            self.max_threads,
        ))
    }
}

/// asyncio's default executor size: `min(32, cores + 4)`.
fn default_max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores + 4).min(32)
}

/// Trace lines to stderr.
fn stderr() -> TraceOut {
    Rc::new(RefCell::new(std::io::stderr()))
}
