//! [`StreamReader`]: asyncio's `StreamReader`, a buffer in front of any
//! [`futures_io::AsyncRead`].
//!
//! # Invariants
//!
//! * The unread bytes are `buf[start..end]`; `buf[end..]` is spare room the
//!   next read from the source fills in place (it was zeroed once when the
//!   buffer grew, never again). When `start == end` both go back to 0, and
//!   an empty buffer grown past the default limit is freed.
//! * `eof` is set once the source returned 0 (or an error, kept in
//!   `error` and returned once); nothing is read from the source after.
//! * Bytes leave the buffer only when a call returns them, so a call
//!   cancelled while waiting loses nothing: the next call finds what it
//!   had buffered.
//!
//! # Simpler than asyncio
//!
//! asyncio's transport reads whenever the socket is readable and pushes the
//! bytes into the reader, pausing the transport above twice the limit.
//! Here the reader pulls: it reads from the socket only while a call needs
//! more bytes, so an idle reader holds nothing and the kernel's buffer is
//! the back-pressure. The cost: bytes are not read ahead while the task is
//! busy elsewhere (the kernel keeps them meanwhile).
//!
//! `readuntil` and `readline`, the separator search, are in
//! `reader_until.rs`; they use the buffer only through `unread`, `take`
//! and `fill`.
//!
//! Read next: `reader_until.rs`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncRead;

/// asyncio's default `limit`: 64 KiB.
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024;

/// How many bytes of spare room the reader asks the source to fill at
/// least: 16 KiB, enough for a loopback burst, small enough that a reader
/// per connection costs little.
const READ_CHUNK: usize = 16 * 1024;

/// The error inside the [`io::ErrorKind::UnexpectedEof`] that
/// [`readexactly`](StreamReader::readexactly) and
/// [`readuntil`](StreamReader::readuntil) return when the stream ends
/// first: asyncio's `IncompleteReadError`, with the bytes that did arrive.
///
/// # Examples
///
/// ```
/// use looplet::net::{IncompleteRead, StreamReader};
///
/// looplet::run(async {
///     let mut reader = StreamReader::new(&b"abc"[..]);
///     let err = reader.readexactly(5).await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
///     let incomplete = err.into_inner().unwrap().downcast::<IncompleteRead>().unwrap();
///     assert_eq!(incomplete.partial, b"abc");
///     assert_eq!(incomplete.expected, Some(5));
/// });
/// ```
#[doc(alias = "IncompleteReadError")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteRead {
    /// The bytes read before the end of the stream; they are no longer in
    /// the reader.
    pub partial: Vec<u8>,
    /// How many bytes were asked for (`None` for `readuntil`: as many as
    /// it takes to find the separator).
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(f, "stream ended after {} of {n} bytes", self.partial.len()),
            None => write!(
                f,
                "stream ended after {} bytes, before the separator",
                self.partial.len()
            ),
        }
    }
}

impl std::error::Error for IncompleteRead {}

/// Reads a stream by lines, by separators, by exact sizes or as it comes;
/// asyncio's `StreamReader`.
///
/// [`open_connection`](crate::net::open_connection) and
/// [`start_server`](crate::net::start_server) make one per connection;
/// [`StreamReader::new`] puts one in front of any
/// [`futures_io::AsyncRead`] (a byte slice, a pipe).
///
/// Every method takes `&mut self`: asyncio's "another coroutine is already
/// waiting" error cannot happen, the borrow checker says it first.
///
/// # Examples
///
/// ```
/// use looplet::net::StreamReader;
///
/// looplet::run(async {
///     let mut reader = StreamReader::new(&b"GET / HTTP/1.0\r\n\r\nbody"[..]);
///     assert_eq!(reader.readline().await.unwrap(), b"GET / HTTP/1.0\r\n");
///     assert_eq!(reader.readuntil(b"\r\n").await.unwrap(), b"\r\n");
///     assert_eq!(reader.read(100).await.unwrap(), b"body");
///     assert_eq!(reader.read(100).await.unwrap(), b"");
///     assert!(reader.at_eof());
/// });
/// ```
pub struct StreamReader {
    /// Where the bytes come from.
    source: Box<dyn AsyncRead + Unpin>,
    /// Unread bytes in `start..end`, spare room after `end`.
    buf: Vec<u8>,
    /// First unread byte.
    start: usize,
    /// One past the last unread byte.
    end: usize,
    /// The source said end-of-file (or failed): it is not read again.
    eof: bool,
    /// An error from the source, returned by the next call.
    error: Option<io::Error>,
    /// The longest line or separator search, in bytes (asyncio's `limit`).
    limit: usize,
}

impl StreamReader {
    /// A reader in front of `source`, with asyncio's default limit of
    /// 64 KiB (see [`set_limit`](Self::set_limit)); asyncio's
    /// `StreamReader()` fed by a protocol.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"one\ntwo"[..]);
    ///     assert_eq!(reader.readline().await.unwrap(), b"one\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"two");
    /// });
    /// ```
    pub fn new(source: impl AsyncRead + Unpin + 'static) -> StreamReader {
        StreamReader {
            source: Box::new(source),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            error: None,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Sets the limit: how far [`readline`](Self::readline) and
    /// [`readuntil`](Self::readuntil) look for their separator, which must
    /// start within `limit` bytes (so a line may be `limit` bytes plus its
    /// `b"\n"`) (asyncio's `limit=` argument of `open_connection` and
    /// `start_server`). The limit bounds the memory a peer can make the
    /// reader hold; it does not limit [`read`](Self::read) or
    /// [`readexactly`](Self::readexactly), whose sizes the caller chooses.
    ///
    /// # Panics
    ///
    /// If `limit` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let line = [vec![b'x'; 100_000], vec![b'\n']].concat();
    ///     let mut reader = StreamReader::new(futures::io::Cursor::new(line.clone()));
    ///     reader.set_limit(1 << 20);
    ///     assert_eq!(reader.readline().await.unwrap(), line);
    /// });
    /// ```
    #[doc(alias = "limit")]
    pub fn set_limit(&mut self, limit: usize) {
        assert!(
            limit > 0,
            "`StreamReader::set_limit` called with 0; the limit must be at least 1 byte"
        );
        self.limit = limit;
    }

    /// The limit (see [`set_limit`](Self::set_limit)).
    ///
    /// # Examples
    ///
    /// ```
    /// let reader = looplet::net::StreamReader::new(&b""[..]);
    /// assert_eq!(reader.limit(), 64 * 1024);
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes buffered and not yet returned.
    pub(super) fn unread(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Removes and returns the first `n` unread bytes.
    pub(super) fn take(&mut self, n: usize) -> Vec<u8> {
        debug_assert!(
            n <= self.end - self.start,
            "take({n}) of {} unread",
            self.end - self.start
        );
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        out
    }

    /// Reads once more from the source into the buffer: `Ready(Ok(true))`
    /// if bytes came, `Ready(Ok(false))` at end-of-file.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if let Some(err) = self.error.take() {
            return Poll::Ready(Err(err));
        }
        if self.eof {
            return Poll::Ready(Ok(false));
        }
        if self.start == self.end && self.buf.len() > DEFAULT_LIMIT {
            // Empty after a long line: give the memory back rather than
            // keep megabytes per idle connection.
            self.buf = Vec::new();
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            // Room at the front first; grow (zeroing only the new part)
            // when the unread bytes themselves need it.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() - self.end < READ_CHUNK {
                let want = (self.end + READ_CHUNK).max(2 * self.buf.len());
                self.buf.resize(want, 0);
            }
        }
        let room = &mut self.buf[self.end..];
        match Pin::new(&mut self.source).poll_read(cx, room) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(0)) => {
                self.eof = true;
                Poll::Ready(Ok(false))
            }
            Poll::Ready(Ok(n)) => {
                self.end += n;
                Poll::Ready(Ok(true))
            }
            Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Err(err)) => {
                self.eof = true;
                Poll::Ready(Err(err))
            }
        }
    }

    /// Reads once more from the source (see `poll_fill`).
    pub(super) async fn fill(&mut self) -> io::Result<bool> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Up to `n` bytes: what is buffered if anything is, else what the
    /// next read from the stream brings. Empty at end-of-file, and for
    /// `n == 0`; asyncio's `reader.read(n)`.
    ///
    /// # Errors
    ///
    /// The stream's error (a reset connection, say); it is returned once,
    /// and the reader is at end-of-file after it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken from the buffer until the call
    /// returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"hello"[..]);
    ///     assert_eq!(reader.read(0).await.unwrap(), b"");
    ///     assert_eq!(reader.read(2).await.unwrap(), b"he");
    ///     assert_eq!(reader.read(100).await.unwrap(), b"llo");
    ///     assert_eq!(reader.read(100).await.unwrap(), b"");
    /// });
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end {
            self.fill().await?;
        }
        let n = n.min(self.end - self.start);
        Ok(self.take(n))
    }

    /// Everything up to the end of the stream; asyncio's `reader.read()`
    /// (`read(-1)`).
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read); the bytes read before the error stay in the
    /// reader.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes read so far stay buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"all of it"[..]);
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"all of it");
    ///     assert!(reader.at_eof());
    /// });
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? {}
        Ok(self.take(self.end - self.start))
    }

    /// Exactly `n` bytes; asyncio's `reader.readexactly(n)`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::UnexpectedEof`] if the stream ends first, with an
    /// [`IncompleteRead`] inside holding the bytes that came (they leave the
    /// reader, as in asyncio); the stream's own error otherwise.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken from the buffer until `n` bytes are
    /// there.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"\x00\x03abc"[..]);
    ///     let header = reader.readexactly(2).await.unwrap();
    ///     let len = u16::from_be_bytes([header[0], header[1]]) as usize;
    ///     assert_eq!(reader.readexactly(len).await.unwrap(), b"abc");
    ///     let err = reader.readexactly(1).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.end - self.start < n {
            if !self.fill().await? {
                let partial = self.take(self.end - self.start);
                return Err(incomplete(partial, Some(n)));
            }
        }
        Ok(self.take(n))
    }

    /// Whether the stream has ended and every byte was returned; asyncio's
    /// `reader.at_eof()`. It only knows the end once a read met it.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"x"[..]);
    ///     assert!(!reader.at_eof());
    ///     reader.read(1).await.unwrap();
    ///     assert!(!reader.at_eof()); // the end is not known yet
    ///     reader.read(1).await.unwrap();
    ///     assert!(reader.at_eof());
    /// });
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// The `UnexpectedEof` error carrying what arrived.
pub(super) fn incomplete(partial: Vec<u8>, expected: Option<usize>) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        IncompleteRead { partial, expected },
    )
}
