//! The emulated card: executes APDUs against a [`CardProfile`]
//! byte-exactly as card-protocol.md §1–§3 and the emulator checklist §7
//! describe.
//!
//! State is split by lifetime: PIN values and counters are persistent (they
//! survive power-off); the current DF/EF and the DF session's security
//! status are volatile, and power is `Off | On(volatile)`.
//!
//! Behaviour where the sources are silent, chosen here and documented on
//! each handler: VERIFY/sign with no usable current EF `6986`; VERIFY or
//! sign by an SFI the DF lacks `6A88`; a failed VERIFY revokes that
//! secret's verified status; `00 24` on 共通/住基 and `80 32` elsewhere
//! `6D00`; SET SESSION KEY at the MF `6D00`; GET DATA of an MF-only object
//! inside an application `6A88`; GET RESPONSE `6985`; an instruction other
//! than VERIFY, SELECT and READ BINARY under secure messaging `69FC`; Le smaller than a signature `6700`; warm
//! reset returns to the MF but keeps the last application's security
//! status.
//!
//! [`CardProfile`]: crate::profile::CardProfile

mod challenge;
mod data_objects;
mod dispatch;
mod emulated;
mod read;
mod resolve;
mod secure_messaging;
mod select;
mod session_key;
mod sign;
mod state;
mod verify;

pub use emulated::{Card, NotPowered};
pub use select::ISD_AID;
