//! asyncio's streams echo server (the "TCP echo server using streams"
//! example of Python's asyncio docs), in looplet, line for line: each
//! Python line is quoted in a comment above the Rust that does it. It
//! echoes lines (`readline`) where the Python docs read 100 bytes, so one
//! connection can carry many messages.
//!
//! Serve on 127.0.0.1:8888 (or `--port P`) and try it with `nc`:
//!
//! ```text
//! cargo run --features net --example echo_server
//! nc 127.0.0.1 8888
//! ```
//!
//! Or run clients in the same runtime, check every byte they get back and
//! print a summary (build with `--release` to measure):
//!
//! ```text
//! cargo run --release --features net --example echo_server -- --clients 100 --messages 1000
//! ```

use std::net::SocketAddr;
use std::time::Instant;

use looplet::net::{StreamReader, StreamWriter, open_connection, start_server};

/// Bytes per message in client mode, newline included: the `tcp_echo`
/// bench's 64.
const MESSAGE_LEN: usize = 64;

// async def handle_echo(reader, writer):
async fn handle_echo(mut reader: StreamReader, writer: StreamWriter, verbose: bool) {
    //     addr = writer.get_extra_info('peername')
    let addr = writer
        .peer_addr()
        .map_or_else(|e| e.to_string(), |addr| addr.to_string());
    loop {
        //     data = await reader.read(100)   (a line here; empty at the end)
        let data = match reader.readline().await {
            Ok(data) if !data.is_empty() => data,
            _ => break,
        };
        if verbose {
            //     message = data.decode()
            let message = String::from_utf8_lossy(&data);
            //     print(f"Received {message!r} from {addr!r}")
            println!("Received {message:?} from {addr}");
            //     print(f"Send: {message!r}")
            println!("Send: {message:?}");
        }
        //     writer.write(data)
        writer.write(&data);
        //     await writer.drain()
        if writer.drain().await.is_err() {
            break;
        }
    }
    if verbose {
        //     print("Close the connection")
        println!("Close the connection");
    }
    //     writer.close()
    writer.close();
    //     await writer.wait_closed()
    let _ = writer.wait_closed().await;
}

/// `--clients N --messages M --port P`, all optional.
struct Args {
    clients: usize,
    messages: usize,
    port: u16,
}

fn parse_args() -> Args {
    let mut args = Args {
        clients: 0,
        messages: 100,
        port: 8888,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let parsed = value
            .parse()
            .unwrap_or_else(|_| usage(&format!("bad value {value:?}")));
        match flag.as_str() {
            "--clients" => args.clients = parsed,
            "--messages" => args.messages = parsed,
            "--port" => {
                args.port = u16::try_from(parsed).unwrap_or_else(|_| usage("bad port"));
            }
            _ => usage(&format!("unknown argument {flag:?}")),
        }
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\nusage: echo_server [--port P] [--clients N [--messages M]]");
    std::process::exit(2);
}

/// The message client `c` sends as its `i`th: distinct per client and
/// message, `MESSAGE_LEN` bytes with the newline.
fn message(c: usize, i: usize) -> Vec<u8> {
    let mut line = format!("client {c} message {i} ").into_bytes();
    line.resize(MESSAGE_LEN - 1, b'.');
    line.push(b'\n');
    line
}

/// One client: `messages` round trips, each echo checked byte for byte.
async fn client(addr: SocketAddr, c: usize, messages: usize) -> usize {
    let (mut reader, writer) = open_connection(addr).await.expect("connect");
    for i in 0..messages {
        let sent = message(c, i);
        writer.write(&sent);
        writer.drain().await.expect("drain");
        let got = reader.readline().await.expect("readline");
        assert_eq!(got, sent, "client {c} message {i} came back wrong");
    }
    writer.close();
    assert_eq!(reader.read(1).await.expect("read"), b"", "no more bytes");
    messages
}

// async def main():
async fn main_async(args: Args) {
    let verbose = args.clients == 0;
    let host = if verbose {
        format!("127.0.0.1:{}", args.port)
    } else {
        "127.0.0.1:0".to_string()
    };
    //     server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
    let server = start_server(host, move |reader, writer| {
        handle_echo(reader, writer, verbose)
    })
    .expect("start_server");
    //     addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
    let addr = server.local_addr();
    if verbose {
        //     print(f'Serving on {addrs}')
        println!("Serving on {addr} (try: nc {} {})", addr.ip(), addr.port());
        //     async with server:
        //         await server.serve_forever()
        server.serve_forever().await;
        return;
    }
    let start = Instant::now();
    let clients: Vec<_> = (0..args.clients)
        .map(|c| looplet::spawn(client(addr, c, args.messages)))
        .collect();
    let mut round_trips = 0;
    for handle in clients {
        round_trips += handle.await.expect("a client failed");
    }
    let elapsed = start.elapsed();
    server.close();
    server.wait_closed().await;
    let stats = looplet::stats();
    println!(
        "{} clients x {} messages of {MESSAGE_LEN} bytes: {round_trips} round trips, \
         every byte checked",
        args.clients, args.messages
    );
    println!(
        "{:.3} s, {:.0} round trips/s",
        elapsed.as_secs_f64(),
        round_trips as f64 / elapsed.as_secs_f64(),
    );
    // Tasks: the clients, the accept task, a handler per connection, and
    // a flusher each time a write did not fit in the socket at once.
    println!(
        "tasks spawned {}, I/O wakes {}, parks in the reactor {}",
        stats.tasks_spawned, stats.wakes_io, stats.parks_in_reactor
    );
}

// asyncio.run(main())
fn main() {
    looplet::run(main_async(parse_args()));
}
