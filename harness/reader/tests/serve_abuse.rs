//! `reader serve` under abuse, like the eligibility and portal servers:
//! a slow loris that trickles its handshake or a line a byte at a time is
//! closed at the handshake or idle deadline (a deadline for the whole line,
//! not for each read), a full connection table refuses with `not_ready`
//! and frees its slots, and honest clients are served throughout. Every
//! wait of the test has a bound (`BOUND`), so a server that never closes a
//! connection fails the test instead of hanging it.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../test-support/raw_socket.rs"]
mod raw_socket;
use raw_socket::read_to_close;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use myna_reader::protocol::{serve, EmuFactory, ServeConfig, ServerHandle};

/// Upper bound on any wait of this test (never reached by a working server).
const BOUND: Duration = Duration::from_secs(20);

fn start(config: ServeConfig) -> ServerHandle {
    let factory = EmuFactory {
        personas: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/personas"),
        default_persona: "taro".into(),
        oqs_url: None,
    };
    serve("127.0.0.1:0".parse().unwrap(), config, Box::new(factory)).unwrap()
}

fn connect(server: &ServerHandle) -> TcpStream {
    raw_socket::connect(server.addr(), BOUND)
}

/// A thread writing one byte of `bytes` (cycled) every 50 ms until told to
/// stop or the server closes.
fn trickle(stream: &TcpStream, bytes: &'static [u8]) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let mut writer = stream.try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        for b in bytes.iter().cycle().take(800) {
            if flag.load(Ordering::SeqCst) || writer.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    (stop, thread)
}

/// Says `use` and reads `hello` and `ready`: a session in the command loop.
fn handshaken(server: &ServerHandle) -> (TcpStream, BufReader<TcpStream>) {
    let stream = connect(server);
    let mut writer = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    assert!(line.contains(r#""type":"hello""#), "{line}");
    writer
        .write_all(b"{\"type\":\"use\",\"version\":1}\n")
        .unwrap();
    line.clear();
    lines.read_line(&mut line).unwrap();
    assert!(line.contains(r#""type":"ready""#), "{line}");
    (writer, lines)
}

/// An honest command answered.
fn assert_served(server: &ServerHandle) {
    let (mut writer, mut lines) = handshaken(server);
    writer
        .write_all(b"{\"type\":\"command\",\"id\":1,\"command\":{\"op\":\"observe\"}}\n")
        .unwrap();
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    assert!(line.contains(r#""type":"result""#), "{line}");
}

#[test]
fn a_trickled_handshake_is_closed_at_the_handshake_deadline() {
    let server = start(ServeConfig {
        handshake_timeout: Duration::from_millis(400),
        max_connections: 3,
        ..ServeConfig::default()
    });
    // Each loris sends a byte every 50 ms: within any per-read timeout,
    // never a whole line.
    let lorises: Vec<(TcpStream, Arc<AtomicBool>, JoinHandle<()>)> = (0..3)
        .map(|_| {
            let stream = connect(&server);
            let (stop, thread) = trickle(&stream, b"{\"type\":");
            (stream, stop, thread)
        })
        .collect();
    for (mut stream, stop, thread) in lorises {
        let rest =
            read_to_close(&mut stream).expect("a trickled handshake must be closed, not kept open");
        assert!(!rest.contains(r#""type":"ready""#), "{rest}");
        stop.store(true, Ordering::SeqCst);
        thread.join().unwrap();
    }
    // Their slots are free again.
    assert_served(&server);
}

#[test]
fn a_trickled_line_after_the_handshake_is_closed_at_the_idle_deadline() {
    let server = start(ServeConfig {
        idle_timeout: Duration::from_millis(400),
        max_connections: 1,
        ..ServeConfig::default()
    });
    let (writer, mut lines) = handshaken(&server);
    let (stop, thread) = trickle(&writer, b" ");
    let mut rest = String::new();
    lines
        .read_to_string(&mut rest)
        .expect("a trickled line must be closed, not kept open");
    stop.store(true, Ordering::SeqCst);
    thread.join().unwrap();
    drop(writer);
    // The one slot is free again.
    assert_served(&server);
}

#[test]
fn a_full_connection_table_refuses_with_not_ready_and_frees_its_slots() {
    let server = start(ServeConfig {
        max_connections: 2,
        ..ServeConfig::default()
    });
    let held: Vec<_> = (0..2).map(|_| handshaken(&server)).collect();
    let mut third = connect(&server);
    let answer = read_to_close(&mut third).unwrap();
    assert!(
        answer.contains(r#""error":"not_ready""#),
        "a third connection while two held the limit of 2: {answer}"
    );
    drop(held);
    // The slots come back once the held connections close.
    let mut served = false;
    for _ in 0..100 {
        let mut probe = connect(&server);
        let mut first = String::new();
        BufReader::new(probe.try_clone().unwrap())
            .read_line(&mut first)
            .unwrap();
        let _ = probe.flush();
        if first.contains(r#""type":"hello""#) {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(served, "the slots were never freed");
}
