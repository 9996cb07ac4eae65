//! ISO 7816-4 APDUs as the My Number Card speaks them
//! (card-protocol.md §2, §3.1).
//!
//! - [`CommandApdu`] / [`ResponseApdu`]: byte codecs that round-trip.
//! - [`StatusWord`] and [`Instruction`]: open sets with named values.
//! - [`Command`]: the closed set of commands the emulated card decodes,
//!   whose decoding error is the status word the card answers.

mod class;
mod command;
mod command_apdu;
mod instruction;
mod response;
mod status;

pub use class::Class;
pub use command::{Command, KeyTarget, SignatureScheme};
pub use command_apdu::{ApduError, CommandApdu, Le, LengthForm};
pub use instruction::{ClassFamily, Instruction};
pub use response::{ResponseApdu, ResponseTooShort};
pub use status::StatusWord;
