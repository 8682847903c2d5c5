//! Sockets (feature `net`): loopback echo with many connections, UDP,
//! errors that say what happened, sockets outside or after their runtime,
//! and what the reactor's counters and trace say.
#![cfg(feature = "net")]

mod common;
#[path = "common/net.rs"]
mod net_common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use looplet::net::{TcpListener, TcpStream, UdpSocket};

/// The bytes client `c` sends: distinct per client and per position, so a
/// byte delivered to the wrong connection or out of order is caught.
fn payload(c: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (c * 31 + i * 7) as u8).collect()
}

/// Echoes every byte back until the peer shuts down its writing half.
async fn echo(stream: TcpStream) {
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            return;
        }
        stream.write_all(&buf[..n]).await.unwrap();
    }
}

#[test]
fn loopback_echo_with_100_concurrent_connections_checks_every_byte() {
    const CLIENTS: usize = 100;
    const LEN: usize = 64 * 1024;
    let stats = looplet::Builder::new().build();
    stats.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = looplet::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let _detached = looplet::spawn(echo(stream));
            }
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                looplet::spawn(async move {
                    let stream = Rc::new(TcpStream::connect(addr).await.unwrap());
                    let sent = payload(c, LEN);
                    // Write and read at once: a 64 KiB echo does not fit in
                    // the socket buffers one way.
                    let writer = looplet::spawn({
                        let (stream, sent) = (stream.clone(), sent.clone());
                        async move {
                            for chunk in sent.chunks(1000) {
                                stream.write_all(chunk).await.unwrap();
                            }
                            stream.shutdown(std::net::Shutdown::Write).unwrap();
                        }
                    });
                    let mut got = Vec::with_capacity(LEN);
                    let mut buf = [0; 4096];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        got.extend_from_slice(&buf[..n]);
                    }
                    writer.await.unwrap();
                    assert!(got == sent, "client {c}: the echo differs");
                })
            })
            .collect();
        for client in looplet::gather(clients).await {
            client.unwrap();
        }
    });
    let stats = stats.stats();
    assert!(stats.wakes_io > 0, "{stats:?}");
    assert!(stats.parks_in_reactor > 0, "{stats:?}");
}

#[test]
fn tcp_stream_works_with_futures_io_combinators() {
    looplet::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = looplet::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            echo(stream).await;
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"through futures-io").await.unwrap();
        stream.close().await.unwrap(); // AsyncWrite::poll_close: shuts down writing
        let mut got = String::new();
        (&stream).read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through futures-io");
    });
}

#[test]
fn udp_send_to_and_recv_from() {
    looplet::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let receiver = looplet::spawn(async move {
            let mut buf = [0; 64];
            let mut got = Vec::new();
            for _ in 0..10 {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, a_addr);
                got.push(buf[..n].to_vec());
                b.send_to(&buf[..n], from).await.unwrap();
            }
            got
        });
        let mut buf = [0; 64];
        for i in 0..10u8 {
            a.send_to(&[i; 5], b_addr).await.unwrap();
            let (n, from) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&[i; 5][..], b_addr));
        }
        let got = receiver.await.unwrap();
        assert_eq!(got, (0..10u8).map(|i| vec![i; 5]).collect::<Vec<_>>());
    });
}

/// A port nobody listens on: bound, noted, closed.
fn closed_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn connection_refused_says_so_and_names_the_address() {
    looplet::run(async {
        let addr = closed_port();
        let e = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
        assert!(e.to_string().contains(&addr.to_string()), "{e}");
    });
}

#[test]
fn connection_reset_says_so() {
    looplet::run(async {
        let (client, server) = net_common::tcp_pair().await;
        client.write_all(b"never read").await.unwrap();
        // Wait until the bytes are in the server's receive buffer, then
        // close it unread: the kernel answers with a reset.
        let mut one = [0; 1];
        server.read(&mut one).await.unwrap();
        drop(server);
        let mut buf = [0; 16];
        let e = loop {
            match client.read(&mut buf).await {
                Ok(0) => panic!("end of file instead of a reset"),
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}");
    });
}

#[test]
fn a_socket_after_its_runtime_is_gone_errors_instead_of_hanging() {
    let rt = looplet::Builder::new().build();
    let (listener, stream, udp) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        (listener, stream, UdpSocket::bind("127.0.0.1:0").unwrap())
    });
    drop(rt);
    // In another runtime, and under another executor altogether.
    looplet::run(async {
        let e = listener.accept().await.unwrap_err();
        assert!(e.to_string().contains("runtime"), "{e}");
        let mut buf = [0; 4];
        assert!(stream.read(&mut buf).await.is_err());
    });
    futures::executor::block_on(async {
        assert!(stream.write(b"x").await.is_err());
        let mut buf = [0; 4];
        assert!(udp.recv_from(&mut buf).await.is_err());
    });
    // The address calls still answer: they do not wait.
    assert!(listener.local_addr().is_ok());
}

#[test]
#[should_panic(
    expected = "`looplet::net::TcpListener::bind` called outside a runtime; \
                           call it from inside `looplet::run`"
)]
fn binding_outside_a_runtime_panics_naming_the_fix() {
    let _ = TcpListener::bind("127.0.0.1:0");
}

#[test]
fn the_trace_names_sockets_and_the_tasks_they_wake() {
    // The trace says which socket became ready and which task it woke.
    let lines = common::Lines::default();
    let rt = looplet::Builder::new().trace_to(lines.clone()).build();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = looplet::Event::new();
        let server = looplet::spawn({
            let accepted = accepted.clone();
            async move {
                let (stream, _) = listener.accept().await.unwrap();
                accepted.set();
                // In the same poll as the `set`: finds nothing to read and
                // leaves its waker with socket 3.
                let mut buf = [0; 4];
                stream.read_exact(&mut buf).await.unwrap();
            }
        });
        let client = TcpStream::connect(addr).await.unwrap();
        // "ping" goes out only once the server's read waits for it, so its
        // arrival is what wakes the server, through the reactor.
        accepted.wait().await;
        client.write_all(b"ping").await.unwrap();
        server.await.unwrap();
    });
    drop(rt);
    let text = lines.text();
    assert!(text.contains("parked in the reactor until"), "{text}");
    // Socket 1 is the listener, 2 the client, 3 the accepted stream.
    assert!(text.contains("socket 3 readable"), "{text}");
    assert!(
        text.contains("task 2 woken by socket 3: queued (4)"),
        "{text}"
    );
    assert!(text.contains("I/O wake(s)"), "{text}");
}

#[test]
fn end_of_file_after_a_short_read_is_not_missed() {
    // A short read clears readiness without a `WouldBlock` (the buffer is
    // empty). A hang-up that came with the data sends no second edge, so
    // the reactor must remember it: the next read returns end of file.
    looplet::run(async {
        let (client, server) = net_common::tcp_pair().await;
        client.write_all(b"last words").await.unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        // Let the data and the hang-up arrive, and their edge be seen.
        looplet::sleep(std::time::Duration::from_millis(20)).await;
        let mut buf = [0; 1024];
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"last words");
        let eof = looplet::timeout(std::time::Duration::from_secs(5), server.read(&mut buf)).await;
        assert_eq!(eof.expect("the end of file was missed").unwrap(), 0);
    });
}

#[test]
fn a_socket_that_would_wait_inside_another_runtime_errors_instead_of_hanging() {
    let first = looplet::Builder::new().build();
    let (client, server) = first.block_on(net_common::tcp_pair());
    // `first` is alive but not running: inside `second`, nothing would
    // ever look at the reactor the sockets wait in.
    looplet::run(async {
        let mut buf = [0; 4];
        let e = server.read(&mut buf).await.unwrap_err();
        assert!(e.to_string().contains("another runtime"), "{e}");
    });
    // Back in their own runtime, they work.
    first.block_on(async {
        client.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
    });
}
