//! asyncio's streams (feature `net`): [`open_connection`] and
//! [`start_server`] hand out a [`StreamReader`] and a [`StreamWriter`] per
//! connection, with asyncio's buffering, limits and flow control.
//!
//! The public names live in `looplet::net`, where asyncio and the design
//! put them; the code lives here, in a layer of its own above the runtime
//! (it spawns tasks and sleeps), while the sockets in `net/` name nothing
//! of the crate. `net/mod.rs` includes this folder with a `#[path]`.
//!
//! # Invariants
//!
//! * A connection's reader and writer share one [`TcpStream`] through an
//!   `Rc`; the socket closes when both are dropped. The writer's close
//!   shuts down only the writing half, so the reader can still read the
//!   peer's answer.
//! * The reader and the writer work on any `futures_io` stream, which is
//!   how `tests/net_streams.rs` checks their buffering against an
//!   in-memory pipe that delivers chosen chunks.
//!
//! | file | what it owns |
//! |------|--------------|
//! | `reader.rs` | the read buffer, `read`, `readexactly`, the limit, `IncompleteRead` |
//! | `reader_until.rs` | `readuntil` and `readline`: the separator search within the limit |
//! | `writer.rs` | `StreamWriter`: write at once or buffer, water marks, `drain`, `close` |
//! | `writer_flush.rs` | the state a writer shares with its flusher task, the writing loop, the task |
//! | `server.rs` | `start_server`: the accept task and a task per connection |
//!
//! Read next: `reader.rs`.

mod reader;
mod reader_until;
mod server;
mod writer;
mod writer_flush;

use std::io;
use std::net::ToSocketAddrs;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::net::TcpStream;

pub use reader::{IncompleteRead, StreamReader};
pub use server::{Server, start_server};
pub use writer::StreamWriter;

/// Connects to `addr` and returns the connection's reader and writer;
/// asyncio's `await asyncio.open_connection(host, port)`. Each address a
/// name resolves to is tried in turn.
///
/// The reader has asyncio's default limit of 64 KiB on a line
/// ([`StreamReader::set_limit`] raises it); the writer asyncio's water
/// marks.
///
/// # Errors
///
/// What connecting says: [`io::ErrorKind::ConnectionRefused`] when nobody
/// listens, a name that does not resolve.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Cancel safety
///
/// Cancel safe: a connection not yet returned is closed.
///
/// # Examples
///
/// ```
/// use looplet::net::{open_connection, start_server};
///
/// looplet::run(async {
///     let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
///         let name = reader.readline().await.unwrap();
///         writer.write(&[b"hello, ", &name[..]].concat());
///     })
///     .unwrap();
///     let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
///     writer.write(b"world\n");
///     assert_eq!(reader.readline().await.unwrap(), b"hello, world\n");
/// });
/// ```
pub async fn open_connection<A: ToSocketAddrs>(
    addr: A,
) -> io::Result<(StreamReader, StreamWriter)> {
    streams_of(TcpStream::connect(addr).await?)
}

/// A connected socket's reader and writer.
fn streams_of(stream: TcpStream) -> io::Result<(StreamReader, StreamWriter)> {
    let peer = stream.peer_addr()?;
    let stream = Rc::new(stream);
    let reader = StreamReader::new(Half(Rc::clone(&stream)));
    let writer = StreamWriter::with_peer(Box::new(Half(stream)), Some(peer));
    Ok((reader, writer))
}

/// One side's share of a connection's socket.
struct Half(Rc<TcpStream>);

impl futures_io::AsyncRead for Half {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl futures_io::AsyncWrite for Half {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the writing half only: the reader keeps reading.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.shutdown(std::net::Shutdown::Write))
    }
}
