//! The emulated card behind a real `pcscd`, through the vsmartcard `vpcd`
//! driver (DESIGN.md §2, §11; harness-anchors.md §3.1; card-protocol.md §6).
//!
//! vpcd, loaded by pcscd, listens on TCP port 35963 for reader
//! `Virtual PCD 00 00` (35964 for `… 00 01`). The emulator dials it: the
//! connection is the card being inserted, closing it is the card being
//! removed. Every message is a 2-byte big-endian length and a payload; a
//! 1-byte payload is a control (`00` power off, `01` power on, `02` reset,
//! `04` get ATR — only the last is answered, with the ATR), any longer one is
//! a C-APDU answered with the R-APDU. pcscd polls get-ATR between APDUs.
//!
//! - [`VirtualCard`]: what the emulator needs from a card.
//! - [`VpcdClient`]: one connection (`connect`, then `serve`).
//! - [`Emulator`]: serves forever with reconnect and backoff, and an
//!   [`EmulatorControl`] to remove, insert or swap the card on command.
//! - [`VpcdObserver`]: hooks on every exchange (`on_exchange`), e.g. for
//!   recording; [`StderrLog`] prints a redacted line per APDU.
//! - [`frame`]: the framing itself, usable by a test playing vpcd's role.
//! - [`TestControlCard`]: the emulated card plus the harness-only
//!   factory-reset command `80 EE 00 00` ([`test_control`]).
//!
//! Several cards at once: one emulator per vpcd slot (port 35963 + n).
//! Several cards in turn: [`EmulatorControl::insert`] swaps the card.

mod client;
mod emulator;
mod error;
pub mod frame;
mod message;
mod observer;
pub mod test_control;
mod virtual_card;

pub use client::{SessionEnd, SessionOptions, VpcdClient, DEFAULT_VPCD_ADDR, DEFAULT_VPCD_PORT};
pub use emulator::{Emulator, EmulatorControl, EmulatorOptions, EmulatorStopped, Reconnect};
pub use error::VpcdError;
pub use frame::FrameError;
pub use message::{Control, Message, CTRL_GET_ATR, CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET};
pub use observer::{
    describe_command, describe_response, on_exchange, Disconnect, ExchangeHook, Silent, StderrLog,
    VpcdObserver,
};
pub use test_control::{
    factory_reset_command, parse_test_control, CardFactory, PersonaFactory, TestControlCard,
    TestControlRequest, FACTORY_RESET_HEADER,
};
pub use virtual_card::{BoxedCard, VirtualCard};
