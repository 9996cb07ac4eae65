//! The reader adapter protocol (`PROTOCOL.md` beside this crate): JSON
//! lines over TCP, a versioned handshake in which the reader declares its
//! capabilities, commands with ids and one result or error each.
//!
//! - [`message`]: the typed messages both ends share.
//! - [`codec`]: line framing with a length cap and a deadline on every read.
//! - [`client`]: the harness side ([`Client`]): every malformed, unexpected
//!   or late line is a [`ClientError::Protocol`] quoting it; every wait has
//!   a timeout.
//! - [`served`]: one served connection without its socket (the decoder the
//!   fuzz target feeds).
//! - [`server`]: the reference reader served over the protocol
//!   (`myna-conform reader serve`).

pub mod client;
pub mod codec;
pub mod factory;
pub mod message;
pub mod served;
pub mod server;

pub use client::{Client, ClientError, ClientOptions, StimulusReply};
pub use factory::EmuFactory;
pub use message::{Command, Hello, Message, PROTOCOL, VERSION};
pub use served::{handshake, Handshake, ServedSession, SharedFactory};
pub use server::{serve, CardFactory, ServeConfig, ServeError, ServerHandle};
