//! Which runtime, if any, is running on this thread.
//!
//! `spawn`, `sleep` and the other free functions find their runtime here,
//! the way asyncio's `create_task` finds the running loop. [`enter`] sets
//! it for the length of a `block_on` and refuses to nest;
//! [`enter_for_shutdown`] sets it while a runtime drops its tasks, putting
//! back any runtime it displaced; the waker's fast
//! path ([`schedule_local`]) checks here whether it is being woken on its
//! own executor's thread, inside that executor.
//!
//! # Invariants
//!
//! * `CURRENT` is `Some` exactly while an [`Enter`] guard is alive; guards
//!   nest only through [`enter_for_shutdown`], and each puts back what it
//!   found.
//! * `CURRENT` is only borrowed for a few instructions at a time, never
//!   across user code, so a waker or `spawn` called from anywhere can read it.
//!
//! Read next: `runtime.rs`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::runtime::Inner;
use crate::task::TaskId;
use crate::waker::Shared;

thread_local! {
    /// The runtime running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

/// The running runtime.
///
/// # Panics
///
/// Outside a runtime, with a message that names `api` and the fix.
pub(crate) fn current(api: &str) -> Rc<Inner> {
    try_current().unwrap_or_else(|| {
        panic!(
            "`looplet::{api}` called outside a runtime; call it from inside `looplet::run` \
             or `Runtime::block_on`"
        )
    })
}

/// The running runtime, or `None` outside one.
pub(crate) fn try_current() -> Option<Rc<Inner>> {
    CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|rt| rt.clone()))
        .ok()
        .flatten()
}

/// Wakes task `(key, id)` of the runtime owning `shared` directly, if that
/// runtime is the one running on this thread. Returns `false` otherwise, and
/// the caller falls back to the cross-thread inbox.
#[inline]
pub(crate) fn schedule_local(shared: &Arc<Shared>, key: usize, id: TaskId) -> bool {
    CURRENT
        .try_with(|current| match current.try_borrow() {
            Ok(rt) => match rt.as_ref() {
                Some(rt) if Arc::ptr_eq(rt.shared(), shared) => {
                    rt.wake_local(key, id);
                    true
                }
                _ => false,
            },
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// Makes a runtime current on this thread until dropped, then puts back
/// whatever was current before (usually nothing).
#[must_use]
pub(crate) struct Enter {
    /// The runtime this guard displaced: only shutdown displaces one.
    previous: Option<Rc<Inner>>,
}

/// Makes `rt` the current runtime for the life of the returned guard.
///
/// # Panics
///
/// If a runtime is already running on this thread: `api` cannot be nested.
pub(crate) fn enter(rt: &Rc<Inner>, api: &str) -> Enter {
    let entered = CURRENT.with(|current| {
        let mut current = current.try_borrow_mut().ok()?;
        if current.is_some() {
            return None;
        }
        *current = Some(rt.clone());
        Some(())
    });
    if entered.is_none() {
        panic!(
            "`{api}` cannot be called from within a running runtime; `.await` the future \
             or `looplet::spawn` it instead"
        );
    }
    crate::trace::set_tracing(rt.tracer().is_some());
    Enter { previous: None }
}

/// Makes `rt` current while it shuts down, even inside another runtime's
/// task: the destructors of `rt`'s tasks must find `rt` (a `spawn` in one
/// is cancelled at once), not the runtime that happens to be running. The
/// guard puts the other runtime back.
pub(crate) fn enter_for_shutdown(rt: &Rc<Inner>) -> Enter {
    let previous = CURRENT.with(|current| current.borrow_mut().replace(rt.clone()));
    crate::trace::set_tracing(rt.tracer().is_some());
    Enter { previous }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        crate::trace::set_tracing(previous.as_ref().is_some_and(|rt| rt.tracer().is_some()));
        // Swap under the borrow; drop the `Rc` we took out after it ends.
        let _ours = CURRENT.with(|current| std::mem::replace(&mut *current.borrow_mut(), previous));
    }
}
