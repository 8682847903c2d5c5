//! The runtime's worker threads, for `to_thread`: asyncio's default
//! executor.
//!
//! Plain std threads around a queue behind a `Mutex` and a `Condvar`, in
//! safe code. Threads start on demand, up to the runtime's `max_threads`;
//! a job that finds every thread busy waits in the queue, first come first
//! served; a thread idle for [`IDLE_TIMEOUT`] exits.
//!
//! # The paused clock waits for the threads
//!
//! A job runs on the real clock however the runtime's clock goes, so a
//! paused runtime must not jump its clock (or report a deadlock) while a
//! job it started is queued or running: its wake will come. `pending`
//! counts such jobs; the loop reads it before it plans an idle step. A job
//! lowers it *after* its result is stored and its awaiter woken, then (on
//! a paused runtime, the only kind that reads the count) unparks the
//! runtime's thread, so the loop that saw `pending > 0` and
//! parked is woken even if nobody awaits the result any more (an unpark
//! before the park leaves a token, as in `remote.rs`).
//!
//! # Shutdown
//!
//! Dropping the runtime drops the jobs still queued (they never started)
//! and waits for the running ones to finish, as `asyncio.run` waits for
//! its default executor.
//!
//! Read next: `shutdown.rs`.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use super::park::Unparker;

/// How long a worker waits for a job before it exits.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// A closure to run on a worker.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The worker threads of one runtime.
pub(crate) struct Pool {
    /// What the workers share with the runtime.
    shared: Arc<Shared>,
}

/// The part of a pool the workers touch.
struct Shared {
    /// The queue and the thread counts.
    state: Mutex<State>,
    /// Wakes an idle worker when a job arrives, and the runtime's shutdown
    /// when the last running job ends.
    changed: Condvar,
    /// Jobs queued or running, for the loop's idle plan.
    pending: AtomicUsize,
    /// Wakes the runtime's thread when a job ends.
    runtime: Arc<Unparker>,
    /// Whether the runtime's clock is paused: only then does the loop
    /// read `pending`, and so only then must a job's end wake it.
    paused: bool,
    /// At most this many workers.
    max_threads: usize,
}

/// A pool's books.
#[derive(Default)]
struct State {
    /// Jobs not started, oldest first.
    queue: VecDeque<Job>,
    /// Workers alive.
    threads: usize,
    /// Workers waiting for a job.
    idle: usize,
    /// Jobs running now.
    running: usize,
    /// Set at shutdown: workers exit, new jobs are refused.
    closed: bool,
}

impl Pool {
    /// A pool of at most `max_threads` workers (at least one) for the
    /// runtime woken by `runtime`. No thread starts until a job comes.
    pub(crate) fn new(max_threads: usize, runtime: Arc<Unparker>, paused: bool) -> Self {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
                pending: AtomicUsize::new(0),
                runtime,
                paused,
                max_threads: max_threads.max(1),
            }),
        }
    }

    /// Jobs queued or running.
    #[inline]
    pub(crate) fn pending(&self) -> usize {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// Runs `job` on a worker: an idle one, a new one if fewer than
    /// `max_threads` run, or the first to come free. Gives the job back if
    /// the pool is shut down.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(job);
        }
        self.shared.pending.fetch_add(1, Ordering::AcqRel);
        state.queue.push_back(job);
        if state.idle >= state.queue.len() {
            self.shared.changed.notify_one();
        } else if state.threads < self.shared.max_threads {
            state.threads += 1;
            drop(state);
            let shared = self.shared.clone();
            thread::Builder::new()
                .name("looplet-worker".to_string())
                .spawn(move || shared.work())
                .expect("looplet: could not start a worker thread");
        }
        Ok(())
    }

    /// Drops the jobs that never started and waits for the running ones.
    pub(crate) fn shut_down(&self) {
        let mut state = self.shared.lock();
        state.closed = true;
        let never_started = std::mem::take(&mut state.queue);
        self.shared.changed.notify_all();
        drop(state);
        let dropped = never_started.len();
        // Dropped here, on the runtime's thread, with no lock held.
        drop(never_started);
        self.shared.pending.fetch_sub(dropped, Ordering::AcqRel);
        let mut state = self.shared.lock();
        while state.running > 0 {
            state = self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Shared {
    /// The books, even if a job's panic poisoned the lock (jobs run
    /// unlocked, so the books themselves are always whole).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker's life: take jobs until closed or idle for too long.
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                state.running += 1;
                drop(state);
                // The job catches its closure's panic itself (to hand it to
                // its awaiter); nothing here can unwind.
                job();
                self.pending.fetch_sub(1, Ordering::AcqRel);
                if self.paused {
                    // On a real clock the loop never waits for `pending`;
                    // the job's awaiter, if any, was woken through the
                    // inbox. Skipping this second unpark saves a system
                    // call (two with `net`) and a spurious wake-up per job.
                    self.runtime.unpark();
                }
                state = self.lock();
                state.running -= 1;
                if state.closed && state.running == 0 {
                    self.changed.notify_all();
                }
                continue;
            }
            if state.closed {
                break;
            }
            state.idle += 1;
            let (next, timeout) = self
                .changed
                .wait_timeout(state, IDLE_TIMEOUT)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if timeout.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Pool")
            .field("threads", &state.threads)
            .field("running", &state.running)
            .field("queued", &state.queue.len())
            .finish()
    }
}
