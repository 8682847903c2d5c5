//! Helpers for the tests of the `net` feature, kept apart from `mod.rs`
//! because the bench member includes that file without the feature.

/// A connected pair of `looplet::net` streams on loopback: (client, the
/// server's side). Call it inside a runtime.
pub async fn tcp_pair() -> (looplet::net::TcpStream, looplet::net::TcpStream) {
    let listener = looplet::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = looplet::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}
