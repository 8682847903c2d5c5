//! asyncio's streams (feature `net`): the reader's and writer's buffering
//! against an in-memory pipe that delivers chosen chunks, ports of
//! CPython's `test_streams.py` cases that map, and the same over loopback
//! TCP through `open_connection` and `start_server`.
#![cfg(feature = "net")]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use looplet::net::{
    IncompleteRead, StreamReader, StreamWriter, TcpStream, open_connection, start_server,
};

// ---------------------------------------------------------------------------
// An in-memory pipe
// ---------------------------------------------------------------------------

/// A one-way byte pipe: the test `feed`s bytes a reader then gets (as much
/// as is there, like a socket), or a writer writes bytes (up to `capacity`
/// unread) that the test `take`s.
#[derive(Clone)]
struct Pipe(Rc<RefCell<PipeState>>);

struct PipeState {
    bytes: VecDeque<u8>,
    eof: bool,
    closed: bool,
    capacity: usize,
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// How many times a reader polled the pipe.
    polls: usize,
}

impl Pipe {
    fn new(capacity: usize) -> Pipe {
        Pipe(Rc::new(RefCell::new(PipeState {
            bytes: VecDeque::new(),
            eof: false,
            closed: false,
            capacity,
            reader: None,
            writer: None,
            polls: 0,
        })))
    }

    /// Delivers `data` to the reader as one packet.
    fn feed(&self, data: &[u8]) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.bytes.extend(data);
            state.reader.take()
        };
        waker.into_iter().for_each(Waker::wake);
    }

    /// The reader sees end-of-file once the bytes are read.
    fn feed_eof(&self) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.eof = true;
            state.reader.take()
        };
        waker.into_iter().for_each(Waker::wake);
    }

    /// Takes up to `n` written bytes, making room for the writer.
    fn take(&self, n: usize) -> Vec<u8> {
        let (out, waker) = {
            let mut state = self.0.borrow_mut();
            let n = n.min(state.bytes.len());
            (state.bytes.drain(..n).collect(), state.writer.take())
        };
        waker.into_iter().for_each(Waker::wake);
        out
    }

    fn unread(&self) -> usize {
        self.0.borrow().bytes.len()
    }

    fn closed(&self) -> bool {
        self.0.borrow().closed
    }
}

impl futures_io::AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.0.borrow_mut();
        state.polls += 1;
        if state.bytes.is_empty() {
            if state.eof {
                return Poll::Ready(Ok(0));
            }
            state.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(state.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(state.bytes.drain(..n)) {
            *slot = byte;
        }
        Poll::Ready(Ok(n))
    }
}

impl futures_io::AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.0.borrow_mut();
        let room = state.capacity - state.bytes.len();
        if room == 0 {
            state.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        state.bytes.extend(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.borrow_mut().closed = true;
        Poll::Ready(Ok(()))
    }
}

/// A reader over a pipe already holding `packets` (each its own read) and,
/// if `eof`, ended.
fn reader_of(packets: &[&[u8]], eof: bool) -> (StreamReader, Pipe) {
    let pipe = Pipe::new(usize::MAX);
    for packet in packets {
        pipe.feed(packet);
    }
    if eof {
        pipe.feed_eof();
    }
    (StreamReader::new(pipe.clone()), pipe)
}

/// Feeds `packets` one per turn of the loop, then end-of-file: the reader
/// sees them arrive one by one.
fn feed_slowly(pipe: &Pipe, packets: &[&[u8]]) {
    let pipe = pipe.clone();
    let packets: Vec<Vec<u8>> = packets.iter().map(|p| p.to_vec()).collect();
    drop(looplet::spawn(async move {
        for packet in packets {
            looplet::yield_now().await;
            pipe.feed(&packet);
        }
        looplet::yield_now().await;
        pipe.feed_eof();
    }));
}

/// The `IncompleteRead` inside an `UnexpectedEof` error.
fn incomplete(err: io::Error) -> IncompleteRead {
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    *err.into_inner()
        .unwrap()
        .downcast::<IncompleteRead>()
        .unwrap()
}

// ---------------------------------------------------------------------------
// The reader (CPython's test_streams.py, as far as it maps)
// ---------------------------------------------------------------------------

const DATA: &[u8] = b"line1\nline2\nline3\n";

#[test]
fn read_zero_returns_empty_and_keeps_the_buffer() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[DATA], false);
        assert_eq!(reader.read(0).await.unwrap(), b"");
        assert_eq!(reader.read(100).await.unwrap(), DATA);
    });
}

#[test]
fn read_returns_what_one_packet_brings() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        feed_slowly(&pipe, &[b"line1", b"line2"]);
        assert_eq!(reader.read(30).await.unwrap(), b"line1");
        assert_eq!(reader.read(3).await.unwrap(), b"lin");
        assert_eq!(reader.read(30).await.unwrap(), b"e2");
        assert_eq!(reader.read(30).await.unwrap(), b"");
        assert!(reader.at_eof());
    });
}

#[test]
fn read_at_eof_is_empty_and_read_to_end_takes_everything() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[], true);
        assert_eq!(reader.read(1024).await.unwrap(), b"");
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        feed_slowly(&pipe, &[b"chunk1\n", b"chunk2"]);
        assert_eq!(reader.read_to_end().await.unwrap(), b"chunk1\nchunk2");
    });
}

#[test]
fn readline_joins_a_line_split_across_packets() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        pipe.feed(b"chunk1 ");
        let mut reader = StreamReader::new(pipe.clone());
        feed_slowly(&pipe, &[b"chunk2 ", b"chunk3 ", b"\n chunk4"]);
        assert_eq!(reader.readline().await.unwrap(), b"chunk1 chunk2 chunk3 \n");
        assert_eq!(reader.readline().await.unwrap(), b" chunk4");
        assert_eq!(reader.readline().await.unwrap(), b"");
    });
}

#[test]
fn readline_takes_lines_from_one_packet_one_at_a_time() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[&DATA[..6], &DATA[6..]], false);
        assert_eq!(reader.readline().await.unwrap(), b"line1\n");
        assert_eq!(reader.read(7).await.unwrap(), b"line2\nl");
        assert_eq!(reader.readline().await.unwrap(), b"ine3\n");
    });
}

#[test]
fn readline_at_eof_returns_the_rest_then_empty() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[b"some data"], true);
        assert_eq!(reader.readline().await.unwrap(), b"some data");
        assert_eq!(reader.readline().await.unwrap(), b"");
        let (mut reader, _pipe) = reader_of(&[], true);
        assert_eq!(reader.readline().await.unwrap(), b"");
    });
}

#[test]
fn readline_limit_is_strict_on_where_the_newline_starts() {
    looplet::run(async {
        let (mut reader, pipe) = reader_of(&[b"1234567\n"], false);
        reader.set_limit(7);
        assert_eq!(reader.readline().await.unwrap(), b"1234567\n");
        pipe.feed(b"12345678\n");
        let err = reader.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(err.to_string().contains("set_limit"), "{err}");
        // As asyncio: the long line is dropped, the next one is read.
        pipe.feed(b"ok\n");
        assert_eq!(reader.readline().await.unwrap(), b"ok\n");
    });
}

#[test]
fn readline_over_the_limit_drops_through_the_newline_or_the_whole_buffer() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[b"li", b"ne1\nline2\n"], false);
        reader.set_limit(3);
        assert_eq!(
            reader.readline().await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        assert_eq!(reader.read(100).await.unwrap(), b"line2\n");

        let (mut reader, pipe) = reader_of(&[b"li", b"ne1", b"li"], false);
        reader.set_limit(3);
        assert_eq!(
            reader.readline().await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        pipe.feed(b"ab\n");
        assert_eq!(reader.readline().await.unwrap(), b"ab\n");
    });
}

#[test]
fn readline_of_a_1_mb_line_in_small_packets_with_a_raised_limit() {
    looplet::run(async {
        let line: Vec<u8> = (0..1 << 20)
            .map(|i| b'a' + (i % 26) as u8)
            .chain([b'\n'])
            .collect();
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        reader.set_limit(2 << 20);
        let packets: Vec<&[u8]> = line.chunks(1500).collect();
        feed_slowly(&pipe, &packets);
        assert_eq!(reader.readline().await.unwrap(), line);
        assert!(pipe.0.borrow().polls < 2 * packets.len() + 10);
        assert_eq!(reader.readline().await.unwrap(), b"");
    });
}

#[test]
fn readuntil_finds_a_separator_split_across_packets() {
    looplet::run(async {
        let (mut reader, pipe) = reader_of(&[b"QWEaa", b"XYaa", b"a"], false);
        assert_eq!(reader.readuntil(b"aaa").await.unwrap(), b"QWEaaXYaaa");
        feed_slowly(&pipe, &[b"QWEaa", b"XYa", b"aa", b"XXX", b"a", b"a", b"a"]);
        assert_eq!(reader.readuntil(b"aaa").await.unwrap(), b"QWEaaXYaaa");
        assert_eq!(reader.readuntil(b"aaa").await.unwrap(), b"XXXaaa");
        let (mut reader, _pipe) = reader_of(&[b"lineAAAxxx"], false);
        assert_eq!(reader.readuntil(b"AAA").await.unwrap(), b"lineAAA");
        assert_eq!(reader.read(10).await.unwrap(), b"xxx");
    });
}

#[test]
fn readuntil_at_eof_fails_with_what_came() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[b"some dataAA"], true);
        let incomplete = incomplete(reader.readuntil(b"AAA").await.unwrap_err());
        assert_eq!(incomplete.partial, b"some dataAA");
        assert_eq!(incomplete.expected, None);
        assert!(reader.at_eof());
    });
}

#[test]
fn readuntil_over_the_limit_keeps_the_bytes() {
    looplet::run(async {
        let (mut reader, pipe) = reader_of(&[b"some dataAA"], false);
        reader.set_limit(3);
        let err = reader.readuntil(b"AAA").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        pipe.feed(b"A");
        pipe.feed_eof();
        // The reader pulls: past the limit it fails before reading more, so
        // the "A" is still in the pipe; nothing is lost either way.
        let err = reader.readuntil(b"AAA").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(reader.read_to_end().await.unwrap(), b"some dataAAA");
    });
}

#[test]
#[should_panic(expected = "empty separator")]
fn readuntil_with_an_empty_separator_panics() {
    looplet::run(async {
        let (mut reader, _pipe) = reader_of(&[], true);
        let _ = reader.readuntil(b"").await;
    });
}

#[test]
fn readexactly_waits_for_enough_packets_and_leaves_the_rest() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        reader.set_limit(3); // the limit does not apply to readexactly
        assert_eq!(reader.readexactly(0).await.unwrap(), b"");
        feed_slowly(&pipe, &[DATA, DATA, DATA]);
        let two = [DATA, DATA].concat();
        assert_eq!(reader.readexactly(two.len()).await.unwrap(), two);
        assert_eq!(reader.read_to_end().await.unwrap(), DATA);
    });
}

#[test]
fn readexactly_at_eof_fails_with_unexpected_eof_and_the_partial_bytes() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        feed_slowly(&pipe, &[DATA]);
        let err = reader.readexactly(2 * DATA.len()).await.unwrap_err();
        assert!(err.to_string().contains("18 of 36"), "{err}");
        let incomplete = incomplete(err);
        assert_eq!(incomplete.partial, DATA);
        assert_eq!(incomplete.expected, Some(36));
        assert!(reader.at_eof());
    });
}

#[test]
fn at_eof_only_once_the_end_was_met_and_everything_read() {
    looplet::run(async {
        let (mut reader, pipe) = reader_of(&[b"some data\n"], false);
        assert!(!reader.at_eof());
        reader.readline().await.unwrap();
        assert!(!reader.at_eof());
        pipe.feed(b"some data\n");
        pipe.feed_eof();
        reader.readline().await.unwrap();
        assert!(!reader.at_eof(), "the end is not met until a read finds it");
        assert_eq!(reader.read(1).await.unwrap(), b"");
        assert!(reader.at_eof());
    });
}

#[test]
fn a_cancelled_readline_loses_nothing() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        let mut reader = StreamReader::new(pipe.clone());
        pipe.feed(b"half a ");
        let timed_out = looplet::timeout(Duration::from_millis(1), reader.readline()).await;
        assert!(timed_out.is_err());
        pipe.feed(b"line\n");
        assert_eq!(reader.readline().await.unwrap(), b"half a line\n");
    });
}

/// A source that gives `data`, then fails with `ConnectionReset`.
struct FailsAfter(&'static [u8]);

impl futures_io::AsyncRead for FailsAfter {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.0.is_empty() {
            return Poll::Ready(Err(ErrorKind::ConnectionReset.into()));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

#[test]
fn a_stream_error_is_returned_once_then_the_reader_is_at_eof() {
    looplet::run(async {
        // CPython's test_read_exception and test_readexactly_exception.
        let mut reader = StreamReader::new(FailsAfter(b"line\n"));
        assert_eq!(reader.read(2).await.unwrap(), b"li");
        assert_eq!(reader.readexactly(2).await.unwrap(), b"ne");
        let err = reader.readexactly(5).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        // The byte read before the error is still there, then the end.
        assert_eq!(reader.read(5).await.unwrap(), b"\n");
        assert_eq!(reader.read(5).await.unwrap(), b"");
        assert!(reader.at_eof());
    });
}

// ---------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------

#[test]
fn write_goes_to_the_stream_at_once_when_it_has_room() {
    looplet::run(async {
        let pipe = Pipe::new(usize::MAX);
        let writer = StreamWriter::new(pipe.clone());
        writer.write(b"abc");
        assert_eq!(pipe.unread(), 3, "written before any await");
        assert_eq!(writer.write_buffer_size(), 0);
    });
}

#[test]
fn write_without_drain_still_delivers_every_byte() {
    looplet::run(async {
        let pipe = Pipe::new(10);
        let writer = StreamWriter::new(pipe.clone());
        let data: Vec<u8> = (0..1000).map(|i| i as u8).collect();
        writer.write(&data);
        assert_eq!(writer.write_buffer_size(), 990);
        let mut got = Vec::new();
        while got.len() < data.len() {
            got.extend(pipe.take(7));
            looplet::yield_now().await;
        }
        assert_eq!(got, data);
        assert_eq!(writer.write_buffer_size(), 0);
    });
}

#[test]
fn drain_waits_above_the_high_mark_until_the_low_mark() {
    looplet::run(async {
        let pipe = Pipe::new(1000);
        let writer = Rc::new(StreamWriter::new(pipe.clone()));
        writer.write(&vec![1; 70 * 1024]); // 1000 taken, the rest above 64 KiB
        let drained = Rc::new(Cell::new(false));
        let drainer = looplet::spawn({
            let (writer, drained) = (writer.clone(), drained.clone());
            async move {
                writer.drain().await.unwrap();
                drained.set(true);
            }
        });
        let mut taken = 0;
        while !drained.get() {
            looplet::yield_now().await;
            let buffered = writer.write_buffer_size();
            assert!(
                buffered <= 16 * 1024 || !drained.get(),
                "drain returned with {buffered} bytes buffered"
            );
            taken += pipe.take(1000).len();
        }
        drainer.await.unwrap();
        assert!(writer.write_buffer_size() <= 16 * 1024);
        assert!(taken >= 70 * 1024 - 16 * 1024 - 1000, "{taken}");
    });
}

#[test]
fn drain_below_the_high_mark_returns_at_once_and_many_drains_all_return() {
    looplet::run(async {
        let pipe = Pipe::new(0);
        let writer = Rc::new(StreamWriter::new(pipe.clone()));
        writer.write(&[0; 100]);
        writer.drain().await.unwrap(); // 100 bytes buffered, below 64 KiB
        writer.set_write_buffer_limits(50, 10);
        writer.write(&[0; 1]);
        let drains: Vec<_> = (0..5)
            .map(|_| {
                let writer = writer.clone();
                looplet::spawn(async move { writer.drain().await })
            })
            .collect();
        looplet::yield_now().await;
        assert!(drains.iter().all(|d| !d.is_finished()));
        pipe.0.borrow_mut().capacity = usize::MAX;
        pipe.take(0); // wakes the flusher
        for drain in drains {
            drain.await.unwrap().unwrap();
        }
    });
}

#[test]
fn close_writes_the_buffer_then_closes_and_wait_closed_waits_for_it() {
    looplet::run(async {
        let pipe = Pipe::new(4);
        let writer = StreamWriter::new(pipe.clone());
        writer.write(b"0123456789");
        writer.close();
        assert!(writer.is_closing());
        assert!(!pipe.closed());
        let consumer = looplet::spawn({
            let pipe = pipe.clone();
            async move {
                let mut got = Vec::new();
                while got.len() < 10 {
                    got.extend(pipe.take(3));
                    looplet::yield_now().await;
                }
                got
            }
        });
        writer.wait_closed().await.unwrap();
        assert!(pipe.closed());
        assert_eq!(consumer.await.unwrap(), b"0123456789");
        writer.write(b"late");
        assert_eq!(
            writer.drain().await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn dropping_the_writer_closes_it_after_the_buffer() {
    looplet::run(async {
        let pipe = Pipe::new(2);
        let writer = StreamWriter::new(pipe.clone());
        writer.write(b"abcd");
        drop(writer);
        let mut got = Vec::new();
        while !pipe.closed() {
            got.extend(pipe.take(1));
            looplet::yield_now().await;
        }
        got.extend(pipe.take(10));
        assert_eq!(got, b"abcd");
    });
}

// ---------------------------------------------------------------------------
// Over loopback TCP
// ---------------------------------------------------------------------------

#[test]
fn start_server_echoes_a_line_as_in_cpython_test_start_server() {
    looplet::run(async {
        let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
            let data = reader.readline().await.unwrap();
            writer.write(&data);
            writer.drain().await.unwrap();
            writer.close();
            writer.wait_closed().await.unwrap();
        })
        .unwrap();
        let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
        assert_eq!(writer.peer_addr().unwrap(), server.local_addr());
        writer.write(b"hello world!\n");
        assert_eq!(reader.readline().await.unwrap(), b"hello world!\n");
        assert_eq!(reader.readline().await.unwrap(), b"");
        assert!(reader.at_eof());
        writer.close();
        writer.wait_closed().await.unwrap();
        server.close();
        server.wait_closed().await;
    });
}

#[test]
fn readexactly_over_tcp_at_eof_is_unexpected_eof() {
    looplet::run(async {
        let server = start_server("127.0.0.1:0", |_reader, writer| async move {
            writer.write(b"short");
        })
        .unwrap();
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        let incomplete = incomplete(reader.readexactly(10).await.unwrap_err());
        assert_eq!(incomplete.partial, b"short");
    });
}

#[test]
fn a_1_mb_line_over_tcp() {
    looplet::run(async {
        let line: Vec<u8> = (0..1 << 20)
            .map(|i| b'0' + (i % 10) as u8)
            .chain([b'\n'])
            .collect();
        let expected = line.clone();
        let server = start_server("127.0.0.1:0", move |_reader, writer| {
            let line = line.clone();
            async move {
                writer.write(&line);
                writer.write(b"tail");
                writer.close();
                // The first client hangs up early: no unwrap.
                let _ = writer.wait_closed().await;
            }
        })
        .unwrap();
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        let err = {
            let (mut small, _w) = open_connection(server.local_addr()).await.unwrap();
            small.readline().await.unwrap_err()
        };
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidData,
            "the default limit is 64 KiB"
        );
        reader.set_limit(2 << 20);
        assert_eq!(reader.readline().await.unwrap(), expected);
        assert_eq!(reader.readline().await.unwrap(), b"tail");
    });
}

#[test]
fn drain_holds_a_fast_writer_back_until_a_slow_reader_has_read() {
    // More than loopback's kernel buffers hold (a few MB each way), so
    // the writer must stop in `drain` while the reader does not read.
    const TOTAL: usize = 32 << 20;
    const PIECE: usize = 64 * 1024;
    looplet::run(async {
        let gate = Rc::new(looplet::Event::new());
        let read = Rc::new(Cell::new(0usize));
        let (gate_in, read_in) = (gate.clone(), read.clone());
        let server = start_server("127.0.0.1:0", move |mut reader, writer| {
            let (gate, read) = (gate_in.clone(), read_in.clone());
            async move {
                let _writer = writer;
                gate.wait().await;
                let (mut expect, mut reads) = (0u8, 0usize);
                loop {
                    // A slow reader: 4 KiB at a time, a pause now and then.
                    let got = reader.read(4096).await.unwrap();
                    if got.is_empty() {
                        break;
                    }
                    let n = got.len();
                    for byte in got {
                        assert_eq!(byte, expect, "at byte {}", read.get());
                        expect = expect.wrapping_add(1);
                    }
                    reads += 1;
                    read.set(read.get() + n);
                    if reads % 256 == 0 {
                        looplet::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
        })
        .unwrap();
        let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
        let sent = Rc::new(Cell::new(0usize));
        let sender = looplet::spawn({
            let sent = sent.clone();
            async move {
                let data: Vec<u8> = (0..TOTAL).map(|i| i as u8).collect();
                for piece in data.chunks(PIECE) {
                    writer.write(piece);
                    writer.drain().await.unwrap();
                    // After drain looplet holds at most the high-water mark.
                    assert!(writer.write_buffer_size() <= 64 * 1024);
                    sent.set(sent.get() + piece.len());
                }
                writer.close();
                writer.wait_closed().await.unwrap();
            }
        });
        looplet::sleep(Duration::from_millis(200)).await;
        assert!(!sender.is_finished(), "drain let the writer run ahead");
        assert!(sent.get() < TOTAL);
        assert_eq!(read.get(), 0);
        gate.set();
        sender.await.unwrap();
        while read.get() < TOTAL {
            looplet::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(read.get(), TOTAL);
    });
}

#[test]
fn many_concurrent_connections_through_start_server_every_byte_checked() {
    const CLIENTS: usize = 100;
    const LINES: usize = 50;
    looplet::run(async {
        let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
            loop {
                let line = reader.readline().await.unwrap();
                if line.is_empty() {
                    break;
                }
                writer.write(&line);
                writer.drain().await.unwrap();
            }
        })
        .unwrap();
        let addr = server.local_addr();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                looplet::spawn(async move {
                    let (mut reader, writer) = open_connection(addr).await.unwrap();
                    for i in 0..LINES {
                        let line = format!("client {c} line {i} {}\n", "x".repeat(c + i));
                        writer.write(line.as_bytes());
                        writer.drain().await.unwrap();
                        assert_eq!(reader.readline().await.unwrap(), line.as_bytes());
                    }
                    writer.close();
                    assert_eq!(reader.read(1).await.unwrap(), b"");
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        server.close();
        server.wait_closed().await;
    });
}

#[test]
fn server_close_stops_accepting_and_wait_closed_waits_for_handlers() {
    // After `close` the server refuses new connections, the one it took
    // carries on, and `wait_closed` returns only once its handler has.
    looplet::run(async {
        let finished = Rc::new(Cell::new(false));
        let started = looplet::Event::new();
        let (flag, started_in) = (finished.clone(), started.clone());
        let server = start_server("127.0.0.1:0", move |mut reader, _writer| {
            let (flag, started) = (flag.clone(), started_in.clone());
            async move {
                started.set();
                reader.read_to_end().await.unwrap();
                flag.set(true);
            }
        })
        .unwrap();
        let addr = server.local_addr();
        let (mut reader, writer) = open_connection(addr).await.unwrap();
        // The server has accepted the connection once its handler runs:
        // closed before that, it would drop the connection unaccepted.
        looplet::timeout(Duration::from_secs(10), started.wait())
            .await
            .expect("the server accepted the connection");
        server.close();
        assert!(server.is_closed());
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
        // The accepted connection carries on; wait_closed waits for it.
        let waiting = Instant::now();
        let closer = looplet::spawn(async move {
            looplet::sleep(Duration::from_millis(20)).await;
            writer.close();
        });
        server.wait_closed().await;
        assert!(finished.get());
        assert!(waiting.elapsed() >= Duration::from_millis(20));
        closer.await.unwrap();
        assert_eq!(reader.read(1).await.unwrap(), b"");
        server.serve_forever().await; // returns at once once closed
    });
}

#[test]
fn open_connection_to_nobody_is_refused() {
    looplet::run(async {
        let server = start_server("127.0.0.1:0", |_, _| async {}).unwrap();
        let addr = server.local_addr();
        server.close();
        let err = open_connection(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn drain_reports_a_reset_connection() {
    looplet::run(async {
        let server = start_server("127.0.0.1:0", |_reader, _writer| async {}).unwrap();
        let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
        assert_eq!(reader.read(1).await.unwrap(), b""); // the server hung up
        // Writes into a closed connection fail soon: a reset, then a broken pipe.
        let mut result = Ok(());
        for _ in 0..100 {
            writer.write(&[0; 64 * 1024]);
            result = writer.drain().await;
            if result.is_err() {
                break;
            }
            looplet::sleep(Duration::from_millis(1)).await;
        }
        let err = result.unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ),
            "{err:?}"
        );
        assert_eq!(writer.drain().await.unwrap_err().kind(), err.kind(), "kept");
    });
}

#[test]
fn a_timeout_around_a_readline_that_never_comes_on_the_paused_clock() {
    looplet::Builder::new()
        .start_paused(true)
        .build()
        .block_on(async {
            let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
                // Kept: a writer the future does not hold is dropped, and closed,
                // when the handler is called.
                let _writer = writer;
                reader.read_to_end().await.unwrap();
            })
            .unwrap();
            let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
            let start = looplet::now();
            let result = looplet::timeout(Duration::from_secs(30), reader.readline()).await;
            assert!(result.is_err());
            assert_eq!(looplet::now() - start, Duration::from_secs(30));
        });
}
