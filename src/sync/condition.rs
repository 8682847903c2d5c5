//! [`Condition`]: asyncio's `asyncio.Condition`, a line of tasks waiting
//! to be notified, tied to a [`Mutex`]. Its future, [`ConditionWait`], is
//! in `condition_wait.rs`.
//!
//! `wait` takes the guard, joins the notify line and releases the lock at
//! once (the call, not the first poll: the lock must be free for the
//! notifier to take it). `notify(n)` *grants* the `n` oldest waiters
//! ([`Waiters::grant_front`]); each, when it runs, queues for the lock
//! like any other task and returns the guard. A notified waiter dropped
//! before it ran passes its notification on to the next waiter
//! (gh-112202), so a `notify(1)` is never swallowed by a cancellation.
//!
//! # Invariants
//!
//! * Every waiter in the line released the lock it held when it joined.
//! * No borrow of the line is held while a waker is woken or dropped.
//!
//! Read next: `condition_wait.rs`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::task::Waker;

use super::condition_wait::{ConditionWait, Step};
use super::mutex::{Mutex, MutexGuard, MutexLock};
use super::waiters::Waiters;
use crate::task::Wake;
use crate::trace;

/// A line of tasks waiting for a change to a value guarded by a
/// [`Mutex`]; asyncio's `asyncio.Condition`.
///
/// Take the lock with [`lock`](Condition::lock), check the value, and if
/// it is not what you need, [`wait`](Condition::wait) with the guard: the
/// lock is released while you wait and taken again before `wait` returns.
/// A task that changes the value calls [`notify`](Condition::notify) or
/// [`notify_all`](Condition::notify_all) while holding the lock.
/// `Condition` is a cheap handle: clones are the same condition.
///
/// # Examples
///
/// ```
/// use looplet::sync::Condition;
///
/// looplet::run(async {
///     let cond = Condition::new(Vec::new());
///     let consumer = looplet::spawn({
///         let cond = cond.clone();
///         async move {
///             let guard = cond.lock().await;
///             let mut items = cond.wait_for(guard, |items| !items.is_empty()).await;
///             items.pop()
///         }
///     });
///     looplet::yield_now().await; // the consumer waits
///     let mut items = cond.lock().await;
///     items.push("job");
///     cond.notify(1);
///     drop(items);
///     assert_eq!(consumer.await.unwrap(), Some("job"));
/// });
/// ```
///
/// `Condition` is neither `Send` nor `Sync`:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<looplet::sync::Condition<()>>();
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<looplet::sync::Condition<()>>();
/// ```
#[doc(alias = "asyncio.Condition")]
pub struct Condition<T> {
    /// The mutex and the notify line, shared by every clone.
    pub(super) inner: Rc<Inner<T>>,
}

/// A condition's mutex and notify line.
pub(super) struct Inner<T> {
    /// The lock the waiters release and take again.
    pub(super) mutex: Mutex<T>,
    /// Tasks waiting for a notify (and notified ones not yet run).
    pub(super) waiters: RefCell<Waiters>,
    /// Its name in trace lines: `condition 4`.
    pub(super) label: trace::Label,
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Self {
        Condition {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Default> Default for Condition<T> {
    fn default() -> Self {
        Condition::new(T::default())
    }
}

impl<T> Condition<T> {
    /// A condition with its own mutex guarding `value`; asyncio's
    /// `asyncio.Condition()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = looplet::sync::Condition::new(0);
    /// assert!(!cond.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Condition::with_mutex(Mutex::new(value))
    }

    /// A condition on a mutex shared with other code; asyncio's
    /// `asyncio.Condition(lock)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::sync::{Condition, Mutex};
    ///
    /// let mutex = Mutex::new(0);
    /// let cond = Condition::with_mutex(mutex.clone());
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(cond.is_locked());
    /// # drop(guard);
    /// ```
    pub fn with_mutex(mutex: Mutex<T>) -> Self {
        Condition {
            inner: Rc::new(Inner {
                mutex,
                waiters: RefCell::new(Waiters::default()),
                label: trace::Label::new("condition"),
            }),
        }
    }

    /// Waits for the condition's lock; asyncio's `async with cond:`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let cond = looplet::sync::Condition::new(1);
    ///     *cond.lock().await += 1;
    ///     assert_eq!(*cond.lock().await, 2);
    /// });
    /// ```
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> MutexLock<'_, T> {
        self.inner.mutex.lock()
    }

    /// Whether the condition's lock is held; asyncio's `cond.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = looplet::sync::Condition::new(());
    /// assert!(!cond.is_locked());
    /// ```
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        self.inner.mutex.is_locked()
    }

    /// Releases the lock held by `guard`, waits to be notified, takes the
    /// lock again and returns its guard; asyncio's `await cond.wait()`.
    ///
    /// The lock is released when `wait` is called, not when the future is
    /// first polled. Once notified, the task queues for the lock behind
    /// the tasks already waiting for it.
    ///
    /// # Panics
    ///
    /// If `guard` is the guard of another mutex than this condition's.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let cond = looplet::sync::Condition::new(false);
    ///     let waiter = looplet::spawn({
    ///         let cond = cond.clone();
    ///         async move {
    ///             let guard = cond.lock().await;
    ///             let guard = cond.wait(guard).await;
    ///             *guard
    ///         }
    ///     });
    ///     looplet::yield_now().await;
    ///     let mut ready = cond.lock().await;
    ///     *ready = true;
    ///     cond.notify_all();
    ///     drop(ready);
    ///     assert!(waiter.await.unwrap());
    /// });
    /// ```
    pub fn wait(&self, guard: MutexGuard<'_, T>) -> ConditionWait<'_, T> {
        if !Rc::ptr_eq(&guard.mutex.inner, &self.inner.mutex.inner) {
            panic!(
                "`Condition::wait` given the guard of another mutex; \
                 pass the guard from this condition's `lock`"
            );
        }
        // The real waker comes with the first poll.
        let key = self
            .inner
            .waiters
            .borrow_mut()
            .push_back(Wake::Waker(Waker::noop().clone()));
        drop(guard);
        if trace::tracing() {
            let waiting = self.inner.waiters.borrow().len();
            trace::sync_waits(&self.inner.label.to_string(), "", waiting);
        }
        ConditionWait::new(self, Step::Waiting(key))
    }

    /// Waits until `pred` holds for the value, then returns the guard;
    /// asyncio's `await cond.wait_for(predicate)`. `pred` is checked
    /// first with the lock held, and again after every notify.
    ///
    /// # Panics
    ///
    /// If `guard` is the guard of another mutex than this condition's.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Condition::wait): dropped, it holds no lock and leaves
    /// no waiter, and a notification it had received goes to the next one.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let cond = looplet::sync::Condition::new(3);
    ///     let guard = cond.lock().await;
    ///     let guard = cond.wait_for(guard, |n| *n == 3).await; // holds already
    ///     assert_eq!(*guard, 3);
    /// });
    /// ```
    pub async fn wait_for<'a>(
        &'a self,
        mut guard: MutexGuard<'a, T>,
        mut pred: impl FnMut(&T) -> bool,
    ) -> MutexGuard<'a, T> {
        while !pred(&guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` of the tasks waiting now, oldest first; asyncio's
    /// `cond.notify(n)`. Each then queues for the lock.
    ///
    /// # Panics
    ///
    /// If the lock is not held (asyncio's `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let cond = looplet::sync::Condition::new(());
    ///     let guard = cond.lock().await;
    ///     cond.notify(1); // nobody waits: nothing happens
    ///     drop(guard);
    /// });
    /// ```
    pub fn notify(&self, n: usize) {
        self.check_locked("notify");
        let mut wakers = Vec::new();
        let mut waiters = self.inner.waiters.borrow_mut();
        for _ in 0..n {
            match waiters.grant_front() {
                Some(waker) => wakers.push(waker),
                None => break,
            }
        }
        let left = waiters.len();
        drop(waiters);
        if trace::tracing() && !wakers.is_empty() {
            let (label, n) = (self.inner.label.to_string(), wakers.len());
            trace::sync_granted(
                &label,
                format_args!("notifies {n} waiter(s) ({left} still waiting)"),
            );
        }
        wakers.into_iter().for_each(Wake::wake);
    }

    /// Wakes every task waiting now; asyncio's `cond.notify_all()`.
    ///
    /// # Panics
    ///
    /// If the lock is not held (asyncio's `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let cond = looplet::sync::Condition::new(());
    ///     let _guard = cond.lock().await;
    ///     cond.notify_all();
    /// });
    /// ```
    pub fn notify_all(&self) {
        self.check_locked("notify_all");
        self.notify(usize::MAX);
    }

    /// Panics unless the lock is held.
    fn check_locked(&self, what: &str) {
        if !self.inner.mutex.is_locked() {
            panic!(
                "`Condition::{what}` called without the lock held; \
                 call it while holding the guard of `Condition::lock`"
            );
        }
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(waiters) = self.inner.waiters.try_borrow() else {
            return f.write_str("Condition { <in use> }");
        };
        f.debug_struct("Condition")
            .field("locked", &self.inner.mutex.is_locked())
            .field("waiters", &waiters.len())
            .finish()
    }
}
