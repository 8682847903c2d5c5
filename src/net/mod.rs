//! Sockets (feature `net`): looplet's own reactor and the TCP and UDP
//! sockets that wait in it.
//!
//! asyncio's loop is a selector loop: it waits in `epoll` with the next
//! timer's deadline as the timeout, then runs what became ready. With this
//! feature looplet's loop is the same: when no task is ready it parks in
//! the reactor (`mio::Poll`) instead of `std::thread::park`, so a socket's
//! wake arrives on looplet's own thread, as a local wake, and a socket
//! costs no extra thread. `docs/11-the-reactor.md` walks through it.
//!
//! ```
//! use looplet::net::{TcpListener, TcpStream};
//!
//! looplet::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     looplet::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 64];
//!         loop {
//!             let n = stream.read(&mut buf).await.unwrap();
//!             if n == 0 { break }
//!             stream.write_all(&buf[..n]).await.unwrap();
//!         }
//!     });
//!     let stream = TcpStream::connect(addr).await.unwrap();
//!     stream.write_all(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     stream.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"ping");
//! });
//! ```
//!
//! Sockets are made inside a runtime (outside one, `bind` panics naming
//! the fix, as `spawn` does) and belong to it: they are `!Send`, and once
//! the runtime is gone every operation fails with an error instead of
//! waiting forever.
//!
//! # Layers
//!
//! This module names no other part of looplet: the executor owns the
//! `Reactor` (`reactor.rs`) and parks in it (`executor/park.rs`), and
//! tells this module which reactor is current on the thread as it enters
//! and leaves a runtime, the way it tells `trace/` its tracer.
//!
//! | file | what it owns |
//! |------|--------------|
//! | `reactor.rs` | the selector, a slab of sockets, readiness and wakers per direction |
//! | `current.rs` | which reactor is current on this thread, set by the executor |
//! | `registered.rs` | a socket in the reactor; the edge-triggered I/O loop; deregistering |
//! | `addr.rs` | trying each address a name resolves to |
//! | `tcp_stream.rs`, `tcp_listener.rs`, `udp.rs` | the sockets |
//! | `tcp_stream_io.rs` | a `TcpStream`'s reads and writes: the `poll_*` primitives, the `async fn`s, the `futures_io` impls |
//! | `../streams/` | asyncio's streams: `open_connection`, `start_server`, `StreamReader`, `StreamWriter` |
//!
//! Read next: `reactor.rs`.

mod addr;
pub(crate) mod current;
pub(crate) mod reactor;
mod registered;
mod tcp_listener;
mod tcp_stream;
mod tcp_stream_io;
mod udp;
// asyncio's streams: a layer above the runtime, in `src/streams/` (see
// its module docs), with its public names here.
#[path = "../streams/mod.rs"]
mod streams;

pub use streams::{
    IncompleteRead, Server, StreamReader, StreamWriter, open_connection, start_server,
};
pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
