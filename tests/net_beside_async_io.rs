//! async-io's `Async` keeps working beside looplet's reactor (feature
//! `net`): its sockets are woken from async-io's own helper thread, through
//! looplet's inbox, which now wakes the loop through the reactor's
//! `mio::Waker` when it waits in the selector.
#![cfg(feature = "net")]

use std::net::{TcpListener as StdListener, TcpStream as StdStream};

use async_io::Async;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use looplet::net::{TcpListener, TcpStream};

#[test]
fn async_io_sockets_work_beside_looplet_sockets() {
    let rt = looplet::Builder::new().build();
    rt.block_on(async {
        // async-io's side: a listener and an echo of 1,000 bytes.
        let theirs = Async::<StdListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let their_addr = theirs.get_ref().local_addr().unwrap();
        let their_server = looplet::spawn(async move {
            let (mut stream, _) = theirs.accept().await.unwrap();
            let mut buf = vec![0; 1000];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        // looplet's side, at the same time.
        let ours = TcpListener::bind("127.0.0.1:0").unwrap();
        let our_addr = ours.local_addr().unwrap();
        let our_server = looplet::spawn(async move {
            let (stream, _) = ours.accept().await.unwrap();
            let mut buf = vec![0; 1000];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        let sent: Vec<u8> = (0..1000).map(|i| i as u8).collect();
        let mut their_client = Async::<StdStream>::connect(their_addr).await.unwrap();
        let our_client = TcpStream::connect(our_addr).await.unwrap();
        their_client.write_all(&sent).await.unwrap();
        our_client.write_all(&sent).await.unwrap();
        let mut a = vec![0; 1000];
        let mut b = vec![0; 1000];
        their_client.read_exact(&mut a).await.unwrap();
        our_client.read_exact(&mut b).await.unwrap();
        assert_eq!((a, b), (sent.clone(), sent));
        their_server.await.unwrap();
        our_server.await.unwrap();
    });
    let stats = rt.stats();
    assert!(stats.wakes_io > 0, "{stats:?}");
    assert!(
        stats.wakes_remote > 0,
        "async-io's wakes come from its thread: {stats:?}"
    );
}
