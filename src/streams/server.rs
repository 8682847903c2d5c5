//! [`Server`] and [`start_server`]: asyncio's `start_server`, a task that
//! accepts connections and a task per connection that runs the handler.
//!
//! # Invariants
//!
//! * The listening socket belongs to the accept task alone, so
//!   [`Server::close`], which cancels that task, closes the port at once:
//!   a connect after `close` is refused.
//! * `active` counts the handler tasks still running; `idle` is set once
//!   the server is closed and `active` is 0 (what `wait_closed` waits for).
//!
//! # Simpler than asyncio
//!
//! One listening socket (asyncio binds one per address a host name
//! resolves to); no `start_serving=False`, no `reuse_port`, no TLS. A
//! failing `accept` (out of file descriptors, say) is retried after
//! [`ACCEPT_RETRY_DELAY`], as asyncio does, but not logged: looplet has no
//! logger; the trace shows the accept task sleeping.
//!
//! Read next: `docs/asyncio-porting.md`, the streams rows.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::time::Duration;

use crate::join::JoinHandle;
use crate::net::TcpListener;
use crate::sync::Event;

use super::{StreamReader, StreamWriter, streams_of};

/// How long the accept task waits after `accept` fails with anything but a
/// connection aborted before it was accepted: asyncio's 1 s, long enough
/// for file descriptors to be freed, short enough to recover soon.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// What the server and its tasks share.
struct State {
    /// Set by `close`: `serve_forever` returns.
    closed: Event,
    /// Set when closed and no handler runs: `wait_closed` returns.
    idle: Event,
    /// Handler tasks still running.
    active: Cell<usize>,
}

impl State {
    /// Sets `idle` if the server is closed and no handler runs.
    fn check_idle(&self) {
        if self.closed.is_set() && self.active.get() == 0 {
            self.idle.set();
        }
    }
}

/// A listening server that runs a handler per connection; asyncio's
/// `Server`, made by [`start_server`].
///
/// Dropping it does not stop it (its accept task runs on, as a spawned
/// task does): call [`close`](Self::close).
///
/// # Examples
///
/// ```
/// use looplet::net::{open_connection, start_server};
///
/// looplet::run(async {
///     let server = start_server("127.0.0.1:0", |_reader, writer| async move {
///         writer.write(b"hi\n");
///     })
///     .unwrap();
///     let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"hi\n");
///     server.close();
///     server.wait_closed().await;
/// });
/// ```
pub struct Server {
    /// Where it listens.
    local: SocketAddr,
    /// The accept task; it owns the listening socket.
    accept: JoinHandle<()>,
    /// Shared with the tasks.
    state: Rc<State>,
}

/// Listens on `addr` and, from now on, runs `handler(reader, writer)` in a
/// task of its own for each connection; asyncio's
/// `await asyncio.start_server(client_connected_cb, host, port)`.
///
/// It needs no `.await`: binding does not wait, and the server accepts as
/// soon as the caller next awaits. The handler is any `Fn` returning a
/// future (an `async` closure body); its future owns the reader and the
/// writer, and dropping the writer at its end closes the connection's
/// writing half (see [`StreamWriter`]). A writer the `async move` block
/// never names is not moved into it, so it is dropped (and the
/// connection's writing half closed) as soon as the handler is called:
/// write `let _writer = writer;` in a handler that only reads.
///
/// # Errors
///
/// What binding says: the address in use, a name that does not resolve.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// use looplet::net::{open_connection, start_server};
///
/// looplet::run(async {
///     let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
///         while let Ok(line) = reader.readline().await {
///             if line.is_empty() { break }
///             writer.write(&line.to_ascii_uppercase());
///             if writer.drain().await.is_err() { break }
///         }
///     })
///     .unwrap();
///     let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
///     writer.write(b"shout\n");
///     assert_eq!(reader.readline().await.unwrap(), b"SHOUT\n");
/// });
/// ```
#[track_caller]
pub fn start_server<A, F, Fut>(addr: A, handler: F) -> io::Result<Server>
where
    A: ToSocketAddrs,
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let state = Rc::new(State {
        closed: Event::new(),
        idle: Event::new(),
        active: Cell::new(0),
    });
    let accept = crate::runtime::spawn_named(
        format!("server {local}"),
        accept_loop(listener, handler, Rc::clone(&state)),
    );
    Ok(Server {
        local,
        accept,
        state,
    })
}

/// The accept task: a handler task per connection.
async fn accept_loop<F, Fut>(listener: TcpListener, handler: F, state: Rc<State>)
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let Ok((reader, writer)) = streams_of(stream) else {
                    continue; // reset before we could ask its address
                };
                let connection = handler(reader, writer);
                state.active.set(state.active.get() + 1);
                let state = Rc::clone(&state);
                drop(crate::runtime::spawn(async move {
                    // Counts down even if the handler is cancelled or panics.
                    let _done = Done(state);
                    connection.await;
                }));
            }
            Err(e) if aborted_before_accept(&e) => {}
            Err(_) => crate::time::sleep(ACCEPT_RETRY_DELAY).await,
        }
    }
}

/// Errors that concern only the connection being accepted, not the
/// listener: try the next one at once.
fn aborted_before_accept(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Counts a handler task out when it ends, however it ends.
struct Done(Rc<State>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.active.set(self.0.active.get() - 1);
        self.0.check_idle();
    }
}

impl Server {
    /// The address it listens on, with the port the system picked for a
    /// port 0; asyncio's `server.sockets[0].getsockname()`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let server = looplet::net::start_server("127.0.0.1:0", |_, _| async {}).unwrap();
    ///     assert_ne!(server.local_addr().port(), 0);
    /// });
    /// ```
    #[doc(alias = "sockets")]
    #[doc(alias = "getsockname")]
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops accepting: the listening socket is closed at once, so new
    /// connections are refused; connections already accepted carry on;
    /// asyncio's `server.close()`. Calling it again does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{TcpStream, start_server};
    ///
    /// looplet::run(async {
    ///     let server = start_server("127.0.0.1:0", |_, _| async {}).unwrap();
    ///     server.close();
    ///     assert!(TcpStream::connect(server.local_addr()).await.is_err());
    /// });
    /// ```
    pub fn close(&self) {
        self.accept.cancel();
        self.state.closed.set();
        self.state.check_idle();
    }

    /// Whether [`close`](Self::close) was called; asyncio's
    /// `not server.is_serving()`.
    ///
    /// # Examples
    ///
    /// ```
    /// looplet::run(async {
    ///     let server = looplet::net::start_server("127.0.0.1:0", |_, _| async {}).unwrap();
    ///     assert!(!server.is_closed());
    ///     server.close();
    ///     assert!(server.is_closed());
    /// });
    /// ```
    #[doc(alias = "is_serving")]
    pub fn is_closed(&self) -> bool {
        self.state.closed.is_set()
    }

    /// Waits until the server is closed (by another task, holding a
    /// reference to it); asyncio's `await server.serve_forever()`. The
    /// server serves from [`start_server`] on; this only waits.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe; unlike asyncio's, cancelling it does not close the
    /// server.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use std::time::Duration;
    ///
    /// looplet::run(async {
    ///     let server = Rc::new(looplet::net::start_server("127.0.0.1:0", |_, _| async {}).unwrap());
    ///     let closer = Rc::clone(&server);
    ///     looplet::spawn(async move {
    ///         looplet::sleep(Duration::from_millis(10)).await;
    ///         closer.close();
    ///     });
    ///     server.serve_forever().await;
    ///     assert!(server.is_closed());
    /// });
    /// ```
    pub async fn serve_forever(&self) {
        self.state.closed.wait().await;
    }

    /// Waits until the server is closed and every connection's handler has
    /// returned; asyncio's `await server.wait_closed()` (as of Python
    /// 3.12).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::{open_connection, start_server};
    ///
    /// looplet::run(async {
    ///     let server = start_server("127.0.0.1:0", |mut reader, _| async move {
    ///         reader.read_to_end().await.unwrap();
    ///     })
    ///     .unwrap();
    ///     let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
    ///     server.close();
    ///     writer.close(); // the handler reads end-of-file and returns
    ///     server.wait_closed().await;
    /// });
    /// ```
    pub async fn wait_closed(&self) {
        self.state.idle.wait().await;
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local", &self.local)
            .field("closed", &self.is_closed())
            .field("connections", &self.state.active.get())
            .finish()
    }
}
