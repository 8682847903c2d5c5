//! Addresses: trying each address a name resolves to, as std's
//! `TcpStream::connect` and asyncio's `create_connection` do, with the
//! address in the error.
//!
//! Names are resolved with std's `ToSocketAddrs`, which blocks the thread
//! (getaddrinfo) for a name that is not a literal address. asyncio runs
//! getaddrinfo on a worker thread; looplet keeps this simple: pass an IP
//! address (`"127.0.0.1:8080"`, a `SocketAddr`) and nothing blocks, or
//! resolve a host name with `looplet::to_thread` first.
//!
//! Read next: `reactor.rs`.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Calls `each` on every address `addr` resolves to until one succeeds;
/// returns the last error, naming the address it came from and keeping its
/// kind, so `ConnectionRefused` is still `ConnectionRefused`.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut each: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match each(addr).await {
            Ok(done) => return Ok(done),
            Err(e) => last = Some(with_addr(e, addr)),
        }
    }
    Err(last.unwrap_or_else(no_address))
}

/// `each_addr` for calls that do not wait (`bind`).
pub(crate) fn each_addr_now<A, T, F>(addr: A, mut each: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> io::Result<T>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match each(addr) {
            Ok(done) => return Ok(done),
            Err(e) => last = Some(with_addr(e, addr)),
        }
    }
    Err(last.unwrap_or_else(no_address))
}

/// `e`, with `addr` in its message and its kind kept.
fn with_addr(e: io::Error, addr: SocketAddr) -> io::Error {
    io::Error::new(e.kind(), format!("{addr}: {e}"))
}

/// The error of a name that resolved to nothing.
fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to no socket address",
    )
}
