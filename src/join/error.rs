//! [`JoinError`]: why awaiting a task's handle gave no output.
//!
//! Read next: `wait.rs`.

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};

use crate::task::TaskId;
use crate::util::panic::{self, Payload};

/// Why awaiting a [`JoinHandle`](crate::JoinHandle) gave no output: the task was cancelled, or
/// it panicked.
///
/// # Examples
///
/// ```
/// looplet::run(async {
///     let err = looplet::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(err.to_string(), "task 2 panicked: boom");
///     let payload = err.into_panic();
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// });
/// ```
#[doc(alias = "CancelledError")]
pub struct JoinError {
    /// The task that failed.
    id: TaskId,
    /// Its name, if it was spawned with one: `Display` uses it. (An
    /// `Arc`, not the task's `Rc`: the error must be `Send`.)
    name: Option<Arc<str>>,
    /// How it failed.
    repr: Repr,
}

/// How a task failed.
enum Repr {
    /// It was cancelled.
    Cancelled,
    /// It panicked. The `Mutex` makes the error `Sync` (a panic payload is
    /// only `Send`), so it can travel in `Box<dyn Error + Send + Sync>`.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    /// A cancelled task's error.
    pub(crate) fn cancelled(id: TaskId, name: Option<Rc<str>>) -> Self {
        JoinError {
            id,
            name: name.map(|name| Arc::from(&*name)),
            repr: Repr::Cancelled,
        }
    }

    /// A panicked task's error.
    pub(crate) fn panic(id: TaskId, name: Option<Rc<str>>, payload: Payload) -> Self {
        JoinError {
            id,
            name: name.map(|name| Arc::from(&*name)),
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// Whether the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     handle.cancel();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let err = looplet::spawn(async { panic!() }).await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     let id = handle.id();
    ///     handle.cancel();
    ///     assert_eq!(handle.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The panic's payload, to inspect or to re-raise with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked: `` `JoinError::into_panic`
    /// called on the error of task N, which was cancelled ``. Check
    /// [`is_panic`](JoinError::is_panic) first, or use
    /// [`try_into_panic`](JoinError::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let err = looplet::spawn(async { panic!("{}", 7) }).await.unwrap_err();
    ///     assert_eq!(err.into_panic().downcast_ref::<String>().unwrap(), "7");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        // A `match`, not `unwrap_or_else`: a closure would not pass the
        // caller's location on.
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => panic!(
                "`JoinError::into_panic` called on the error of {}, which was cancelled and \
                 has no panic payload; check `is_panic` first, or use `try_into_panic`",
                err.id
            ),
        }
    }

    /// The panic's payload, or the error back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let handle = looplet::spawn(async {});
    ///     handle.cancel();
    ///     let err = handle.await.unwrap_err();
    ///     assert!(err.try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => {
                Ok(payload.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, if the payload is a string.
    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.repr else {
            return None;
        };
        let payload = payload.lock().unwrap_or_else(PoisonError::into_inner);
        panic::message(&**payload).map(str::to_owned)
    }
}

impl JoinError {
    /// The task's name, if it was spawned with one
    /// ([`spawn_named`](crate::spawn_named)).
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let err = looplet::spawn_named("parser", async { panic!("bad input") })
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.name(), Some("parser"));
    ///     assert_eq!(err.to_string(), "task 2 'parser' panicked: bad input");
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// The task as `Display` names it: "task 3", or "task 3 'producer'".
struct Task<'a>(&'a JoinError);

impl fmt::Display for Task<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.id.as_u64() == 0 {
            // Ids start at 1: 0 is a remote spawn (`handle/`) that ended
            // before it became a task (its `make` panicked, or it was
            // cancelled or its runtime closed first).
            return f.write_str("a remote spawn that never started");
        }
        match self.0.name() {
            Some(name) => write!(f, "{} '{name}'", self.0.id),
            None => write!(f, "{}", self.0.id),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = Task(self);
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "{task} was cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "{task} panicked: {message}"),
            (Repr::Panic(_), None) => write!(f, "{task} panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = Task(self);
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({task})"),
            Repr::Panic(_) => match self.panic_message() {
                Some(message) => write!(f, "JoinError::Panic({task}, {message:?})"),
                None => write!(f, "JoinError::Panic({task}, ..)"),
            },
        }
    }
}

impl std::error::Error for JoinError {}
