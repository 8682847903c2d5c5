//! [`StreamWriter`]: asyncio's `StreamWriter` and the write half of its
//! transport, a buffer in front of any [`futures_io::AsyncWrite`].
//!
//! # How bytes leave
//!
//! 1. [`StreamWriter::write`] with nothing buffered writes to the sink at
//!    once, without waiting (a poll with a no-op waker), as asyncio's
//!    transport tries `send` first. What the sink does not take is buffered.
//! 2. If bytes are buffered and no flusher runs, `write` spawns one: a task
//!    that writes the buffer out as the sink takes it, then ends. So bytes
//!    leave even if nobody calls `drain`, as in asyncio, and a connection
//!    whose kernel buffer never fills never spawns anything.
//! 3. When the buffer grows above the high-water mark (64 KiB) the writer
//!    is *paused*; the flusher resumes it when the buffer falls to the
//!    low-water mark (16 KiB) and wakes the tasks in
//!    [`drain`](StreamWriter::drain). `drain` waits only while paused:
//!    asyncio's flow control.
//! 4. [`close`](StreamWriter::close) lets the buffer drain, then closes the
//!    sink (for a socket, shuts down its writing half: the peer reads
//!    end-of-file); [`wait_closed`](StreamWriter::wait_closed) waits for it.
//!
//! # Invariants
//!
//! * The buffer and its flusher keep theirs, listed in `writer_flush.rs`
//!   (what is still to write, one writer at a time, a kept error).
//! * No `RefCell` borrow is held while a waker is woken or dropped.
//!
//! # Simpler than asyncio
//!
//! asyncio's transport asks the selector to watch the socket for
//! writability; here a task waits on the sink. The cost is one task spawn
//! each time a connection's kernel buffer fills up. asyncio's `close`
//! closes the whole socket; here it closes the writing half, and the
//! socket closes when the [`StreamReader`](crate::net::StreamReader) is
//! dropped too.
//!
//! The state shared with the flusher task, and the task, are in
//! `writer_flush.rs`.
//!
//! Read next: `writer_flush.rs`.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_io::AsyncWrite;

use super::writer_flush::{Closing, Shared, keep_waker, spawn_flusher};

/// asyncio's default high-water mark: above it `drain` waits.
pub(crate) const HIGH_WATER: usize = 64 * 1024;
/// asyncio's default low-water mark: at or below it `drain` returns.
pub(crate) const LOW_WATER: usize = 16 * 1024;

/// Writes to a stream with asyncio's buffering and flow control; asyncio's
/// `StreamWriter`.
///
/// `write` never waits; `drain` waits while the buffer is above the
/// high-water mark. Bytes leave without `drain` (a flusher task writes
/// what the socket did not take at once); `drain` is the back-pressure.
///
/// Dropping the writer closes it as [`close`](Self::close) does: what is
/// buffered is still written, then the peer reads end-of-file.
///
/// # Examples
///
/// ```
/// use looplet::net::{open_connection, start_server};
///
/// looplet::run(async {
///     let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
///         let line = reader.readline().await.unwrap();
///         writer.write(&line);
///         writer.drain().await.unwrap();
///     })
///     .unwrap();
///     let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
///     writer.write(b"hello\n");
///     writer.drain().await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
///     server.close();
/// });
/// ```
pub struct StreamWriter {
    /// The buffer and sink, shared with the flusher task.
    shared: Rc<RefCell<Shared>>,
    /// The peer's address, for `peer_addr` (none for a plain sink).
    peer: Option<SocketAddr>,
}

impl StreamWriter {
    /// A writer in front of `sink`, with asyncio's water marks (64 KiB
    /// high, 16 KiB low); asyncio's `StreamWriter(transport, ...)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamWriter;
    ///
    /// looplet::run(async {
    ///     // Any `futures_io::AsyncWrite`: here the `futures` crate's cursor.
    ///     let writer = StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    ///     writer.write(b"to memory");
    ///     writer.drain().await.unwrap();
    /// });
    /// ```
    pub fn new(sink: impl AsyncWrite + Unpin + 'static) -> StreamWriter {
        StreamWriter::with_peer(Box::new(sink), None)
    }

    /// A writer with the peer's address known (for sockets).
    pub(crate) fn with_peer(
        sink: Box<dyn AsyncWrite + Unpin>,
        peer: Option<SocketAddr>,
    ) -> StreamWriter {
        StreamWriter {
            shared: Rc::new(RefCell::new(Shared {
                sink,
                buf: Vec::new(),
                sent: 0,
                flusher: false,
                paused: false,
                error: None,
                closing: Closing::Open,
                waiters: Vec::new(),
                high: HIGH_WATER,
                low: LOW_WATER,
            })),
            peer,
        }
    }

    /// Sets the water marks: `drain` waits once more than `high` bytes are
    /// buffered, until at most `low` are; asyncio's
    /// `transport.set_write_buffer_limits(high, low)`.
    ///
    /// # Panics
    ///
    /// If `low > high`.
    ///
    /// # Examples
    ///
    /// ```
    /// let writer = looplet::net::StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    /// writer.set_write_buffer_limits(1024, 256);
    /// ```
    pub fn set_write_buffer_limits(&self, high: usize, low: usize) {
        assert!(
            low <= high,
            "`StreamWriter::set_write_buffer_limits` called with low {low} > high {high}; \
             the low-water mark must not exceed the high one"
        );
        let mut shared = self.shared.borrow_mut();
        shared.high = high;
        shared.low = low;
    }

    /// How many bytes are buffered and not yet written; asyncio's
    /// `transport.get_write_buffer_size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let writer = looplet::net::StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    /// writer.write(b"abc"); // a cursor takes everything at once
    /// assert_eq!(writer.write_buffer_size(), 0);
    /// ```
    #[doc(alias = "get_write_buffer_size")]
    pub fn write_buffer_size(&self) -> usize {
        self.shared.borrow().pending()
    }

    /// Writes `data` without waiting: to the stream at once as far as it
    /// takes it, to the buffer for the rest (a flusher task writes it out
    /// as the stream takes it); asyncio's `writer.write(data)`.
    ///
    /// After an error or [`close`](Self::close) the bytes are dropped;
    /// [`drain`](Self::drain) reports the error.
    ///
    /// # Panics
    ///
    /// If bytes must be buffered outside a runtime (the flusher is a task).
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamWriter;
    ///
    /// looplet::run(async {
    ///     let writer = StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    ///     writer.write(b"one ");
    ///     writer.write(b"two");
    ///     writer.drain().await.unwrap();
    /// });
    /// ```
    pub fn write(&self, data: &[u8]) {
        let mut shared = self.shared.borrow_mut();
        if shared.error.is_some() || shared.closing != Closing::Open || data.is_empty() {
            if shared.closing != Closing::Open && shared.error.is_none() && !data.is_empty() {
                shared.error = Some((
                    io::ErrorKind::BrokenPipe,
                    "`StreamWriter::write` called after `close`".to_string(),
                ));
            }
            return;
        }
        let mut data = data;
        if !shared.flusher {
            // Nothing buffered: try the stream now, as asyncio's transport
            // tries `send` first. A no-op waker: nobody waits on this poll.
            let mut cx = Context::from_waker(Waker::noop());
            while !data.is_empty() {
                match Pin::new(&mut shared.sink).poll_write(&mut cx, data) {
                    Poll::Ready(Ok(0)) => {
                        shared.fail(io::ErrorKind::WriteZero.into());
                        return;
                    }
                    Poll::Ready(Ok(n)) => data = &data[n..],
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Poll::Ready(Err(e)) => {
                        shared.fail(e);
                        return;
                    }
                    Poll::Pending => break,
                }
            }
            if data.is_empty() {
                return;
            }
        }
        shared.buf.extend_from_slice(data);
        if shared.pending() > shared.high {
            shared.paused = true;
        }
        if !shared.flusher {
            shared.flusher = true;
            drop(shared);
            spawn_flusher(&self.shared);
        }
    }

    /// Waits while the buffer is above the high-water mark, until the
    /// flusher has brought it down to the low-water mark; asyncio's
    /// `await writer.drain()`. Call it after writes so a fast writer does
    /// not outrun a slow peer.
    ///
    /// # Errors
    ///
    /// The stream's error (a reset connection, say), or
    /// [`io::ErrorKind::BrokenPipe`] for a write after
    /// [`close`](Self::close); every later call returns it again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes stay buffered and keep being written.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{open_connection, start_server};
    ///
    /// looplet::run(async {
    ///     let server = start_server("127.0.0.1:0", |mut reader, _writer| async move {
    ///         reader.read_to_end().await.unwrap();
    ///     })
    ///     .unwrap();
    ///     let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
    ///     for _ in 0..100 {
    ///         writer.write(&[0; 10_000]);
    ///         writer.drain().await.unwrap(); // at most about 64 KiB waits in looplet
    ///     }
    /// });
    /// ```
    pub async fn drain(&self) -> io::Result<()> {
        self.wait_until(|shared| !shared.paused).await
    }

    /// Waits until `done` holds of the shared state, or the writer has
    /// failed (its error, then): what `drain` and `wait_closed` share. The
    /// flusher wakes the waiters when it resumes the writer and when it
    /// finishes (`writer_flush.rs`).
    async fn wait_until(&self, done: impl Fn(&Shared) -> bool) -> io::Result<()> {
        poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            if let Some(err) = shared.error() {
                return Poll::Ready(Err(err));
            }
            if done(&shared) {
                return Poll::Ready(Ok(()));
            }
            keep_waker(&mut shared.waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Starts closing: what is buffered is still written, then the stream
    /// is closed (for a socket, its writing half is shut down and the peer
    /// reads end-of-file); asyncio's `writer.close()`. Later writes are
    /// dropped. Calling it again does nothing.
    ///
    /// # Panics
    ///
    /// If a flusher must be spawned outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{open_connection, start_server};
    ///
    /// looplet::run(async {
    ///     let server = start_server("127.0.0.1:0", |_reader, writer| async move {
    ///         writer.write(b"bye");
    ///         writer.close();
    ///     })
    ///     .unwrap();
    ///     let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"bye");
    /// });
    /// ```
    pub fn close(&self) {
        self.start_close(true);
    }

    /// `close`, spawning a flusher if the sink does not close at once and
    /// `may_spawn` (not from `Drop`, which may run outside a runtime).
    fn start_close(&self, may_spawn: bool) {
        let mut shared = self.shared.borrow_mut();
        if shared.closing != Closing::Open {
            return;
        }
        shared.closing = Closing::Requested;
        if shared.flusher {
            return; // it closes the sink once the buffer is empty
        }
        // Nothing buffered: close now if the sink does so at once (a
        // socket's shutdown does), else leave it to a flusher.
        let mut cx = Context::from_waker(Waker::noop());
        let (poll, wake) = shared.poll_flush(&mut cx);
        if poll.is_pending() && may_spawn {
            shared.flusher = true;
            drop(shared);
            spawn_flusher(&self.shared);
        } else {
            drop(shared);
        }
        wake.into_iter().for_each(Waker::wake);
    }

    /// Whether [`close`](Self::close) was called (or the writer failed);
    /// asyncio's `writer.is_closing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let writer = looplet::net::StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    /// assert!(!writer.is_closing());
    /// writer.close();
    /// assert!(writer.is_closing());
    /// ```
    pub fn is_closing(&self) -> bool {
        let shared = self.shared.borrow();
        shared.closing != Closing::Open || shared.error.is_some()
    }

    /// Waits until the writer is closed: the buffer written and the stream
    /// closed; asyncio's `await writer.wait_closed()`. Like asyncio's, it
    /// waits for a close, so call [`close`](Self::close) first.
    ///
    /// # Errors
    ///
    /// The error that ended the writer, if one did.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: closing goes on without it.
    ///
    /// # Examples
    ///
    /// ```
    /// let writer = looplet::net::StreamWriter::new(futures::io::Cursor::new(Vec::new()));
    /// looplet::run(async {
    ///     writer.write(b"last words");
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    /// });
    /// ```
    pub async fn wait_closed(&self) -> io::Result<()> {
        self.wait_until(|shared| shared.closing == Closing::Done)
            .await
    }

    /// The address of the peer; asyncio's
    /// `writer.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotConnected`] for a writer made with
    /// [`new`](Self::new), which has no peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{open_connection, start_server};
    ///
    /// looplet::run(async {
    ///     let server = start_server("127.0.0.1:0", |_, _| async {}).unwrap();
    ///     let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
    ///     assert_eq!(writer.peer_addr().unwrap(), server.local_addr());
    /// });
    /// ```
    #[doc(alias = "get_extra_info")]
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotConnected,
                "this `StreamWriter` was made with `StreamWriter::new` and has no peer",
            )
        })
    }
}

impl Drop for StreamWriter {
    /// Closes the writer, as asyncio's does when it is collected: the
    /// buffered bytes are still written.
    fn drop(&mut self) {
        // A running flusher finishes the job. With none, the buffer is
        // empty and a socket's shutdown is immediate; a sink whose close
        // would have to wait is left to its own destructor, since a drop
        // may run outside any runtime and cannot spawn.
        self.start_close(false);
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("StreamWriter")
            .field("peer", &self.peer)
            .field("buffered", &shared.pending())
            .field("paused", &shared.paused)
            .field("closing", &shared.closing)
            .finish_non_exhaustive()
    }
}
