//! `yield_now`: asyncio's `await asyncio.sleep(0)`.
//!
//! The whole trick is to wake yourself and return `Pending` once. The
//! executor then puts the task at the back of the run queue (a task woken
//! during its own poll waits for the next batch), so every task that was
//! already queued runs first. Nothing here is specific to looplet: it works
//! under any executor.
//!
//! Read next: `wait.rs`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets every other ready task run, then resumes; asyncio's
/// `await asyncio.sleep(0)`.
///
/// The caller goes to the back of the run queue.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let order = Rc::new(RefCell::new(Vec::new()));
/// looplet::run({
///     let order = order.clone();
///     async move {
///         let o = order.clone();
///         let task = looplet::spawn(async move { o.borrow_mut().push("task") });
///         order.borrow_mut().push("main before yield");
///         looplet::yield_now().await; // the task runs here
///         order.borrow_mut().push("main after yield");
///         task.await.unwrap();
///     }
/// });
/// assert_eq!(*order.borrow(), ["main before yield", "task", "main after yield"]);
/// ```
#[doc(alias = "sleep(0)")]
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// # Examples
///
/// It works under any executor: it only wakes itself once.
///
/// ```
/// let yielded: looplet::YieldNow = looplet::yield_now();
/// futures::executor::block_on(yielded);
/// ```
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct YieldNow {
    /// Whether it has already returned `Pending` once.
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
