//! One served connection without its socket: the handshake line and every
//! later line decoded and answered by the reference reader. The server
//! (`server.rs`) feeds it lines; the fuzz target and the stable proptest
//! (harness/reader/tests/protocol_fuzz.rs) feed it any text.
//!
//! Whatever a line holds, the answer is one well-formed message: a
//! `result`, or an `error` whose kind is one of [`ERROR_KINDS`]. No answer
//! quotes a value of a line that carries PIN digits.

use std::sync::{Arc, Mutex};

use myna_family_card::target::CardTarget;
use myna_oqs::OqsTarget;

use super::codec::quote;
use super::message::{Command, Message, ERROR_KINDS, VERSION};
use super::server::{CardFactory, ServeConfig};
use crate::reference::{Peers, Reaction, ReferenceReader};

/// The card factory, shared by every connection of a server.
pub type SharedFactory = Arc<Mutex<Box<dyn CardFactory>>>;

/// What the handshake line asks for.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Handshake {
    /// `use` with our version: answer `ready` and serve commands.
    Ready,
    /// `incompatible`: the harness closes; so do we, silently.
    Close,
    /// Anything else: send this error and close.
    Refuse(Message),
}

/// The answer to the handshake line.
pub fn handshake(line: &str) -> Handshake {
    match serde_json::from_str::<Message>(line) {
        Ok(Message::Use { version }) if version == VERSION => Handshake::Ready,
        Ok(Message::Incompatible { .. }) => Handshake::Close,
        Ok(other) => Handshake::Refuse(error(
            None,
            "invalid_argument",
            format!(
                "expected use {{version: {VERSION}}}, found a `{}` message",
                kind_of(&other)
            ),
        )),
        Err(e) => Handshake::Refuse(error(
            None,
            "invalid_argument",
            format!(
                "expected use {{version: {VERSION}}}, found {}",
                describe(&e, line)
            ),
        )),
    }
}

/// A served reader after the handshake.
pub struct ServedSession {
    config: ServeConfig,
    factory: SharedFactory,
    reader: ReferenceReader,
    card: Option<Box<dyn CardTarget + Send>>,
    phone: Option<Box<dyn CardTarget + Send>>,
    eligibility: Option<Box<dyn OqsTarget + Send>>,
    seen: usize,
}

pub(crate) fn error(id: Option<u64>, kind: &str, message: impl Into<String>) -> Message {
    debug_assert!(ERROR_KINDS.contains(&kind));
    Message::Error {
        id,
        error: kind.into(),
        message: message.into(),
    }
}

/// The message's `type`, for an answer that must not quote the line.
fn kind_of(message: &Message) -> &'static str {
    match message {
        Message::Hello(_) => "hello",
        Message::Use { .. } => "use",
        Message::Incompatible { .. } => "incompatible",
        Message::Ready => "ready",
        Message::Command { .. } => "command",
        Message::Result { .. } => "result",
        Message::Error { .. } => "error",
        Message::Event { .. } => "event",
    }
}

/// Why `line` did not decode. serde quotes offending values (`invalid
/// type: integer `4711``), so for a line carrying PIN digits only where it
/// failed is said; otherwise the first [`super::codec::QUOTE_LIMIT`]
/// characters of serde's message.
fn describe(e: &serde_json::Error, line: &str) -> String {
    if line.contains("digits") || line.contains("enter_pin") {
        format!(
            "a malformed line (at column {}; a line with PIN digits is not quoted)",
            e.column()
        )
    } else {
        format!("a malformed line ({})", quote(&e.to_string()))
    }
}

impl ServedSession {
    /// A fresh reader, no card yet (the harness sends `reset` first).
    pub fn new(config: &ServeConfig, factory: SharedFactory) -> ServedSession {
        ServedSession {
            reader: fresh(config),
            config: config.clone(),
            factory,
            card: None,
            phone: None,
            eligibility: None,
            seen: 0,
        }
    }

    /// The answer to one line (its terminator removed); `None` for a
    /// blank line, which is ignored.
    pub fn answer(&mut self, line: &str) -> Option<Message> {
        if line.trim().is_empty() {
            return None;
        }
        Some(match serde_json::from_str::<Message>(line) {
            Ok(Message::Command { id, command }) => self.command(id, command),
            Ok(other) => error(
                None,
                "unknown_command",
                format!("expected a command, found a `{}` message", kind_of(&other)),
            ),
            Err(e) => error(None, "invalid_argument", describe(&e, line)),
        })
    }

    fn result(&self, id: u64, accepted: bool, reason: Option<String>) -> Message {
        Message::Result {
            id,
            accepted,
            reason,
            observation: self.reader.observe(self.seen),
        }
    }

    fn command(&mut self, id: u64, command: Command) -> Message {
        match command {
            Command::Reset { persona } => {
                self.reader = fresh(&self.config);
                self.seen = 0;
                let mut factory = match self.factory.lock() {
                    Ok(f) => f,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let opened = factory.card(persona.as_deref()).and_then(|card| {
                    let phone = factory.phone(persona.as_deref())?;
                    Ok((card, phone, factory.eligibility()?))
                });
                match opened {
                    Ok((card, phone, eligibility)) => {
                        self.card = Some(card);
                        self.phone = phone;
                        self.eligibility = Some(eligibility);
                        self.result(id, true, None)
                    }
                    Err(e) => error(Some(id), "not_ready", quote(&e)),
                }
            }
            Command::Observe => {
                let answer = self.result(id, true, None);
                self.seen = self.reader.records().len();
                answer
            }
            Command::Configure { config } => {
                self.reader.set_config(*config);
                self.result(id, true, None)
            }
            Command::Stimulus { stimulus } => {
                let (Some(card), Some(eligibility)) =
                    (self.card.as_mut(), self.eligibility.as_mut())
                else {
                    return error(Some(id), "not_ready", "send reset first");
                };
                let mut peers = Peers {
                    card: card.as_mut(),
                    phone: self
                        .phone
                        .as_mut()
                        .map(|p| p.as_mut() as &mut dyn CardTarget),
                    eligibility: eligibility.as_mut(),
                };
                match self.reader.handle(&stimulus, &mut peers) {
                    Ok(reaction) => {
                        let (accepted, reason) = match reaction {
                            Reaction::Accepted => (true, None),
                            Reaction::Rejected(why) => (false, Some(why)),
                        };
                        let answer = self.result(id, accepted, reason);
                        self.seen = self.reader.records().len();
                        answer
                    }
                    Err(e) => error(Some(id), "internal", e.to_string()),
                }
            }
        }
    }
}

fn fresh(config: &ServeConfig) -> ReferenceReader {
    let reader = ReferenceReader::new(config.reader.clone());
    match config.defect {
        Some(d) => reader.with_defect(d),
        None => reader,
    }
}
