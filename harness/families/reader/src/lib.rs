//! The reception-reader (`reader`) family: stimulus and observation steps,
//! typed and checked at load, run against the reference reader in process
//! (`myna-reader`, with the scenario's card and eligibility sessions as its
//! peers) or any reader speaking PROTOCOL.md at `tcp://HOST:PORT`.
//!
//! - [`ReaderSyntax`] (parse side): keywords, screen ids, buttons and
//!   consent items from the model's types ([`vocabulary`]), typed steps
//!   ([`step`]), schemas.
//! - [`ReaderFamily`] (run side): a [`ReaderSession`] per scenario from a
//!   [`ReaderProvider`] ([`BuiltinReader`] or [`TcpReader`]); each step is
//!   one stimulus, its evidence, and the checks of what the reader showed,
//!   wrote and sent to the card ([`trace`]).

#![forbid(unsafe_code)]

mod check;
mod family;
mod parse;
mod provider;
mod schema;
mod session;
pub mod step;
mod syntax;
pub mod trace;
pub mod vocabulary;

pub use family::ReaderFamily;
pub use provider::{BuiltinReader, ReaderProvider, TcpReader};
pub use session::{Backend, ReaderSession};
pub use syntax::ReaderSyntax;
