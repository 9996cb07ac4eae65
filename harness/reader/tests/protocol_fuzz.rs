//! The stable counterpart of fuzz/fuzz_targets/adapter_message.rs: the
//! served reference reader's line decoder (`ServedSession`, what `reader
//! serve` runs per connection, without its socket) answers any line with
//! one well-formed message, never panics, and never quotes the PIN digits
//! of a line. The committed findings (fuzz/regressions/reader, one line
//! per input line, the first the handshake) are replayed first.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use myna_reader::protocol::message::ERROR_KINDS;
use myna_reader::protocol::{
    handshake, CardFactory, EmuFactory, Handshake, Message, ServeConfig, ServedSession,
};
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn session() -> ServedSession {
    let factory: Box<dyn CardFactory> = Box::new(EmuFactory {
        personas: root().join("vectors/personas"),
        default_persona: "taro".into(),
        oqs_url: None,
    });
    ServedSession::new(&ServeConfig::default(), Arc::new(Mutex::new(factory)))
}

/// A PIN-shaped value that must never come back (six digits: no count or
/// column of an answer has that many).
const PIN: &str = "480917";

/// One answer is a result or an error of a documented kind, with a
/// message, and round-trips as a protocol line that carries no PIN.
fn assert_well_formed(answer: &Message, line: &str) {
    match answer {
        Message::Result { .. } => {}
        Message::Error { error, message, .. } => {
            assert!(ERROR_KINDS.contains(&error.as_str()), "{error}: {line}");
            assert!(!message.is_empty(), "{line}");
        }
        other => panic!("not a result or an error: {other:?} for {line}"),
    }
    let text = serde_json::to_string(answer).unwrap();
    let back: Message = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, answer);
    if line.contains(PIN) {
        assert!(!text.contains(PIN), "the PIN came back: {text}");
    }
}

fn feed(lines: &[String]) {
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    if let Handshake::Refuse(answer) = handshake(first) {
        assert_well_formed(&answer, first);
    }
    let mut served = session();
    for line in rest {
        if let Some(answer) = served.answer(line) {
            assert_well_formed(&answer, line);
        }
    }
}

#[test]
fn the_committed_regressions_are_answered_well_formed() {
    let dir = root().join("fuzz/regressions/reader");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        feed(&lines);
        seen += 1;
    }
    assert!(seen >= 3, "{seen} regression files");
}

#[test]
fn a_pin_in_a_malformed_stimulus_is_not_quoted() {
    let mut served = session();
    for line in [
        format!(
            r#"{{"type":"command","id":1,"command":{{"op":"stimulus","stimulus":{{"stimulus":"enter_pin","digits":{PIN}}}}}}}"#
        ),
        format!(
            r#"{{"type":"command","id":1,"command":{{"op":"stimulus","stimulus":{{"stimulus":"enter_pin","digits":"{PIN}","x":1}}}}}}"#
        ),
        format!(
            r#"{{"type":"command","id":"{PIN}","command":{{"op":"stimulus","stimulus":{{"stimulus":"enter_pin","digits":"1"}}}}}}"#
        ),
        format!(r#"{{"type":"hello","digits":"{PIN}"}}"#),
    ] {
        let answer = served.answer(&line).unwrap();
        assert!(matches!(answer, Message::Error { .. }), "{answer:?}");
        assert_well_formed(&answer, &line);
    }
    // The handshake too.
    let line = format!(r#"{{"type":"use","version":"{PIN}","digits":1}}"#);
    let Handshake::Refuse(answer) = handshake(&line) else {
        panic!("accepted {line}")
    };
    assert_well_formed(&answer, &line);
}

#[test]
fn a_whole_visit_is_served_from_lines() {
    let mut served = session();
    let answers: Vec<Message> = [
        r#"{"type":"command","id":1,"command":{"op":"reset","persona":"taro"}}"#,
        r#"{"type":"command","id":2,"command":{"op":"stimulus","stimulus":{"stimulus":"place_card"}}}"#,
        r#"{"type":"command","id":3,"command":{"op":"observe"}}"#,
    ]
    .iter()
    .map(|line| served.answer(line).unwrap())
    .collect();
    for (answer, want) in answers.iter().zip(1u64..) {
        assert!(
            matches!(answer, Message::Result { id, accepted: true, .. } if *id == want),
            "{answer:?}"
        );
    }
}

/// Valid lines of every kind, to mutate.
const SEEDS: &[&str] = &[
    r#"{"type":"use","version":1}"#,
    r#"{"type":"command","id":1,"command":{"op":"reset","persona":"taro"}}"#,
    r#"{"type":"command","id":2,"command":{"op":"stimulus","stimulus":{"stimulus":"place_card","placement":"covered"}}}"#,
    r#"{"type":"command","id":3,"command":{"op":"stimulus","stimulus":{"stimulus":"choose_method","method":"pin"}}}"#,
    r#"{"type":"command","id":4,"command":{"op":"stimulus","stimulus":{"stimulus":"enter_pin","digits":"480917"}}}"#,
    r#"{"type":"command","id":5,"command":{"op":"stimulus","stimulus":{"stimulus":"clock","change":{"advance_seconds":18446744073709551615}}}}"#,
    r#"{"type":"command","id":6,"command":{"op":"stimulus","stimulus":{"stimulus":"clock","change":{"set":"9999-12-31T23:59:59"}}}}"#,
    r#"{"type":"command","id":7,"command":{"op":"configure","config":{"screen_timeout_s":0,"face_attempts":4294967295}}}"#,
    r#"{"type":"command","id":8,"command":{"op":"observe"}}"#,
    r#"{"type":"command","id":9,"command":{"op":"stimulus","stimulus":{"stimulus":"press","button":"agree_all"}}}"#,
];

fn mutated_line() -> impl Strategy<Value = String> {
    let edit = (0..400usize, 0..6usize, proptest::char::any());
    (0..SEEDS.len(), proptest::collection::vec(edit, 0..5)).prop_map(|(seed, edits)| {
        let mut text: Vec<char> = SEEDS[seed].chars().collect();
        for (at, len, c) in edits {
            let at = at.min(text.len());
            let end = (at + len).min(text.len());
            text.splice(at..end, [c]);
        }
        text.into_iter().collect()
    })
}

fn any_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => mutated_line(),
        1 => "\\PC{0,120}",
        1 => "[{}\\[\\]\":,0-9a-z_ ]{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_line_sequence_is_answered_well_formed(
        lines in proptest::collection::vec(any_line(), 1..8)
    ) {
        // A reset first, so stimuli reach the reader's states too.
        let mut with_reset = vec![SEEDS[0].to_owned(), SEEDS[1].to_owned()];
        with_reset.extend(lines.iter().cloned());
        feed(&with_reset);
        feed(&lines);
    }
}
