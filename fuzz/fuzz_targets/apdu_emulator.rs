//! The APDU parser and the emulated card: any bytes parse to a command or a
//! status word, and the card answers every one with at least two bytes.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use myna_card_emu::persona::Persona;
use myna_card_emu::{Card, CardProfile, CommandApdu};

/// taro's card, loaded once (run from the repository root).
fn profile() -> &'static CardProfile {
    static PROFILE: OnceLock<CardProfile> = OnceLock::new();
    PROFILE.get_or_init(|| {
        Persona::load_named(Path::new("vectors/personas"), "taro")
            .map(|p| p.card_profile())
            .unwrap_or_else(|e| panic!("run from the repository root: {e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = CommandApdu::parse(data);
    let mut card = Card::new(profile().clone());
    card.power_on();
    // Several commands in one input, split at 0xFF 0xFF.
    for command in data.split(|b| *b == 0xFF) {
        if let Ok(answer) = card.transmit(command) {
            assert!(answer.len() >= 2, "a response shorter than a status word");
        }
    }
});
