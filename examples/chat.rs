//! A small chat server on asyncio's streams: every line a client sends
//! goes to every other client. Each client has a `looplet::sync::Queue` of
//! lines to send it, emptied by a task of its own, so one slow reader
//! never holds up the others: its queue is bounded, and a client that
//! falls `BACKLOG` lines behind is disconnected (the asyncio way to say
//! the same is `put_nowait` and `QueueFull`).
//!
//! The protocol: the first line a client sends is its name; then each line
//! is a message. The server answers the name with a welcome, and tells
//! the others who joins and leaves.
//!
//! ```text
//! cargo run --features net --example chat            # serve on 127.0.0.1:8889
//! nc 127.0.0.1 8889                                  # in two terminals
//! cargo run --features net --example chat -- --demo  # scripted clients, then exit
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use looplet::net::{StreamReader, StreamWriter, open_connection, start_server};
use looplet::sync::Queue;

/// Lines a client may fall behind before it is disconnected.
const BACKLOG: usize = 100;

/// A line to send, shared by all the queues it is put in.
type Line = Rc<[u8]>;

/// The clients online: id, name and queue of lines to send.
#[derive(Default)]
struct Room {
    next_id: usize,
    clients: BTreeMap<usize, (String, Rc<Queue<Line>>)>,
}

impl Room {
    /// Sends `text` to everyone but `from`; disconnects whoever is too far
    /// behind (its queue is shut down, its sender task ends).
    fn broadcast(&mut self, from: usize, text: &str) {
        let line: Line = Rc::from(format!("{text}\n").into_bytes());
        self.clients.retain(|&id, (_, queue)| {
            id == from || queue.put_nowait(Rc::clone(&line)).is_ok() || {
                queue.shutdown(true);
                false
            }
        });
    }
}

/// Empties a client's queue into its socket.
async fn send_lines(queue: Rc<Queue<Line>>, writer: StreamWriter) {
    while let Ok(line) = queue.get().await {
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
    writer.close();
}

/// One connection: name, welcome, then relay lines until the end.
async fn handle_client(room: Rc<RefCell<Room>>, mut reader: StreamReader, writer: StreamWriter) {
    let Ok(name) = reader.readline().await else {
        return;
    };
    let name = String::from_utf8_lossy(&name).trim().to_string();
    let queue = Rc::new(Queue::new(BACKLOG));
    let id = {
        let mut room = room.borrow_mut();
        let id = room.next_id;
        room.next_id += 1;
        let online = room.clients.len() + 1;
        let welcome = format!("welcome, {name}: {online} online\n");
        queue.put_nowait(Rc::from(welcome.into_bytes())).unwrap();
        room.broadcast(id, &format!("* {name} joined"));
        room.clients.insert(id, (name.clone(), Rc::clone(&queue)));
        id
    };
    let sender = looplet::spawn(send_lines(Rc::clone(&queue), writer));
    while let Ok(line) = reader.readline().await {
        if line.is_empty() || !room.borrow().clients.contains_key(&id) {
            break; // the end, or disconnected for falling behind
        }
        let text = String::from_utf8_lossy(&line);
        room.borrow_mut()
            .broadcast(id, &format!("{name}: {}", text.trim_end()));
    }
    {
        let mut room = room.borrow_mut();
        room.clients.remove(&id);
        room.broadcast(id, &format!("* {name} left"));
    }
    queue.shutdown(false); // the sender sends what is queued, then closes
    let _ = sender.await;
}

/// Scripted clients, one step at a time so the transcript is the same on
/// every run; each expected line is checked.
async fn demo(addr: std::net::SocketAddr) {
    let mut clients: Vec<(&str, StreamReader, StreamWriter)> = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let (mut reader, writer) = open_connection(addr).await.unwrap();
        writer.write(format!("{name}\n").as_bytes());
        let welcome = reader.readline().await.unwrap();
        print!("{name:>5} < {}", String::from_utf8_lossy(&welcome));
        for (other, reader, _) in &mut clients {
            let joined = reader.readline().await.unwrap();
            print!("{other:>5} < {}", String::from_utf8_lossy(&joined));
            assert_eq!(joined, format!("* {name} joined\n").as_bytes());
        }
        clients.push((name, reader, writer));
    }
    let script = [
        (0, "hi all"),
        (1, "hello alice"),
        (2, "hey, what's up?"),
        (0, "streams!"),
    ];
    for (speaker, text) in script {
        let name = clients[speaker].0;
        println!("{name:>5} > {text}");
        clients[speaker].2.write(format!("{text}\n").as_bytes());
        for (i, (other, reader, _)) in clients.iter_mut().enumerate() {
            if i != speaker {
                let line = reader.readline().await.unwrap();
                print!("{other:>5} < {}", String::from_utf8_lossy(&line));
                assert_eq!(line, format!("{name}: {text}\n").as_bytes());
            }
        }
    }
    let (name, mut reader, writer) = clients.remove(1);
    println!("{name:>5} leaves");
    writer.close();
    assert_eq!(
        reader.read_to_end().await.unwrap(),
        b"",
        "nothing more for bob"
    );
    for (other, reader, _) in &mut clients {
        let left = reader.readline().await.unwrap();
        print!("{other:>5} < {}", String::from_utf8_lossy(&left));
        assert_eq!(left, b"* bob left\n");
    }
    println!("demo: 3 clients, every line checked");
}

fn main() {
    let demo_mode = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--demo") => true,
        Some(other) => {
            eprintln!("unknown argument {other:?}\nusage: chat [--demo]");
            std::process::exit(2);
        }
    };
    looplet::run(async move {
        let room = Rc::new(RefCell::new(Room::default()));
        let host = if demo_mode {
            "127.0.0.1:0"
        } else {
            "127.0.0.1:8889"
        };
        let server = start_server(host, move |reader, writer| {
            handle_client(Rc::clone(&room), reader, writer)
        })
        .expect("start_server");
        if demo_mode {
            demo(server.local_addr()).await;
            server.close();
        } else {
            println!(
                "chat on {} (try: nc {} {})",
                server.local_addr(),
                server.local_addr().ip(),
                server.local_addr().port()
            );
            server.serve_forever().await;
        }
    });
}
