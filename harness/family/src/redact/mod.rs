//! Keeps secrets out of every output. The engine registers each secret value
//! it learns (persona secrets, `secret` variables, anything sent by
//! `verify`/`change_pin`); every byte string and message that leaves the
//! engine goes through [`Redactor`].

mod json_tokens;
mod redactor;
mod secrets;

pub use redactor::{Redactor, REDACTED};
