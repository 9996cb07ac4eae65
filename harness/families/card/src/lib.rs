//! The card family: My Number Card steps (`apdu`, `select`, `verify`, …),
//! from their vocabulary to the APDUs on the wire.
//!
//! - [`CardSyntax`] (parse side): the step keywords with their docs, the
//!   typed steps ([`step`]) parsed from the spanned YAML with located
//!   diagnostics, the step schemas, the capabilities and the `${persona.*}`
//!   variables.
//! - [`CardFamily`] (run side): opens a [`CardSession`] per scenario from a
//!   [`target::CardProvider`] (the emulator in-process, or the card in a
//!   PC/SC reader behind the `pcsc` feature) and runs the steps with
//!   card-emu's APDU, status-word and instruction types; the data of every
//!   secret-carrying instruction is masked in the evidence.
//! - [`record`]: a vpcd virtual card that records a host's session as a
//!   scenario file, secrets turned into variables.

#![forbid(unsafe_code)]

mod family;
pub mod host;
pub mod label;
pub mod names;
pub mod parse;
pub mod pin_fuzz;
pub mod record;
pub mod run;
mod schema;
pub mod step;
mod syntax;
pub mod target;
pub mod vocabulary;

pub use family::CardFamily;
pub use run::CardSession;
pub use syntax::CardSyntax;
