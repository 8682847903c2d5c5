//! `TcpStream`'s reads and writes: the `poll_*` primitives that go
//! through `Registered::poll_io`, the `async fn`s over them, and the
//! `futures_io` impls for `TcpStream` and `&TcpStream`.
//!
//! # Invariants
//!
//! * Every byte moves through `poll_read`, `poll_write` or
//!   `poll_write_vectored`; the `async fn`s and the trait impls only call
//!   them, so there is one place where readiness is tried and cleared.
//! * A `poll_read` or `poll_write` (both through `poll_transfer`) that
//!   moved some bytes but fewer than asked clears that direction's
//!   readiness (the kernel's buffer is empty, or full); one that moved all
//!   of them leaves it set, and the next call tries the system call first.
//!
//! Read next: `tcp_listener.rs`.

use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::TcpStream;
use super::reactor::Direction;

impl TcpStream {
    /// Reads what has arrived into `buf`, waiting if nothing has; `Ok(0)`
    /// is end-of-file (or an empty `buf`).
    ///
    /// # Errors
    ///
    /// What the system says (`ConnectionReset`, say), or an error if the
    /// runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes has read
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     client.write_all(b"ping").await.unwrap();
    ///     let mut buf = [0; 16];
    ///     let n = server.read(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"ping"); // one small write arrives whole on loopback
    /// });
    /// ```
    #[doc(alias = "sock_recv")]
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](io::ErrorKind::UnexpectedEof) if the stream ends
    /// first, or what [`read`](Self::read) returns.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before the future is dropped are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     client.write_all(b"ab").await.unwrap();
    ///     client.write_all(b"cd").await.unwrap();
    ///     let mut buf = [0; 4];
    ///     server.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"abcd");
    /// });
    /// ```
    #[doc(alias = "readexactly")]
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes some of `buf`, waiting while the socket's send buffer is
    /// full; returns how many bytes were written.
    ///
    /// # Errors
    ///
    /// What the system says (`BrokenPipe` or `ConnectionReset` once the
    /// peer is gone), or an error if the runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes has written
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(client.write(b"hi").await.unwrap(), 2);
    /// });
    /// ```
    #[doc(alias = "sock_send")]
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes all of `buf`, waiting whenever the send buffer is full;
    /// asyncio's `sock_sendall`.
    ///
    /// # Errors
    ///
    /// What [`write`](Self::write) returns; `WriteZero` if the socket
    /// takes nothing.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: part of `buf` may have been written when the
    /// future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     client.write_all(&[7; 1000]).await.unwrap();
    /// });
    /// ```
    #[doc(alias = "sock_sendall")]
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// The primitive of [`read`](Self::read): reads into `buf`, or keeps
    /// `cx`'s waker for the next time the socket becomes readable.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     client.write_all(b"x").await.unwrap();
    ///     let mut buf = [0; 1];
    ///     let n = poll_fn(|cx| server.poll_read(cx, &mut buf)).await.unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_transfer(cx, Direction::Read, buf.len(), |mut socket| {
            socket.read(buf)
        })
    }

    /// The primitive of [`write`](Self::write): writes some of `buf`, or
    /// keeps `cx`'s waker for the next time the socket becomes writable.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let n = poll_fn(|cx| client.poll_write(cx, b"x")).await.unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_transfer(cx, Direction::Write, buf.len(), |mut socket| {
            socket.write(buf)
        })
    }

    /// One read or write of up to `len` bytes in direction `dir`. One that
    /// moved some bytes but fewer than `len` emptied the receive buffer
    /// (or filled the send buffer) at that moment, so the readiness in
    /// `dir` is cleared at once (`Registered::clear_ready`).
    fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        len: usize,
        op: impl FnMut(&mio::net::TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let moved = self.io.poll_io(cx, dir, op);
        if let Poll::Ready(Ok(n)) = moved {
            if n > 0 && n < len {
                self.io.clear_ready(dir);
            }
        }
        moved
    }

    /// The primitive of vectored writes: writes some of `bufs`, or keeps
    /// `cx`'s waker for the next time the socket becomes writable.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::IoSlice;
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    ///     let n = poll_fn(|cx| client.poll_write_vectored(cx, &bufs)).await.unwrap();
    ///     assert_eq!(n, 4);
    /// });
    /// ```
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |mut socket| {
            socket.write_vectored(bufs)
        })
    }
}

impl futures_io::AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(self.get_mut(), cx, buf)
    }
}

impl futures_io::AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(self.get_mut(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write_vectored(self.get_mut(), cx, bufs)
    }

    /// Nothing to flush: a write is in the kernel's send buffer once it
    /// returns.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the writing half: the peer reads end-of-file.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read(cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_close(cx)
    }
}
