//! The flusher of a [`StreamWriter`](super::StreamWriter): the state the writer shares with its
//! flusher task ([`Shared`]), the loop that writes the buffer out as the
//! sink takes it, and the task itself.
//!
//! `writer.rs` decides *when* a flusher runs (steps 2 and 4 of its "How
//! bytes leave"); this file is *what* it does: write `buf[sent..]`, resume
//! a paused writer at the low-water mark, close the sink once asked and
//! empty, and hand back the wakers of `drain` and `wait_closed`.
//!
//! # Invariants
//!
//! * `buf[sent..]` is what is still to write; `flusher` is true while a
//!   flusher task exists, and then it alone writes (so bytes keep their
//!   order).
//! * After an error nothing more is written; the error is kept (as its
//!   kind and message, since `io::Error` is not `Clone`) for every later
//!   `drain` and `wait_closed`.
//! * `poll_flush` wakes nobody: it returns the wakers, and the caller wakes
//!   them once its borrow of the `RefCell` is dropped.
//!
//! Read next: `server.rs`.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_io::AsyncWrite;

/// Where the writer's close stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closing {
    /// Open for writes.
    Open,
    /// `close` was called: the sink closes once the buffer is empty.
    Requested,
    /// The sink is closed (or failed).
    Done,
}

/// The state the writer and its flusher share.
pub(super) struct Shared {
    /// Where bytes go.
    pub(super) sink: Box<dyn AsyncWrite + Unpin>,
    /// Buffered bytes; `buf[sent..]` is still to write.
    pub(super) buf: Vec<u8>,
    /// How much of `buf` is written.
    pub(super) sent: usize,
    /// Whether a flusher task exists.
    pub(super) flusher: bool,
    /// Above the high-water mark, until the buffer falls to the low one.
    pub(super) paused: bool,
    /// The first error, kept for every later call.
    pub(super) error: Option<(io::ErrorKind, String)>,
    /// Where the close stands.
    pub(super) closing: Closing,
    /// Tasks in `drain` (while paused) or `wait_closed`.
    pub(super) waiters: Vec<Waker>,
    /// The high-water mark.
    pub(super) high: usize,
    /// The low-water mark.
    pub(super) low: usize,
}

impl Shared {
    /// Bytes still to write.
    pub(super) fn pending(&self) -> usize {
        self.buf.len() - self.sent
    }

    /// Writes what the sink takes now; `Ready` once nothing is left to do
    /// (buffer empty and, if asked, the sink closed; or an error),
    /// `Pending` with `cx` kept by the sink otherwise. Returns the wakers
    /// to wake, for the caller to wake with no borrow held.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> (Poll<()>, Vec<Waker>) {
        let poll = self.poll_write_out(cx);
        let resumed = self.paused && (self.pending() <= self.low || self.error.is_some());
        if resumed {
            self.paused = false;
        }
        let wake = if resumed || poll.is_ready() {
            std::mem::take(&mut self.waiters)
        } else {
            Vec::new()
        };
        (poll, wake)
    }

    /// The writing loop of `poll_flush`.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while self.error.is_none() && self.pending() > 0 {
            match Pin::new(&mut self.sink).poll_write(cx, &self.buf[self.sent..]) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => self.fail(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => self.fail(e),
            }
        }
        self.buf.clear();
        self.sent = 0;
        if self.closing == Closing::Requested && self.error.is_none() {
            match Pin::new(&mut self.sink).poll_close(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => self.fail(e),
            }
        }
        if self.closing == Closing::Requested || self.error.is_some() {
            self.closing = Closing::Done;
        }
        Poll::Ready(())
    }

    /// Keeps the first error; drops what was still to write.
    pub(super) fn fail(&mut self, err: io::Error) {
        if self.error.is_none() {
            self.error = Some((err.kind(), err.to_string()));
        }
        self.buf.clear();
        self.sent = 0;
    }

    /// The kept error, as a fresh `io::Error`.
    pub(super) fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }
}

/// Keeps `waker` among `waiters` unless it is there already.
pub(super) fn keep_waker(waiters: &mut Vec<Waker>, waker: &Waker) {
    if !waiters.iter().any(|w| w.will_wake(waker)) {
        waiters.push(waker.clone());
    }
}

/// Spawns the flusher task (the caller has set `flusher`); it runs
/// detached, holding the shared state until it is done.
pub(super) fn spawn_flusher(shared: &Rc<RefCell<Shared>>) {
    drop(crate::runtime::spawn_named(
        "stream writer flush",
        flush(Rc::clone(shared)),
    ));
}

/// The flusher task: writes the buffer out as the sink takes it, waking
/// `drain` and `wait_closed` as marks are crossed, and ends when nothing is
/// left to write.
async fn flush(shared: Rc<RefCell<Shared>>) {
    poll_fn(|cx| {
        let mut state = shared.borrow_mut();
        let (poll, wake) = state.poll_flush(cx);
        if poll.is_ready() {
            state.flusher = false;
        }
        drop(state);
        wake.into_iter().for_each(Waker::wake);
        poll
    })
    .await
}
