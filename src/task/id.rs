//! Names for tasks: [`TaskId`], the number a person reads, and
//! [`TaskKey`], the slot the runtime finds a task by.
//!
//! They differ because slots are reused: when a task's slot is freed, the
//! next spawn may take it, so a key alone cannot tell an old task from a
//! new one. The id is never reused within a runtime, so the pair `(key,
//! id)` names exactly one task for the runtime's whole life. A waker
//! carries both.
//!
//! Read next: `cell.rs`.

use std::fmt;

/// A task's number: unique within its runtime, counting up from 1 in spawn
/// order. The main future of each `block_on` gets one too (asyncio calls
/// `asyncio.run`'s main task "Task-1" the same way).
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let handle = looplet::spawn(async {});
///     assert_eq!(handle.id().to_string(), "task 2"); // task 1 is main
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The number as an integer.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     assert_eq!(looplet::spawn(async {}).id().as_u64(), 2);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

/// The slot of a task in the runtime's table. Kept as a `u32` so that a
/// join handle is 16 bytes and a run-queue entry 4.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct TaskKey(pub(super) u32);

impl TaskKey {
    /// The key of slab index `index`.
    ///
    /// # Panics
    ///
    /// Past four billion tasks alive at once.
    pub(crate) fn new(index: usize) -> Self {
        TaskKey(u32::try_from(index).expect("looplet: more than 4 billion tasks alive"))
    }

    /// The slab index.
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    /// The key as a plain number, to travel to another thread and back.
    pub(crate) fn as_u32(self) -> u32 {
        self.0
    }

    /// The key that [`TaskKey::as_u32`] gave `n` for.
    pub(crate) fn from_u32(n: u32) -> Self {
        TaskKey(n)
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "slot {}", self.0)
    }
}
