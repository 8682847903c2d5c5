//! [`Mutex`]: asyncio's `asyncio.Lock`, guarding a value as Rust's
//! mutexes do; [`MutexGuard`], the proof of holding it; and [`MutexLock`],
//! the future of [`Mutex::lock`].
//!
//! The lock is a [`Permits`] of one (`permits.rs`): a release hands the
//! lock straight to the oldest waiter, so a task that asks later cannot
//! barge in, and a waiter dropped after it was handed the lock hands it on.
//! The value sits in its own `RefCell`, borrowed mutably by the one guard
//! that holds the lock: the permit guarantees that borrow never fails.
//!
//! # Invariants
//!
//! * The value's `RefCell` is borrowed exactly while a guard exists.
//! * `permits.available` is 1 when unlocked and 0 when locked (held, or
//!   handed to a waiter that has not run yet).
//!
//! Read next: `semaphore.rs`.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::permits::{self, Acquire, Permits};

/// A lock that guards a value, for tasks of one thread; asyncio's
/// `asyncio.Lock`.
///
/// [`lock`](Mutex::lock) waits for the lock and returns a [`MutexGuard`]
/// that derefs to the value; dropping the guard releases the lock. Tasks
/// get the lock in the order they asked for it: a release hands it
/// straight to the oldest waiter, so [`try_lock`](Mutex::try_lock) fails
/// while others wait even at the instant it is released. `Mutex<()>` is
/// asyncio's bare lock. `Mutex` is a cheap handle: clones are the same
/// lock.
///
/// It only uses wakers, so it works under any executor.
///
/// # Examples
///
/// A shared counter, updated across an await:
///
/// ```
/// use looplet::sync::Mutex;
///
/// looplet::run(async {
///     let counter = Mutex::new(0);
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let counter = counter.clone();
///             looplet::spawn(async move {
///                 let mut n = counter.lock().await;
///                 let seen = *n;
///                 looplet::yield_now().await; // others queue for the lock
///                 *n = seen + 1;
///             })
///         })
///         .collect();
///     looplet::gather(tasks).await;
///     assert_eq!(*counter.lock().await, 3);
/// });
/// ```
///
/// `Mutex` is neither `Send` nor `Sync`:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::sync::Mutex<()>>();
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::sync::Mutex<()>>();
/// ```
#[doc(alias = "Lock")]
#[doc(alias = "asyncio.Lock")]
pub struct Mutex<T: ?Sized> {
    /// The lock and the value, shared by every clone.
    pub(super) inner: Rc<Inner<T>>,
}

/// A mutex's lock and value.
pub(super) struct Inner<T: ?Sized> {
    /// One permit: the lock.
    pub(super) permits: RefCell<Permits>,
    /// The guarded value, borrowed by the guard.
    value: RefCell<T>,
}

impl<T: ?Sized> Clone for Mutex<T> {
    fn clone(&self) -> Self {
        Mutex {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex guarding `value`; asyncio's `asyncio.Lock()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = looplet::sync::Mutex::new(());
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            inner: Rc::new(Inner {
                permits: RefCell::new(Permits::new(1, "lock")),
                value: RefCell::new(value),
            }),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock; asyncio's `await lock.acquire()` (and
    /// `async with lock:`, the guard's scope being the block).
    ///
    /// Ready at once when the lock is free and nobody waits; otherwise the
    /// task queues behind every earlier waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let lock = looplet::sync::Mutex::new(vec![1]);
    ///     lock.lock().await.push(2);
    ///     assert_eq!(*lock.lock().await, [1, 2]);
    /// });
    /// ```
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            acquire: Acquire::Start,
        }
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = looplet::sync::Mutex::new(());
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// drop(guard);
    /// assert!(lock.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let taken = self.inner.permits.borrow_mut().try_take();
        taken.then(|| MutexGuard::new(self))
    }

    /// Whether the lock is held (or handed to a waiter that has not run
    /// yet); asyncio's `lock.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = looplet::sync::Mutex::new(());
    /// let guard = lock.try_lock();
    /// assert!(lock.is_locked());
    /// drop(guard);
    /// assert!(!lock.is_locked());
    /// ```
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        self.inner.permits.borrow().available == 0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(permits) = self.inner.permits.try_borrow() else {
            return f.write_str("Mutex { <in use> }");
        };
        let mut out = f.debug_struct("Mutex");
        out.field("locked", &(permits.available == 0))
            .field("waiters", &permits.waiters.len());
        match self.inner.value.try_borrow() {
            Ok(value) => out.field("value", &&*value),
            Err(_) => out.field("value", &format_args!("<locked>")),
        };
        out.finish()
    }
}

/// The lock held: derefs to the value; dropping it releases the lock,
/// handing it to the oldest waiter.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let lock = looplet::sync::Mutex::new(1);
///     let mut guard: looplet::sync::MutexGuard<'_, i32> = lock.lock().await;
///     *guard += 1;
///     drop(guard); // asyncio's lock.release()
///     assert_eq!(*lock.lock().await, 2);
/// });
/// ```
#[doc(alias = "release")]
#[must_use = "dropping the guard releases the lock at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    /// The mutex held.
    pub(super) mutex: &'a Mutex<T>,
    /// The value, borrowed for as long as the lock is held (`None` only
    /// inside `drop`).
    value: Option<RefMut<'a, T>>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The guard of a lock just taken.
    pub(super) fn new(mutex: &'a Mutex<T>) -> Self {
        let value = mutex.inner.value.borrow_mut();
        MutexGuard {
            mutex,
            value: Some(value),
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a live guard borrows the value")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("a live guard borrows the value")
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // Let go of the value before the next holder can run.
        self.value = None;
        permits::release(&self.mutex.inner.permits);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The future returned by [`Mutex::lock`]: resolves to the guard.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// looplet::Builder::new().start_paused(true).build().block_on(async {
///     let lock = looplet::sync::Mutex::new(());
///     let held = lock.lock().await;
///     let late = looplet::timeout(Duration::from_secs(1), lock.lock()).await;
///     assert!(late.is_err()); // gave up; its place in line is gone
///     assert_eq!(
///         format!("{lock:?}"),
///         "Mutex { locked: true, waiters: 0, value: <locked> }"
///     );
///     drop(held);
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
/// after the lock was handed to it but before it ran, it hands the lock to
/// the next waiter (or unlocks it): the lock is never stranded.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct MutexLock<'a, T: ?Sized> {
    /// The mutex asked for.
    mutex: &'a Mutex<T>,
    /// Where the request is.
    acquire: Acquire,
}

impl<'a, T: ?Sized> Future for MutexLock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        let mutex = this.mutex;
        this.acquire
            .poll(&mutex.inner.permits, cx, "MutexLock")
            .map(|()| MutexGuard::new(mutex))
    }
}

impl<T: ?Sized> Drop for MutexLock<'_, T> {
    fn drop(&mut self) {
        self.acquire.cancel(&self.mutex.inner.permits);
    }
}

impl<T: ?Sized> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("state", &self.acquire)
            .finish_non_exhaustive()
    }
}
