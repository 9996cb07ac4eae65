//! The reference eligibility server over HTTP under the abuse of issue 9:
//! an oversize body is the documented JSON 413, the overflowing clock
//! command is a 400 and the server answers on, slow-loris connections are
//! closed while others are served. Every wait has a bound.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use myna_oqs::service::{CONTROL_PATH, MAX_BODY};
use myna_oqs::{spawn_background, BackgroundServer, ServerConfig};
use myna_serve::ErrorBody;

const BOUND: Duration = Duration::from_secs(20);

fn start(config: ServerConfig) -> BackgroundServer {
    spawn_background("127.0.0.1:0".parse().unwrap(), config).unwrap()
}

fn exchange(server: &BackgroundServer, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    stream.write_all(raw).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn post(server: &BackgroundServer, path: &str, body: &str) -> String {
    exchange(
        server,
        format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

fn get(server: &BackgroundServer, path: &str) -> String {
    exchange(
        server,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn body_of(answer: &str) -> &str {
    answer.split("\r\n\r\n").nth(1).unwrap_or("")
}

#[test]
fn an_oversize_body_is_the_documented_json_413() {
    let server = start(ServerConfig::default());
    let big = "x".repeat(MAX_BODY + 1);
    let answer = post(&server, CONTROL_PATH, &big);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let error: ErrorBody = serde_json::from_str(body_of(&answer)).unwrap();
    assert_eq!(error.error.code, "OQS-PAYLOAD-TOO-LARGE");
}

#[test]
fn the_overflowing_clock_command_is_a_400_and_the_server_answers_on() {
    let server = start(ServerConfig::default());
    for field in ["days", "hours", "minutes"] {
        let command = format!(r#"{{"op":"clock","advance":{{"{field}":-9223372036854775808}}}}"#);
        let answer = post(&server, CONTROL_PATH, &command);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        let error: ErrorBody = serde_json::from_str(body_of(&answer)).unwrap();
        assert!(
            error.error.message.contains(&format!("advance.{field}")),
            "{answer}"
        );
        let health = get(&server, "/healthz");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    }
    let state = post(&server, CONTROL_PATH, r#"{"op":"state"}"#);
    assert!(state.contains("20250401090000"), "{state}");
}

#[test]
fn slow_loris_connections_are_closed_and_others_served() {
    let mut config = ServerConfig::default();
    config.serve = config
        .serve
        .header_read_timeout(Duration::from_millis(300))
        .max_connections(4);
    let server = start(config);
    let mut lorises: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.set_read_timeout(Some(BOUND)).unwrap();
            s.write_all(b"POST /oqs/v1/search HTTP/1.1\r\nHost: t\r\nContent-Le")
                .unwrap();
            s
        })
        .collect();
    // Eight stalled clients against four slots: a ninth is served once the
    // header timeout has freed them.
    let health = get(&server, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    for loris in &mut lorises {
        let mut rest = Vec::new();
        let closed = loris.read_to_end(&mut rest);
        assert!(
            closed.is_ok()
                || closed
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "a stalled connection stayed open: {closed:?}"
        );
    }
}
