//! The emulated My Number Card: APDU codec, the card's applications, files,
//! PINs and keys, personas, and the vpcd server.

#![forbid(unsafe_code)]

pub mod profile;
pub mod secret;

pub use profile::*;
pub use secret::Secret;
