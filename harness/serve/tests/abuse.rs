//! myna-serve under abuse: slow-loris clients, a full connection table,
//! oversize and stalled bodies, a panicking handler, shutdown. Every wait of
//! the test has a bound (`BOUND`), so a server that never closes a
//! connection fails the test instead of hanging it.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../test-support/raw_socket.rs"]
mod raw_socket;
use raw_socket::read_to_close;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use myna_serve::{spawn_background, BackgroundServer, ErrorBody, ServeConfig, Shared};

/// Upper bound on any wait of this test (never reached by a working server).
const BOUND: Duration = Duration::from_secs(20);

fn app(state: Arc<Shared<u32>>) -> Router {
    let for_panic = Arc::clone(&state);
    let for_read = Arc::clone(&state);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/echo",
            post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        )
        .route(
            "/panic",
            post(move || async move {
                let mut guard = for_panic.lock();
                *guard += 1;
                if *guard > 0 {
                    panic!("handler bug while holding the state");
                }
                "unreachable"
            }),
        )
        .route(
            "/count",
            get(move || async move { for_read.lock().to_string() }),
        )
}

fn start(config: ServeConfig) -> BackgroundServer {
    let state = Arc::new(Shared::new(0));
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    spawn_background("serve-test", listen, app(state), config).unwrap()
}

fn connect(server: &BackgroundServer) -> TcpStream {
    raw_socket::connect(server.addr(), BOUND)
}

/// One request with `Connection: close`; the whole answer.
fn request(server: &BackgroundServer, raw: &str) -> String {
    let mut stream = connect(server);
    stream.write_all(raw.as_bytes()).unwrap();
    read_to_close(&mut stream).unwrap()
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
}

fn error_code(answer: &str) -> String {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let parsed: ErrorBody = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("not a JSON error body ({e}): {answer}"));
    parsed.error.code
}

#[test]
fn a_slow_loris_is_closed_within_the_header_timeout_and_others_are_answered() {
    let server = start(
        ServeConfig::with_prefix("T")
            .header_read_timeout(Duration::from_millis(300))
            .idle_timeout(Duration::from_secs(60)),
    );
    let mut lorises: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = connect(&server);
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // While the lorises stall, others are answered.
    let answer = request(&server, &get_request("/healthz"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for loris in &mut lorises {
        let rest = read_to_close(loris).expect("a stalled header must be closed, not kept open");
        assert!(!rest.contains("200 OK"), "{rest}");
    }
}

#[test]
fn at_the_connection_limit_new_connections_wait_for_a_free_slot() {
    let server = start(
        ServeConfig::with_prefix("T")
            .max_connections(2)
            .header_read_timeout(Duration::from_secs(60))
            .idle_timeout(Duration::from_secs(60)),
    );
    // Two kept-alive connections hold both slots.
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = connect(&server);
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 512];
            let n = s.read(&mut buf).unwrap();
            assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
            s
        })
        .collect();
    let mut waiting = connect(&server);
    waiting
        .write_all(get_request("/healthz").as_bytes())
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 512];
    let early = waiting.read(&mut buf);
    assert!(
        early.is_err(),
        "a third connection was served while two held the limit of 2: {early:?}"
    );
    // A slot frees: the waiting connection is served.
    drop(held.pop());
    waiting.set_read_timeout(Some(BOUND)).unwrap();
    let answer = read_to_close(&mut waiting).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let server = start(
        ServeConfig::with_prefix("T")
            .header_read_timeout(Duration::from_secs(60))
            .idle_timeout(Duration::from_millis(300)),
    );
    let mut s = connect(&server);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let rest = read_to_close(&mut s).expect("an idle connection must be closed");
    assert!(rest.starts_with("HTTP/1.1 200"), "{rest}");
}

#[test]
fn an_oversize_body_is_a_json_413_declared_or_chunked() {
    let server = start(ServeConfig::with_prefix("T").max_body_bytes(1000));
    let small = request(
        &server,
        "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert!(small.starts_with("HTTP/1.1 200"), "{small}");
    assert!(small.ends_with("\r\n\r\n5"), "{small}");

    let declared = request(
        &server,
        "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 1000001\r\n\r\n",
    );
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    assert_eq!(error_code(&declared), "T-PAYLOAD-TOO-LARGE");

    let chunk = "x".repeat(600);
    let chunked = request(
        &server,
        &format!(
            "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
        ),
    );
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
    assert_eq!(error_code(&chunked), "T-PAYLOAD-TOO-LARGE");
}

#[test]
fn a_stalled_body_is_a_json_408() {
    let server = start(
        ServeConfig::with_prefix("T")
            .body_read_timeout(Duration::from_millis(300))
            .idle_timeout(Duration::from_secs(60)),
    );
    let mut s = connect(&server);
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
        .unwrap();
    let answer = read_to_close(&mut s).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(error_code(&answer), "T-BODY-TIMEOUT");
}

#[test]
fn a_handler_panic_is_a_json_500_and_the_state_stays_usable() {
    let server = start(ServeConfig::with_prefix("T"));
    for _ in 0..3 {
        let answer = request(
            &server,
            "POST /panic HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
        assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
        assert_eq!(error_code(&answer), "T-INTERNAL");
    }
    let count = request(&server, &get_request("/count"));
    assert!(count.starts_with("HTTP/1.1 200"), "{count}");
    assert!(count.ends_with("\r\n\r\n3"), "{count}");
    let health = request(&server, &get_request("/healthz"));
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}

#[test]
fn shutdown_ends_with_stalled_connections_open() {
    let server = start(
        ServeConfig::with_prefix("T")
            .header_read_timeout(Duration::from_secs(60))
            .shutdown_grace(Duration::from_millis(200)),
    );
    let mut stalled = connect(&server);
    stalled.write_all(b"GET /heal").unwrap();
    let addr = server.addr();
    server.stop().unwrap();
    assert!(read_to_close(&mut stalled).is_ok());
    assert!(
        TcpStream::connect(addr).is_err() || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(BOUND)).unwrap();
            read_to_close(&mut s).is_ok()
        }
    );
}
