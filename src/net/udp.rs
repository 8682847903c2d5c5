//! `UdpSocket`: datagrams whose sends and receives wait in the reactor.
//!
//! Read next: `executor/park.rs`, where the loop parks in the reactor.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::addr::each_addr_now;
use super::reactor::Direction;
use super::registered::Registered;

/// A UDP socket, registered with the runtime's reactor; asyncio's
/// `sock_sendto` / `sock_recvfrom` on a datagram socket.
///
/// `!Send`, like every socket of [`net`](super): it works while the
/// runtime it was made in runs, and fails with an error after.
///
/// # Examples
///
/// ```
/// use looplet::net::UdpSocket;
///
/// looplet::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    /// The socket and its slot in the reactor.
    io: Registered<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`, trying each address it resolves to in turn.
    ///
    /// # Errors
    ///
    /// The last address's error, with the address in the message.
    ///
    /// # Panics
    ///
    /// Outside a runtime: a socket belongs to the runtime it is made in.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    #[track_caller]
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let socket = each_addr_now(addr, mio::net::UdpSocket::bind)?;
        Ok(UdpSocket {
            io: Registered::new("UdpSocket::bind", socket, true)?,
        })
    }

    /// Sends one datagram to `target`, waiting while the send buffer is
    /// full; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// What the system says, or an error if the runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a datagram is sent whole, in the poll that returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let to = socket.local_addr().unwrap();
    ///     assert_eq!(socket.send_to(b"to myself", to).await.unwrap(), 9);
    /// });
    /// ```
    #[doc(alias = "sock_sendto")]
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Write, |socket| socket.send_to(buf, target))
        })
        .await
    }

    /// Waits for one datagram; returns its length and its sender. A
    /// datagram longer than `buf` is cut to fit.
    ///
    /// # Errors
    ///
    /// What the system says, or an error if the runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a datagram is taken only in the poll that returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let me = socket.local_addr().unwrap();
    ///     socket.send_to(b"echo", me).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(socket.recv_from(&mut buf).await.unwrap(), (4, me));
    /// });
    /// ```
    #[doc(alias = "sock_recvfrom")]
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |socket| socket.recv_from(buf))
        })
        .await
    }

    /// Sets the one peer that [`send`](Self::send) sends to and
    /// [`recv`](Self::recv) receives from (datagrams from others are
    /// dropped by the system).
    ///
    /// # Errors
    ///
    /// What the system says.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(b.local_addr().unwrap()).unwrap();
    ///     assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// });
    /// ```
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.io.get().connect(addr)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// What the system says (not connected, say), or an error if the
    /// runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`send_to`](Self::send_to).
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(b.local_addr().unwrap()).unwrap();
    ///     b.connect(a.local_addr().unwrap()).unwrap();
    ///     a.send(b"hi").await.unwrap();
    ///     let mut buf = [0; 4];
    ///     assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Write, |socket| socket.send(buf))
        })
        .await
    }

    /// Waits for one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// What the system says, or an error if the runtime is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv_from`](Self::recv_from).
    ///
    /// # Examples
    ///
    /// See [`send`](Self::send).
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(a.local_addr().unwrap()).unwrap();
    ///     a.send(b"self").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |socket| socket.recv(buf))
        })
        .await
    }

    /// The address it is bound to.
    ///
    /// # Errors
    ///
    /// What the system says.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    #[doc(alias = "getsockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` unless [`connect`](Self::connect) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::UdpSocket;
    ///
    /// looplet::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(socket.peer_addr().is_err());
    /// });
    /// ```
    #[doc(alias = "getpeername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("UdpSocket");
        if let Ok(addr) = self.local_addr() {
            d.field("local", &addr);
        }
        d.finish_non_exhaustive()
    }
}
