//! TCP echo on loopback: round trips of 64 bytes through four
//! single-threaded arrangements, client and server in the same thread.
//!
//! ```sh
//! cargo bench -p looplet-bench --bench tcp_echo              # 5 rounds, both shapes
//! cargo bench -p looplet-bench --bench tcp_echo -- --rounds 9
//! ```
//!
//! | arrangement | sockets | who wakes a task on I/O |
//! |---|---|---|
//! | `looplet-net` | `looplet::net` (feature `net`) | looplet's own reactor, on its thread |
//! | `looplet-async-io` | `async_io::Async<std::net::TcpStream>` | async-io's helper thread, through looplet's inbox |
//! | `smol` | `async_io::Async` | async-executor's `LocalExecutor` under `async_io::block_on`, which polls async-io's reactor on the thread |
//! | `tokio` | `tokio::net` | tokio's `current_thread` runtime and its I/O driver (`tokio::spawn`) |
//!
//! Each shape opens `connections` connections; each client writes 64
//! bytes, reads the 64-byte echo and checks it, `trips` times; each server
//! task reads 64 bytes and writes them back. `TCP_NODELAY` is set on both
//! ends everywhere. Two shapes: 50 × 10,000 (throughput: many sockets ready
//! per look at the selector) and 1 × 10,000 (latency: one round trip at a
//! time).
//!
//! Each round runs every arrangement once, in turn, so the machine's load
//! falls on all of them alike; the report gives every round and the
//! medians, round trips per second and CPU microseconds per round trip
//! (on-CPU time of every thread of the process, helper threads included,
//! from `/proc/self/task/*/schedstat`: Linux only), and each arrangement's
//! ratio to tokio within the same round.
//!
//! `cargo test -p looplet-bench --benches` runs it once with 100 round
//! trips per connection, in a debug build, as a smoke test (no `--bench`
//! argument).

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::time::Instant;

use async_io::Async;
use cpu::process_cpu_time;
use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[path = "support/cpu.rs"]
mod cpu;

/// Bytes per message.
const MESSAGE: usize = 64;

/// One shape of the workload.
#[derive(Clone, Copy)]
struct Shape {
    connections: usize,
    trips: usize,
}

/// The message of round trip `i` of client `c`: distinct, so a mixed-up
/// echo is caught.
fn message(c: usize, i: usize) -> [u8; MESSAGE] {
    let mut m = [0; MESSAGE];
    for (k, b) in m.iter_mut().enumerate() {
        *b = (c * 131 + i * 7 + k) as u8;
    }
    m
}

/// A client over futures-io: `trips` round trips, each checked.
async fn client<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, c: usize, trips: usize) {
    let mut buf = [0; MESSAGE];
    for i in 0..trips {
        let m = message(c, i);
        stream.write_all(&m).await.unwrap();
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, m, "client {c}, round trip {i}");
    }
}

/// A server connection over futures-io: echo messages until end of file.
async fn server<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let mut buf = [0; MESSAGE];
    while stream.read_exact(&mut buf).await.is_ok() {
        stream.write_all(&buf).await.unwrap();
    }
}

/// looplet with its own reactor.
fn looplet_net(shape: Shape) {
    use looplet::net::{TcpListener, TcpStream};
    looplet::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _acceptor = looplet::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                let _detached = looplet::spawn(server(stream));
            }
        });
        let clients: Vec<_> = (0..shape.connections)
            .map(|c| {
                looplet::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    client(stream, c, shape.trips).await;
                })
            })
            .collect();
        for done in looplet::gather(clients).await {
            done.unwrap();
        }
    });
}

/// A listener and connect for the async-io arrangements.
fn async_io_listener() -> (Async<StdListener>, SocketAddr) {
    let listener = Async::<StdListener>::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.get_ref().local_addr().unwrap();
    (listener, addr)
}

/// An accepted or connected async-io stream, with `TCP_NODELAY`.
fn nodelay(stream: Async<StdStream>) -> Async<StdStream> {
    stream.get_ref().set_nodelay(true).unwrap();
    stream
}

/// looplet with async-io's sockets: today's way without `net`.
fn looplet_async_io(shape: Shape) {
    looplet::run(async move {
        let (listener, addr) = async_io_listener();
        let _acceptor = looplet::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let _detached = looplet::spawn(server(nodelay(stream)));
            }
        });
        let clients: Vec<_> = (0..shape.connections)
            .map(|c| {
                looplet::spawn(async move {
                    let stream = nodelay(Async::<StdStream>::connect(addr).await.unwrap());
                    client(stream, c, shape.trips).await;
                })
            })
            .collect();
        for done in looplet::gather(clients).await {
            done.unwrap();
        }
    });
}

/// smol's arrangement: async-executor's `LocalExecutor` under
/// `async_io::block_on`, which parks in async-io's reactor.
fn smol(shape: Shape) {
    let ex = std::rc::Rc::new(async_executor::LocalExecutor::<'static>::new());
    async_io::block_on(ex.run(async {
        let (listener, addr) = async_io_listener();
        let spawner = ex.clone();
        ex.spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                spawner.spawn(server(nodelay(stream))).detach();
            }
        })
        .detach();
        let clients: Vec<_> = (0..shape.connections)
            .map(|c| {
                ex.spawn(async move {
                    let stream = nodelay(Async::<StdStream>::connect(addr).await.unwrap());
                    client(stream, c, shape.trips).await;
                })
            })
            .collect();
        for done in clients {
            done.await;
        }
    }));
}

/// tokio's `current_thread` runtime with `tokio::net`.
fn tokio(shape: Shape) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = [0; MESSAGE];
                    while stream.read_exact(&mut buf).await.is_ok() {
                        stream.write_all(&buf).await.unwrap();
                    }
                });
            }
        });
        let clients: Vec<_> = (0..shape.connections)
            .map(|c| {
                tokio::spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let mut buf = [0; MESSAGE];
                    for i in 0..shape.trips {
                        let m = message(c, i);
                        stream.write_all(&m).await.unwrap();
                        stream.read_exact(&mut buf).await.unwrap();
                        assert_eq!(buf, m, "client {c}, round trip {i}");
                    }
                })
            })
            .collect();
        for done in clients {
            done.await.unwrap();
        }
    });
}

/// One measured run: (round trips per second, CPU µs per round trip).
fn measure(run: fn(Shape), shape: Shape) -> (f64, f64) {
    let trips = (shape.connections * shape.trips) as f64;
    let (cpu, wall) = (process_cpu_time(), Instant::now());
    run(shape);
    let wall = wall.elapsed().as_secs_f64();
    let cpu = (process_cpu_time() - cpu).as_secs_f64();
    (trips / wall, cpu * 1e6 / trips)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

type Arrangement = (&'static str, fn(Shape));

const ARRANGEMENTS: [Arrangement; 4] = [
    ("looplet-net", looplet_net),
    ("looplet-async-io", looplet_async_io),
    ("smol", smol),
    ("tokio", tokio),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(if bench { 5 } else { 1 });
    let trips = if bench { 10_000 } else { 100 };
    let shapes = [
        Shape {
            connections: 50,
            trips,
        },
        Shape {
            connections: 1,
            trips,
        },
    ];
    for shape in shapes {
        println!(
            "\n## {} connection(s) x {} round trips of {MESSAGE} bytes, {rounds} round(s)",
            shape.connections, shape.trips
        );
        // results[arrangement][round] = (trips/s, cpu µs/trip)
        let mut results = vec![Vec::new(); ARRANGEMENTS.len()];
        for round in 0..rounds {
            for (k, (_, run)) in ARRANGEMENTS.iter().enumerate() {
                results[k].push(measure(*run, shape));
            }
            let tokio = results[3][round];
            let line: Vec<String> = ARRANGEMENTS
                .iter()
                .zip(&results)
                .map(|((name, _), r)| {
                    let (rate, cpu) = r[round];
                    format!(
                        "{name} {rate:.0}/s ({:.2}x) {cpu:.1}us ({:.2}x)",
                        rate / tokio.0,
                        cpu / tokio.1
                    )
                })
                .collect();
            println!("round {}: {}", round + 1, line.join(" | "));
        }
        println!(
            "\n| arrangement | round trips/s (median) | vs tokio (median of per-round ratios) | CPU µs per round trip (median) | vs tokio |"
        );
        println!("|---|---:|---:|---:|---:|");
        for (k, (name, _)) in ARRANGEMENTS.iter().enumerate() {
            let rate = median(results[k].iter().map(|r| r.0).collect());
            let cpu = median(results[k].iter().map(|r| r.1).collect());
            let rate_ratio = median(
                results[k]
                    .iter()
                    .zip(&results[3])
                    .map(|(r, t)| r.0 / t.0)
                    .collect(),
            );
            let cpu_ratio = median(
                results[k]
                    .iter()
                    .zip(&results[3])
                    .map(|(r, t)| r.1 / t.1)
                    .collect(),
            );
            println!("| {name} | {rate:.0} | {rate_ratio:.2}x | {cpu:.1} | {cpu_ratio:.2}x |");
        }
    }
}
