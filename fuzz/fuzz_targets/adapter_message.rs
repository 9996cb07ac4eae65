//! The reader adapter protocol's decoder as `reader serve` runs it per
//! connection (`ServedSession`, without the socket): the first line is
//! the handshake, every later line a message; each is answered with one
//! well-formed result or error, never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use libfuzzer_sys::fuzz_target;
use myna_reader::protocol::message::ERROR_KINDS;
use myna_reader::protocol::{
    handshake, CardFactory, EmuFactory, Handshake, Message, ServeConfig, ServedSession,
};

fn check(answer: &Message) {
    match answer {
        Message::Result { .. } => {}
        Message::Error { error, .. } => assert!(ERROR_KINDS.contains(&error.as_str()), "{error}"),
        other => panic!("not a result or an error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        if let Handshake::Refuse(answer) = handshake(first) {
            check(&answer);
        }
    }
    // Run from the repository root (the personas of `reset`).
    let factory: Box<dyn CardFactory> = Box::new(EmuFactory {
        personas: PathBuf::from("vectors/personas"),
        default_persona: "taro".into(),
        oqs_url: None,
    });
    let mut served = ServedSession::new(&ServeConfig::default(), Arc::new(Mutex::new(factory)));
    for line in lines {
        if let Some(answer) = served.answer(line) {
            check(&answer);
        }
    }
});
