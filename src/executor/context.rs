//! Which runtime, if any, is running on this thread.
//!
//! `spawn`, `sleep` and the other free functions find their runtime here,
//! the way asyncio's `create_task` finds the running loop. [`enter`] sets
//! it for the length of a `block_on` and refuses to nest;
//! [`enter_for_shutdown`] sets it while a runtime drops its tasks; both
//! put back any runtime they displaced, and tell `trace/` which tracer the
//! hook of `sync/` should write on. The waker's fast path
//! ([`schedule_local`]) checks here whether it is being woken on its own
//! executor's thread, inside that executor.
//!
//! It also numbers this thread's runtimes and keeps a list of them, so a
//! task kept by name (`task/named.rs`) is found and woken by
//! [`wake_by_name`], whether or not its runtime is the current one.
//!
//! # Invariants
//!
//! * `CURRENT` is `Some` exactly while an [`Enter`] guard is alive; each
//!   guard puts back what it found.
//! * `RUNNING` names the runtime whose `block_on` is on the stack, if any;
//!   a second `block_on` (of any runtime) is refused while it is set. A
//!   runtime that is shutting down is current but not running, so a
//!   destructor of one of its tasks may still call `looplet::run`.
//! * `CURRENT` is only borrowed for a few instructions at a time, never
//!   across user code (a trace writer is user code too), so a waker,
//!   `spawn`, or a runtime dropped from anywhere can use it.
//!
//! Read next: `core.rs`.

use std::cell::{Cell, Ref, RefCell};
use std::rc::{Rc, Weak};

use super::core::Core;
use super::park::Parker;
use super::remote::Remote;
use crate::task::{self, TaskId, TaskKey, TaskName};
use crate::trace::{self, Via};

thread_local! {
    /// The runtime that `spawn`, `sleep` and wakers find on this thread.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    /// The runtime whose `block_on` is running on this thread (null when
    /// none), kept apart from `CURRENT` because a runtime shutting down
    /// inside another's task is current for a moment without running. The
    /// pointer is only an identity, compared and never dereferenced.
    static RUNNING: Cell<*const Core> = const { Cell::new(std::ptr::null()) };
    /// The number the next runtime made on this thread gets.
    static NEXT_NUMBER: Cell<u32> = const { Cell::new(0) };
    /// This thread's runtimes by number, for a name woken while its runtime
    /// is not the current one (a dead entry is pruned at the next `share`).
    static RUNTIMES: RefCell<Vec<(u32, Weak<Core>)>> = const { RefCell::new(Vec::new()) };
}

/// A number for a runtime being made on this thread, unique among them (it
/// would wrap after 4 billion runtimes on one thread; a stale name could
/// then cost one spurious poll, which every future must allow).
pub(crate) fn number_runtime() -> u32 {
    let number = NEXT_NUMBER.get();
    NEXT_NUMBER.set(number.wrapping_add(1));
    number
}

/// Shares a new runtime's core and lists it among this thread's runtimes,
/// so the task names it hands out can be woken (`task/named.rs`).
pub(crate) fn share(core: Core) -> Rc<Core> {
    let core = Rc::new(core);
    task::install_wake_by_name(wake_by_name);
    RUNTIMES.with_borrow_mut(|runtimes| {
        runtimes.retain(|(_, runtime)| runtime.strong_count() > 0);
        runtimes.push((core.number, Rc::downgrade(&core)));
    });
    core
}

/// Wakes the task `name`, as its waker would: at once if its runtime is
/// the current one, else through this thread's list of runtimes; nobody if
/// the runtime is gone or the slot holds another task now.
fn wake_by_name(name: TaskName) {
    if !wake_in_current(|core| core.number == name.runtime, name.key, name.id) {
        wake_by_name_elsewhere(name);
    }
}

/// [`wake_by_name`] when the task's runtime is not the current one: out of
/// line, so the common case keeps few registers to save.
#[cold]
#[inline(never)]
fn wake_by_name_elsewhere(name: TaskName) {
    let runtime = RUNTIMES
        .try_with(|runtimes| {
            let runtimes = runtimes.try_borrow().ok()?;
            let (_, runtime) = runtimes
                .iter()
                .find(|(number, _)| *number == name.runtime)?;
            runtime.upgrade()
        })
        .ok()
        .flatten();
    if let Some(core) = runtime {
        wake_here(&core, name.key, name.id);
    }
}

/// The running runtime.
///
/// # Panics
///
/// Outside a runtime, with a message that names `api` and the fix, at
/// the caller's caller's line (`#[track_caller]` all the way up).
#[track_caller]
pub(crate) fn current(api: &str) -> Rc<Core> {
    // A `match`, not `unwrap_or_else`: a closure would not pass the
    // caller's location on.
    match try_current() {
        Some(rt) => rt,
        None => panic!(
            "`looplet::{api}` called outside a runtime; call it from inside `looplet::run` \
             or `Runtime::block_on`"
        ),
    }
}

/// The running runtime, or `None` outside one.
pub(crate) fn try_current() -> Option<Rc<Core>> {
    CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|rt| rt.clone()))
        .ok()
        .flatten()
}

/// Wakes task `(key, id)` of the runtime owning `remote` directly, if that
/// runtime is the one running on this thread. Returns `false` otherwise, and
/// the caller falls back to the cross-thread inbox.
///
/// The wake itself (a table borrow, a queue push, counter bumps) runs no
/// user code, so it happens under the `CURRENT` borrow. A traced wake also
/// writes a line to a user's writer, which may do anything (drop another
/// runtime, say), so it lets go of the borrow first and works on a clone.
#[inline]
pub(crate) fn schedule_local(remote: &Remote, key: TaskKey, id: TaskId) -> bool {
    wake_in_current(|core| std::ptr::eq(core.remote(), remote), key, id)
}

/// Wakes the task `(key, id)` of the current runtime if `is_its_runtime`
/// says the current runtime is the task's; `false` if it is not (or none
/// is current).
#[inline(always)]
fn wake_in_current(is_its_runtime: impl Fn(&Core) -> bool, key: TaskKey, id: TaskId) -> bool {
    CURRENT
        .try_with(|current| {
            let Ok(current) = current.try_borrow() else {
                return false;
            };
            match current.as_ref() {
                Some(core) if is_its_runtime(core) => {
                    if core.narrator().is_tracing() {
                        wake_traced(core.clone(), current, key, id);
                    } else {
                        wake_here(core, key, id);
                    }
                    true
                }
                _ => false,
            }
        })
        .unwrap_or(false)
}

/// [`wake_in_current`] on a traced runtime (a local wake, by name or by
/// waker): the trace line is written with `current` let go of. Out of
/// line, so the untraced wake saves fewer registers (callgrind:
/// `ping_pong` 1,089 → 1,083 instructions per round trip, `event_fanout`
/// 1,825 → 1,822 per task).
#[cold]
#[inline(never)]
fn wake_traced(core: Rc<Core>, current: Ref<'_, Option<Rc<Core>>>, key: TaskKey, id: TaskId) {
    drop(current);
    wake_here(&core, key, id);
}

/// Wakes task `(key, id)` of `core`, which runs on this thread: edges 4
/// and 5, counted and narrated.
#[inline]
pub(super) fn wake_here(core: &Core, key: TaskKey, id: TaskId) {
    let result = core.wake(key, id);
    core.narrator().woken(id, result, Via::Local);
}

/// Whether a `block_on` of a runtime other than `rt` is running on this
/// thread: then `rt`'s tasks cannot run until it returns.
pub(crate) fn other_runtime_running(rt: &Rc<Core>) -> bool {
    RUNNING
        .try_with(|running| {
            let running = running.get();
            !running.is_null() && !std::ptr::eq(running, Rc::as_ptr(rt))
        })
        .unwrap_or(false)
}

/// Makes a runtime current on this thread until dropped, then puts back
/// whatever was current before.
#[must_use]
pub(crate) struct Enter {
    /// The runtime this guard displaced, if any: one that is shutting down
    /// (its destructors may call `run`), or, for a shutdown's guard, the
    /// runtime whose task dropped it.
    previous: Option<Rc<Core>>,
    /// Whether this guard marks a `block_on` as running.
    block_on: bool,
}

/// Makes `rt` the current runtime for the life of the returned guard, and
/// marks its `block_on` as running.
///
/// # Panics
///
/// If a `block_on` is already running on this thread: `api` cannot be
/// nested.
#[track_caller]
pub(crate) fn enter(rt: &Rc<Core>, api: &str) -> Enter {
    let nested = RUNNING
        .try_with(|running| {
            if !running.get().is_null() {
                return true;
            }
            running.set(Rc::as_ptr(rt));
            false
        })
        .unwrap_or(false);
    if nested {
        panic!(
            "`{api}` cannot be called from within a running runtime; `.await` the future \
             or `looplet::spawn` it instead"
        );
    }
    Enter {
        previous: make_current(rt),
        block_on: true,
    }
}

/// Makes `rt` current while it shuts down, even inside another runtime's
/// task: the destructors of `rt`'s tasks must find `rt` (a `spawn` in one
/// is cancelled at once), not the runtime that happens to be running. The
/// guard puts the other runtime back.
pub(crate) fn enter_for_shutdown(rt: &Rc<Core>) -> Enter {
    Enter {
        previous: make_current(rt),
        block_on: false,
    }
}

/// Makes `rt` current and returns what was. While the thread exits and
/// its thread-locals are being destroyed (a `Runtime` kept in a
/// `thread_local!` is dropped then), `CURRENT` may be gone: then nothing
/// changes, and destructors run with no current runtime.
fn make_current(rt: &Rc<Core>) -> Option<Rc<Core>> {
    trace::set_current(rt.narrator().tracer().cloned());
    Parker::make_current(Some(&rt.parker));
    CURRENT
        .try_with(|current| current.borrow_mut().replace(rt.clone()))
        .ok()
        .flatten()
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        trace::set_current(
            previous
                .as_ref()
                .and_then(|rt| rt.narrator().tracer().cloned()),
        );
        Parker::make_current(previous.as_deref().map(|rt| &rt.parker));
        if self.block_on {
            let _ = RUNNING.try_with(|running| running.set(std::ptr::null()));
        }
        // Swap under the borrow; drop the `Rc` we took out after it ends.
        let _ours = CURRENT
            .try_with(|current| std::mem::replace(&mut *current.borrow_mut(), previous))
            .ok();
    }
}
