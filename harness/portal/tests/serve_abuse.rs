//! `portal serve` under abuse, like the eligibility server: a slow loris
//! is closed at the header-read deadline while others are answered, an
//! oversize body is a JSON 413, a control command that would move the
//! clock past the calendar or by an out-of-range number is a 400 naming
//! `advance_minutes`, and the server keeps serving (nothing is poisoned).
//! Every wait of the test has a bound (`BOUND`).

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../test-support/raw_socket.rs"]
mod raw_socket;
use raw_socket::read_to_close;

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use myna_oqs::InProcessTarget;
use myna_portal::server::{serve_config, spawn_shared, Backend, BackgroundServer, Shared};
use myna_portal::{PortalConfig, PortalService};
use myna_serve::{ErrorBody, ServeConfig};

/// Upper bound on any wait of this test (never reached by a working server).
const BOUND: Duration = Duration::from_secs(20);

fn start(config: ServeConfig, portal: PortalConfig) -> BackgroundServer {
    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/personas/ca");
    let backend = Arc::new(Shared::new(Backend {
        service: PortalService::new(&ca, portal).unwrap(),
        eligibility: Box::new(InProcessTarget::new()),
    }));
    spawn_shared("127.0.0.1:0".parse().unwrap(), backend, config).unwrap()
}

fn connect(server: &BackgroundServer) -> TcpStream {
    raw_socket::connect(server.addr(), BOUND)
}

fn request(server: &BackgroundServer, method: &str, path: &str, body: &[u8]) -> String {
    let mut stream = connect(server);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    read_to_close(&mut stream).unwrap()
}

fn error_of(answer: &str) -> ErrorBody {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON error body ({e}): {answer}"))
}

#[test]
fn a_slow_loris_is_closed_within_the_header_timeout_and_others_are_answered() {
    let server = start(
        serve_config()
            .header_read_timeout(Duration::from_millis(300))
            .idle_timeout(Duration::from_secs(60)),
        PortalConfig::default(),
    );
    let mut lorises: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect(&server);
            s.write_all(b"GET /terms HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    let answer = request(&server, "GET", "/terms", b"");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for loris in &mut lorises {
        let rest = read_to_close(loris).expect("a stalled header must be closed, not kept open");
        assert!(!rest.contains("200 OK"), "{rest}");
    }
}

#[test]
fn an_oversize_body_is_a_json_413() {
    let server = start(serve_config(), PortalConfig::default());
    let big = vec![b' '; myna_portal::service::MAX_BODY + 1];
    let answer = request(&server, "POST", "/control/v1/command", &big);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!error_of(&answer).error.code.is_empty());
}

#[test]
fn the_clock_past_the_calendar_or_out_of_range_is_a_400_naming_the_field_and_serving_goes_on() {
    let server = start(
        serve_config(),
        PortalConfig {
            start: time::macros::datetime!(9999-11-30 00:00 UTC),
            ..PortalConfig::default()
        },
    );
    for body in [
        r#"{"op":"clock","advance_minutes":525600}"#,
        r#"{"op":"clock","advance_minutes":-9223372036854775808}"#,
        r#"{"op":"clock","advance_minutes":1e308}"#,
    ] {
        let answer = request(&server, "POST", "/control/v1/command", body.as_bytes());
        assert!(answer.starts_with("HTTP/1.1 400"), "{body}: {answer}");
        assert_eq!(
            error_of(&answer).error.field.as_deref(),
            Some("advance_minutes"),
            "{body}: {answer}"
        );
        // Still serving, deadlines from the clock included.
        let challenge = request(&server, "POST", "/auth/challenge", b"");
        assert!(challenge.starts_with("HTTP/1.1 201"), "{challenge}");
        let health = request(&server, "GET", "/terms", b"");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    }
}
