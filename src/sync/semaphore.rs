//! [`Semaphore`]: asyncio's `asyncio.Semaphore` and `BoundedSemaphore`;
//! [`SemaphorePermit`], one permit held; [`SemaphoreAcquire`], the future
//! of [`Semaphore::acquire`].
//!
//! A [`Permits`] of `n` (`permits.rs`), like the mutex: releases hand
//! permits to the oldest waiter, so no later task barges past the line.
//! A bounded semaphore also remembers its bound and panics on a release
//! that would exceed it, as asyncio's `BoundedSemaphore` raises.
//!
//! # Invariants
//!
//! * Free permits plus permits held (by `SemaphorePermit`s, forgotten
//!   ones, or granted waiters not yet run) only change by `release` (up)
//!   and `forget` (down); for a bounded semaphore, free permits never
//!   exceed the bound.
//!
//! Read next: `queue.rs`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::permits::{self, Acquire, Permits};

/// A count of permits that tasks take and give back, for tasks of one
/// thread; asyncio's `asyncio.Semaphore` (and, made with
/// [`bounded`](Semaphore::bounded), `asyncio.BoundedSemaphore`).
///
/// [`acquire`](Semaphore::acquire) waits for a permit and returns a
/// [`SemaphorePermit`]; dropping it gives the permit back. Waiting tasks
/// get permits oldest first, and a task that asks while others wait queues
/// behind them. `Semaphore` is a cheap handle: clones are the same
/// semaphore. It only uses wakers, so it works under any executor.
///
/// # Examples
///
/// At most two of five tasks run at once:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use looplet::sync::Semaphore;
///
/// looplet::run(async {
///     let sem = Semaphore::new(2);
///     let (running, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
///     let tasks: Vec<_> = (0..5)
///         .map(|_| {
///             let (sem, running, most) = (sem.clone(), running.clone(), most.clone());
///             looplet::spawn(async move {
///                 let _permit = sem.acquire().await;
///                 running.set(running.get() + 1);
///                 most.set(most.get().max(running.get()));
///                 looplet::yield_now().await;
///                 running.set(running.get() - 1);
///             })
///         })
///         .collect();
///     looplet::gather(tasks).await;
///     assert_eq!(most.get(), 2);
/// });
/// ```
///
/// `Semaphore` is neither `Send` nor `Sync`:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::sync::Semaphore>();
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::sync::Semaphore>();
/// ```
#[derive(Clone)]
#[doc(alias = "asyncio.Semaphore")]
#[doc(alias = "BoundedSemaphore")]
pub struct Semaphore {
    /// The permits and the bound, shared by every clone.
    inner: Rc<Inner>,
}

/// A semaphore's permits and bound.
struct Inner {
    /// Free permits and waiters.
    permits: RefCell<Permits>,
    /// The most free permits a bounded semaphore may have.
    bound: Option<usize>,
}

impl Semaphore {
    /// A semaphore with `permits` free permits; asyncio's
    /// `asyncio.Semaphore(permits)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Semaphore::with_bound(permits, None)
    }

    /// A semaphore with `permits` free permits that never has more;
    /// asyncio's `asyncio.BoundedSemaphore(permits)`. A
    /// [`release`](Semaphore::release) that would exceed `permits` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::bounded(1);
    /// let permit = sem.try_acquire().unwrap();
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[doc(alias = "BoundedSemaphore")]
    pub fn bounded(permits: usize) -> Self {
        Semaphore::with_bound(permits, Some(permits))
    }

    /// The one constructor.
    fn with_bound(permits: usize, bound: Option<usize>) -> Self {
        Semaphore {
            inner: Rc::new(Inner {
                permits: RefCell::new(Permits::new(permits, "semaphore")),
                bound,
            }),
        }
    }

    /// Waits for a permit; asyncio's `await sem.acquire()` (and
    /// `async with sem:`).
    ///
    /// Ready at once when a permit is free and nobody waits; otherwise the
    /// task queues behind every earlier waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let sem = looplet::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert!(sem.is_locked());
    ///     drop(permit);
    ///     assert!(!sem.is_locked());
    /// });
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire {
            semaphore: self,
            acquire: Acquire::Start,
        }
    }

    /// Takes a permit if one is free and nobody waits for one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire();
    /// assert!(permit.is_some());
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        let taken = self.inner.permits.borrow_mut().try_take();
        taken.then(|| SemaphorePermit { semaphore: self })
    }

    /// Adds one permit, handing it to the oldest waiter if any; asyncio's
    /// `sem.release()`. Dropping a [`SemaphorePermit`] does this for you;
    /// call it by hand to give back a [`forget`](SemaphorePermit::forget)
    /// permit, or to raise an unbounded semaphore's count.
    ///
    /// # Panics
    ///
    /// On a [`bounded`](Semaphore::bounded) semaphore, when the release
    /// would make more permits free than it was made with (asyncio's
    /// `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn release(&self) {
        if let Some(bound) = self.inner.bound {
            let permits = self.inner.permits.borrow();
            let over = permits.waiters.is_empty() && permits.available >= bound;
            drop(permits);
            if over {
                panic!(
                    "`Semaphore::release` called too many times on a bounded semaphore; \
                     release only permits that were acquired"
                );
            }
        }
        permits::release(&self.inner.permits);
    }

    /// How many permits are free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.inner.permits.borrow().available
    }

    /// Whether an `acquire` now would wait: no permit free, or tasks
    /// already waiting; asyncio's `sem.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(0);
    /// assert!(sem.is_locked());
    /// ```
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        let permits = self.inner.permits.borrow();
        permits.available == 0 || !permits.waiters.is_empty()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(permits) = self.inner.permits.try_borrow() else {
            return f.write_str("Semaphore { <in use> }");
        };
        let mut out = f.debug_struct("Semaphore");
        out.field("permits", &permits.available);
        if let Some(bound) = self.inner.bound {
            out.field("bound", &bound);
        }
        out.field("waiters", &permits.waiters.len()).finish()
    }
}

/// One permit of a [`Semaphore`], held; dropping it gives it back.
///
/// # Panics
///
/// Dropped on a [`bounded`](Semaphore::bounded) semaphore that already
/// has all its permits free (extra [`Semaphore::release`] calls were made
/// while it was held), as asyncio's `BoundedSemaphore` raises on that
/// release. Never while the thread is already panicking.
///
/// # Examples
///
/// ```
/// let sem = looplet::sync::Semaphore::new(1);
/// let permit: looplet::sync::SemaphorePermit<'_> = sem.try_acquire().unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "dropping the permit gives it back at once"]
pub struct SemaphorePermit<'a> {
    /// The semaphore it came from.
    semaphore: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken without holding it: the semaphore has one
    /// permit fewer until someone calls [`Semaphore::release`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = looplet::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Never a second panic while unwinding: give it back unchecked.
            permits::release(&self.semaphore.inner.permits);
        } else {
            self.semaphore.release();
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", self.semaphore)
            .finish()
    }
}

/// The future returned by [`Semaphore::acquire`]: resolves to a permit.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let sem = looplet::sync::Semaphore::new(0);
///     let late = looplet::timeout(Duration::from_secs(1), sem.acquire()).await;
///     assert!(late.is_err());
///     assert_eq!(format!("{sem:?}"), "Semaphore { permits: 0, waiters: 0 }");
/// });
/// ```
///
/// # Panics
///
/// Polled again after it completed.
///
/// # Cancel safety
///
/// Cancel safe. Dropped while waiting, it leaves the line at once. Dropped
/// after a permit was handed to it but before it ran, it hands the permit
/// to the next waiter (or back to the count): no permit is lost.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SemaphoreAcquire<'a> {
    /// The semaphore asked.
    semaphore: &'a Semaphore,
    /// Where the request is.
    acquire: Acquire,
}

impl<'a> Future for SemaphoreAcquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = &mut *self;
        let semaphore = this.semaphore;
        this.acquire
            .poll(&semaphore.inner.permits, cx, "SemaphoreAcquire")
            .map(|()| SemaphorePermit { semaphore })
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        self.acquire.cancel(&self.semaphore.inner.permits);
    }
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire")
            .field("state", &self.acquire)
            .finish_non_exhaustive()
    }
}
