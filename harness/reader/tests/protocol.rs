//! The harness side of the adapter protocol against misbehaving readers:
//! a malformed, unexpected or late line is a protocol error quoting it; a
//! silent reader is a timeout, never a hang. And the served reference
//! reader refuses what it does not understand without dropping the line.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use myna_reader::protocol::{serve, Client, ClientError, ClientOptions, EmuFactory, ServeConfig};
use myna_reader::Stimulus;

const HELLO: &str = r#"{"type":"hello","protocol":"myna-reader","versions":[1],"name":"fake","version":"0","capabilities":["reader.flow"]}"#;

fn options() -> ClientOptions {
    ClientOptions {
        handshake_timeout: Duration::from_millis(500),
        reply_timeout: Duration::from_millis(500),
        ..ClientOptions::default()
    }
}

/// A fake reader that says `hello`, waits for `use`, says `ready`, then
/// answers the first command with `reply` lines.
fn fake(reply: &'static [&'static str]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut lines = BufReader::new(stream);
        writeln!(writer, "{HELLO}").unwrap();
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        writeln!(writer, r#"{{"type":"ready"}}"#).unwrap();
        line.clear();
        let _ = lines.read_line(&mut line);
        for r in reply {
            let _ = writeln!(writer, "{r}");
        }
        std::thread::sleep(Duration::from_secs(2));
    });
    addr
}

fn first_command_error(reply: &'static [&'static str]) -> ClientError {
    let addr = fake(reply);
    let mut client = Client::connect(&addr, options()).unwrap();
    client.stimulate(&Stimulus::RemoveCard).unwrap_err()
}

#[test]
fn a_malformed_line_is_a_protocol_error_quoting_it() {
    let e = first_command_error(&["{this is not json"]);
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("{this is not json")),
        "{e:?}"
    );
}

#[test]
fn an_unexpected_message_is_a_protocol_error_quoting_it() {
    let e = first_command_error(&[r#"{"type":"ready"}"#]);
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains(r#"{"type":"ready"}"#)),
        "{e:?}"
    );
}

#[test]
fn a_late_answer_is_a_protocol_error_quoting_it() {
    let e = first_command_error(&[
        r#"{"type":"result","id":0,"accepted":true,"observation":{"screen":{"id":"idle"}}}"#,
    ]);
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("late") && m.contains(r#""id":0"#)),
        "{e:?}"
    );
}

#[test]
fn events_before_the_result_are_kept_and_skipped() {
    let addr = fake(&[
        r#"{"type":"event","seq":1,"name":"screen_changed"}"#,
        r#"{"type":"result","id":1,"accepted":false,"reason":"no card","observation":{"screen":{"id":"idle"}}}"#,
    ]);
    let mut client = Client::connect(&addr, options()).unwrap();
    let reply = client.stimulate(&Stimulus::RemoveCard).unwrap();
    assert!(!reply.accepted);
    assert_eq!(reply.observation.screen.id, "idle");
    assert_eq!(client.events.len(), 1);
}

#[test]
fn a_silent_reader_times_out_instead_of_hanging() {
    let e = first_command_error(&[]);
    assert!(
        matches!(&e, ClientError::Transport(m) if m.contains("deadline")),
        "{e:?}"
    );
}

#[test]
fn a_reader_without_version_1_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = writeln!(
            stream,
            r#"{{"type":"hello","protocol":"myna-reader","versions":[7],"name":"x","version":"0","capabilities":[]}}"#
        );
        std::thread::sleep(Duration::from_secs(1));
    });
    let e = Client::connect(&addr, options()).err().unwrap();
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("incompatible")),
        "{e:?}"
    );
}

#[test]
fn the_served_reader_answers_bad_lines_with_errors_and_keeps_serving() {
    let factory = EmuFactory {
        personas: concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/personas").into(),
        default_persona: "taro".into(),
        oqs_url: None,
    };
    let config = ServeConfig {
        max_line: 256,
        ..ServeConfig::default()
    };
    let server = serve("127.0.0.1:0".parse().unwrap(), config, Box::new(factory)).unwrap();
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut read = || {
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        serde_json::from_str::<serde_json::Value>(&line).unwrap()
    };
    assert_eq!(read()["type"], "hello");
    writeln!(writer, r#"{{"type":"use","version":1}}"#).unwrap();
    assert_eq!(read()["type"], "ready");
    writeln!(writer, "garbage").unwrap();
    assert_eq!(read()["error"], "invalid_argument");
    writeln!(writer, r#"{{"type":"command","id":1,"command":{{"op":"stimulus","stimulus":{{"stimulus":"remove_card"}}}}}}"#).unwrap();
    let answer = read();
    assert_eq!(
        (answer["type"].as_str(), answer["error"].as_str()),
        (Some("error"), Some("not_ready"))
    );
    writeln!(
        writer,
        r#"{{"type":"command","id":2,"command":{{"op":"reset"}}}}"#
    )
    .unwrap();
    assert_eq!(read()["type"], "result");
    writeln!(writer, r#"{{"type":"command","id":3,"command":{{"op":"stimulus","stimulus":{{"stimulus":"remove_card"}}}}}}"#).unwrap();
    let answer = read();
    assert_eq!(
        (answer["id"].as_u64(), answer["accepted"].as_bool()),
        (Some(3), Some(false))
    );
    writeln!(writer, "{}", "x".repeat(1000)).unwrap();
    assert_eq!(read()["error"], "invalid_argument");
}
