//! The emulated My Number Card: APDU codec, the card's applications, files,
//! PINs and keys, personas, and the vpcd server.

#![forbid(unsafe_code)]

pub mod apdu;
pub mod card;
pub mod persona;
pub mod profile;
pub mod secret;
pub mod tlv;
pub mod vpcd;

pub use apdu::{Command, CommandApdu, Instruction, ResponseApdu, StatusWord};
pub use card::{Card, NotPowered};
pub use profile::*;
pub use secret::Secret;
