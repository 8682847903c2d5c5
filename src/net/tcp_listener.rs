//! `TcpListener`: a listening socket whose accepts wait in the reactor.
//!
//! Read next: `udp.rs`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use super::TcpStream;
use super::addr::each_addr_now;
use super::reactor::Direction;
use super::registered::Registered;

/// A TCP socket listening for connections, registered with the runtime's
/// reactor; the listening socket of asyncio's `Server`.
///
/// `!Send`, like every socket of [`net`](super): it works while the
/// runtime it was made in runs, and fails with an error after. Dropping
/// it stops listening.
///
/// # Examples
///
/// ```
/// use looplet::net::{TcpListener, TcpStream};
///
/// looplet::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = looplet::spawn(async move { TcpStream::connect(addr).await.unwrap() });
///     let (server_side, peer) = listener.accept().await.unwrap();
///     let client_side = client.await.unwrap();
///     assert_eq!(peer, client_side.local_addr().unwrap());
///     assert_eq!(server_side.peer_addr().unwrap(), peer);
/// });
/// ```
pub struct TcpListener {
    /// The socket and its slot in the reactor.
    io: Registered<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens, trying each address it resolves to in
    /// turn (port 0 picks a free port: see
    /// [`local_addr`](Self::local_addr)). `SO_REUSEADDR` is set on Unix,
    /// as asyncio's `start_server` does.
    ///
    /// # Errors
    ///
    /// The last address's error, with the address in the message
    /// ([`AddrInUse`](io::ErrorKind::AddrInUse), say).
    ///
    /// # Panics
    ///
    /// Outside a runtime: a socket belongs to the runtime it is made in.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::TcpListener;
    ///
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    #[track_caller]
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let socket = each_addr_now(addr, mio::net::TcpListener::bind)?;
        Ok(TcpListener {
            io: Registered::new("TcpListener::bind", socket, true)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address;
    /// asyncio's `loop.sock_accept`.
    ///
    /// # Errors
    ///
    /// What the system says (out of file descriptors, say), or an error if
    /// the runtime is gone.
    ///
    /// # Panics
    ///
    /// If the runtime the listener was made in is not current when the
    /// connection is registered (a listener moved to another runtime).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken from the kernel's queue only in
    /// the poll that returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{TcpListener, TcpStream};
    ///
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (stream, _peer) = listener.accept().await.unwrap();
    ///     assert!(stream.peer_addr().is_ok());
    /// });
    /// ```
    #[doc(alias = "sock_accept")]
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The primitive of [`accept`](Self::accept): takes a waiting
    /// connection, or keeps `cx`'s waker for the next one.
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    ///
    /// # Panics
    ///
    /// As [`accept`](Self::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use looplet::net::{TcpListener, TcpStream};
    ///
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (_stream, peer) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    ///     assert!(peer.ip().is_loopback());
    /// });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_io(cx, Direction::Read, mio::net::TcpListener::accept)
            .map(|accepted| {
                let (socket, peer) = accepted?;
                Ok((TcpStream::from_mio(socket, "TcpListener::accept")?, peer))
            })
    }

    /// The address it listens on (with the port the system picked, for a
    /// port 0); asyncio's `server.sockets[0].getsockname()`.
    ///
    /// # Errors
    ///
    /// What the system says.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::TcpListener;
    ///
    /// looplet::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    #[doc(alias = "getsockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TcpListener");
        if let Ok(addr) = self.local_addr() {
            d.field("local", &addr);
        }
        d.finish_non_exhaustive()
    }
}
