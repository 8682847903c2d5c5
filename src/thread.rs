//! `to_thread`: run a blocking closure on a worker thread and await its
//! result; asyncio's `asyncio.to_thread`.
//!
//! The closure goes to the runtime's worker pool (`executor/pool.rs`) when
//! the future is first polled; its result (or its panic) comes back
//! through a slot the future and the job share (`util/reply.rs`), and the job wakes the
//! future's task from the worker thread (through the runtime's
//! cross-thread inbox). While a job is queued or running, a paused clock
//! does not move: the job runs on the real clock, and its wake will come.
//!
//! Read next: `runtime/` (the entry points, and `Builder::max_threads`).

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::executor::{self, Job};
use crate::join::JoinError;
use crate::task::TaskId;
use crate::trace;
use crate::util::reply::{Ended, Reply, Slot};

/// Runs `f` on one of the runtime's worker threads and gives its result;
/// asyncio's `await asyncio.to_thread(f)`.
///
/// The loop keeps running other tasks meanwhile. A panic in `f` becomes
/// the `Err(JoinError)` (its payload inside; the error's number comes from
/// the runtime's count of task ids). Like every Rust future it does
/// nothing until polled: the closure is handed to a worker on the first
/// poll. Workers start on demand, are reused, number at most
/// [`Builder::max_threads`](crate::Builder::max_threads), and exit after a
/// while idle; calls beyond that wait their turn, first come first served.
///
/// # Panics
///
/// When first polled outside a looplet runtime: `` `looplet::to_thread`
/// called outside a runtime ``.
///
/// # Examples
///
/// ```
/// let n = looplet::run(async {
///     // A blocking call, off the loop's thread.
///     looplet::to_thread(|| {
///         std::thread::sleep(std::time::Duration::from_millis(5));
///         42
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
///
/// On a paused runtime the clock waits for the thread:
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let slow = looplet::to_thread(|| std::thread::sleep(Duration::from_millis(50)));
///     assert!(looplet::timeout(Duration::from_secs(5), slow).await.is_ok());
/// });
/// ```
#[doc(alias = "asyncio.to_thread")]
#[doc(alias = "spawn_blocking")]
pub fn to_thread<F, T>(f: F) -> ToThread<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Slot::new());
    let job: Job = Box::new({
        let reply = Reply::new(slot.clone());
        move || {
            let result = panic::catch_unwind(AssertUnwindSafe(f));
            reply.send(Ended::Ran(result));
        }
    });
    ToThread {
        job: Some(job),
        slot,
        id: None,
    }
}

/// The future returned by [`to_thread`].
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let job: looplet::ToThread<u8> = looplet::to_thread(|| 7);
///     assert_eq!(job.await.unwrap(), 7);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it does not stop the closure (a thread cannot be cancelled):
/// the closure runs to its end and its result is dropped. Dropped before
/// its first poll, the closure never runs. If the runtime shuts down while
/// the closure still waits in the queue, it never runs and the future
/// gives a cancelled `JoinError`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ToThread<T> {
    /// The job, until it is handed to a worker.
    job: Option<Job>,
    /// Where its result comes back.
    slot: Arc<Slot<T>>,
    /// The job's number (from the runtime's task ids), once submitted.
    id: Option<TaskId>,
}

impl<T> Unpin for ToThread<T> {}

impl<T: Send + 'static> Future for ToThread<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(job) = self.job.take() {
            let core = executor::current("to_thread");
            let id = core.next_id();
            self.id = Some(id);
            if core.run_on_thread(job).is_err() {
                // The runtime is shutting down: the closure never runs.
                return Poll::Ready(Err(JoinError::cancelled(id, None)));
            }
            if trace::tracing() {
                trace::thread_job_sent(id.as_u64(), core.thread_jobs());
            }
        }
        let id = self.id.expect("a submitted job has its number");
        let ended = std::task::ready!(self.slot.poll_take(cx, "ToThread"));
        if trace::tracing() {
            let how = match &ended {
                Ended::Ran(Ok(_)) => "done",
                Ended::Ran(Err(_)) => "panicked",
                Ended::Dropped => "never ran (the runtime shut down)",
            };
            trace::thread_job_back(id.as_u64(), how);
        }
        Poll::Ready(match ended {
            Ended::Ran(Ok(output)) => Ok(output),
            Ended::Ran(Err(payload)) => Err(JoinError::panic(id, None, payload)),
            Ended::Dropped => Err(JoinError::cancelled(id, None)),
        })
    }
}

impl<T> fmt::Debug for ToThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToThread")
            .field("submitted", &self.job.is_none())
            .field("id", &self.id)
            .finish()
    }
}
