//! [`TaskGroupError`]: the panics of a group's tasks.
//!
//! Read next: `as_completed.rs`.

use std::fmt;

use crate::join::JoinError;

/// The panics of a group's tasks; asyncio's `ExceptionGroup` from a
/// `TaskGroup`.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let tg = looplet::TaskGroup::new();
///     tg.spawn(async { panic!("first") });
///     let err = tg.join().await.unwrap_err();
///     assert_eq!(err.to_string(), "1 task of the group panicked: task 2 panicked: first");
///     let payload = err.into_errors().remove(0).into_panic();
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
/// });
/// ```
#[doc(alias = "ExceptionGroup")]
pub struct TaskGroupError {
    /// Every panic, in the order they happened.
    pub(super) errors: Vec<JoinError>,
}

impl TaskGroupError {
    /// Every panic, in the order they happened.
    ///
    /// # Examples
    ///
    /// See [`TaskGroupError`].
    pub fn errors(&self) -> &[JoinError] {
        &self.errors
    }

    /// Every panic, to take their payloads.
    ///
    /// # Examples
    ///
    /// See [`TaskGroupError`].
    pub fn into_errors(self) -> Vec<JoinError> {
        self.errors
    }
}

impl fmt::Display for TaskGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let tasks = if n == 1 { "task" } else { "tasks" };
        write!(f, "{n} {tasks} of the group panicked")?;
        for (i, error) in self.errors.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{error}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TaskGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError")
            .field("errors", &self.errors)
            .finish()
    }
}

impl std::error::Error for TaskGroupError {}
