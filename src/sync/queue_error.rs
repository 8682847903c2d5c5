//! [`PutError`] and [`GetError`]: why a queue refused a put or a get
//! (asyncio's `QueueFull`, `QueueEmpty` and `QueueShutDown`).
//!
//! Read next: `queue.rs`.

use std::error::Error;
use std::fmt;

/// Why a put failed; the item comes back inside.
///
/// # Examples
///
/// ```
/// use looplet::sync::{PutError, Queue};
///
/// let queue = Queue::new(1);
/// queue.put_nowait('a').unwrap();
/// assert_eq!(queue.put_nowait('b'), Err(PutError::Full('b')));
/// assert_eq!(PutError::Full('b').to_string(), "the queue is full");
/// queue.shutdown(false);
/// assert_eq!(queue.put_nowait('c').unwrap_err().into_inner(), 'c');
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[doc(alias = "QueueFull")]
#[doc(alias = "QueueShutDown")]
pub enum PutError<T> {
    /// The queue was at its `maxsize` (`put_nowait` only): asyncio's
    /// `QueueFull`.
    Full(T),
    /// The queue was shut down: asyncio's `QueueShutDown`.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = looplet::sync::PutError::Full(5);
    /// assert_eq!(err.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Like std's `TrySendError`: no `T: Debug` needed.
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("the queue is full"),
            PutError::ShutDown(_) => f.write_str("the queue is shut down"),
        }
    }
}

impl<T> Error for PutError<T> {}

/// Why a get failed.
///
/// # Examples
///
/// ```
/// use looplet::sync::{GetError, Queue};
///
/// let queue: Queue<u8> = Queue::new(0);
/// assert_eq!(queue.get_nowait(), Err(GetError::Empty));
/// queue.shutdown(false);
/// assert_eq!(queue.get_nowait(), Err(GetError::ShutDown));
/// assert_eq!(GetError::ShutDown.to_string(), "the queue is shut down");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "QueueEmpty")]
#[doc(alias = "QueueShutDown")]
pub enum GetError {
    /// The queue had no item (`get_nowait` only): asyncio's `QueueEmpty`.
    Empty,
    /// The queue was shut down and has no item left: asyncio's
    /// `QueueShutDown`.
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("the queue is empty"),
            GetError::ShutDown => f.write_str("the queue is shut down"),
        }
    }
}

impl Error for GetError {}
