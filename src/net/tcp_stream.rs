//! `TcpStream`: a TCP connection whose reads and writes wait in the
//! runtime's reactor. This file owns the type, connecting, the addresses
//! and options, and `shutdown`; the reads and writes are in
//! `tcp_stream_io.rs`.
//!
//! Every read and write goes through `Registered::poll_io` (edge-triggered:
//! try the system call, wait only after `WouldBlock`). The `poll_*` methods
//! are the primitives; the `async fn`s and the `futures_io` impls are thin
//! layers over them, so a buffered stream can be built on either.
//!
//! Read next: `tcp_stream_io.rs`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};

use super::addr::each_addr;
use super::reactor::Direction;
use super::registered::Registered;

/// A TCP connection, registered with the runtime's reactor; asyncio's
/// transport of a connection, with the reads and writes of a socket.
///
/// Made by [`TcpStream::connect`] or [`TcpListener::accept`]. It is
/// `!Send`: it belongs to the runtime (and the thread) it was made on, and
/// works only while that runtime runs; after the runtime is gone every
/// operation fails with an error, and so does a wait inside another
/// runtime's `block_on` (nothing there would ever wake it).
///
/// Reads and writes take `&self`, so one task can read while another
/// writes (share it with an `Rc`), and `&TcpStream` implements
/// [`AsyncRead`](futures_io::AsyncRead) and
/// [`AsyncWrite`](futures_io::AsyncWrite) as `TcpStream` does. Only one
/// task should wait in each direction at a time: the reactor keeps one
/// waker per direction, the last one.
///
/// Dropping it closes the connection and deregisters it.
///
/// [`TcpListener::accept`]: super::TcpListener::accept
///
/// # Examples
///
/// ```
/// use looplet::net::{TcpListener, TcpStream};
///
/// looplet::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = looplet::spawn(async move {
///         let (stream, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 5];
///         stream.read_exact(&mut buf).await.unwrap();
///         stream.write_all(&buf).await.unwrap();
///     });
///     let stream = TcpStream::connect(addr).await.unwrap();
///     stream.write_all(b"hello").await.unwrap();
///     let mut echo = [0; 5];
///     stream.read_exact(&mut echo).await.unwrap();
///     assert_eq!(&echo, b"hello");
///     server.await.unwrap();
/// });
/// ```
pub struct TcpStream {
    /// The socket and its slot in the reactor (`tcp_stream_io.rs` reads
    /// and writes through it).
    pub(super) io: Registered<mio::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each address it resolves to
    /// in turn; asyncio's `loop.sock_connect` (see the module docs of
    /// [`net`](super) for asyncio's `open_connection`).
    ///
    /// # Errors
    ///
    /// The last address's error, with its kind and the address in the
    /// message: [`ConnectionRefused`](io::ErrorKind::ConnectionRefused)
    /// when nothing listens there, for one. An address that is a host name
    /// is resolved with std's blocking resolver (see `addr.rs`).
    ///
    /// # Panics
    ///
    /// When polled outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the connection attempt and closes its
    /// socket; nothing is left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use looplet::net::{TcpListener, TcpStream};
    ///
    /// looplet::run(async {
    ///     // A port nobody listens on: bind one, note it, close it.
    ///     let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    ///     let refused = TcpStream::connect(addr).await.unwrap_err();
    ///     assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    /// });
    /// ```
    #[doc(alias = "sock_connect")]
    #[doc(alias = "create_connection")]
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, Self::connect_one).await
    }

    /// Connects to one address: start a non-blocking connect, then wait
    /// for the socket to become writable and ask how it went.
    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = mio::net::TcpStream::connect(addr)?;
        // Not ready until the selector says the connect finished.
        let io = Registered::new("TcpStream::connect", socket, false)?;
        poll_fn(|cx| {
            io.poll_io(cx, Direction::Write, |socket| {
                if let Some(e) = socket.take_error()? {
                    return Err(e);
                }
                match socket.peer_addr() {
                    Ok(_) => Ok(()),
                    // Spurious edge: still connecting.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        Ok(TcpStream { io })
    }

    /// A stream for a socket that is already connected (accepted): both
    /// directions are tried before the first event.
    #[track_caller]
    pub(crate) fn from_mio(socket: mio::net::TcpStream, api: &str) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Registered::new(api, socket, true)?,
        })
    }

    /// The address of this end; asyncio's `get_extra_info('sockname')`.
    ///
    /// # Errors
    ///
    /// What the system says (a closed socket, say).
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert!(stream.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The address of the other end; asyncio's
    /// `get_extra_info('peername')`.
    ///
    /// # Errors
    ///
    /// What the system says (`NotConnected` once the peer is gone, say).
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let stream = TcpStream::connect(addr).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), addr);
    /// });
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting
    /// to be coalesced (Nagle's algorithm), which request-response
    /// protocols want.
    ///
    /// # Errors
    ///
    /// What the system says.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_nodelay(true).unwrap();
    ///     assert!(stream.nodelay().unwrap());
    /// });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set (see [`set_nodelay`](Self::set_nodelay)).
    ///
    /// # Errors
    ///
    /// What the system says.
    ///
    /// # Examples
    ///
    /// ```
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let _ = stream.nodelay().unwrap();
    /// });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get().nodelay()
    }

    /// Shuts down the reading, writing or both halves: after
    /// `Shutdown::Write` the peer reads end-of-file once it has read what
    /// was sent (asyncio's `write_eof`).
    ///
    /// # Errors
    ///
    /// What the system says (`NotConnected` once the peer is gone, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # use looplet::net::{TcpListener, TcpStream};
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     client.shutdown(Shutdown::Write).unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(server.read(&mut buf).await.unwrap(), 0); // end of file
    /// });
    /// ```
    #[doc(alias = "write_eof")]
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TcpStream");
        if let Ok(addr) = self.local_addr() {
            d.field("local", &addr);
        }
        if let Ok(addr) = self.peer_addr() {
            d.field("peer", &addr);
        }
        d.finish_non_exhaustive()
    }
}
