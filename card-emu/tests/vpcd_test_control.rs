//! The harness-only factory-reset command of `emu serve --test-control`
//! (`80 EE 00 00`): a fresh card, persona switching, refusals, and the
//! plain emulator answering it like any unknown instruction.

#![allow(clippy::unwrap_used)]

mod card_support;

use std::sync::{Arc, Mutex};

use card_support::{profile, verify_apdu, AUTH_PIN, SELECT_JPKI};
use myna_card_emu::persona::PersonaError;
use myna_card_emu::vpcd::{factory_reset_command, CardFactory, TestControlCard, VirtualCard};
use myna_card_emu::{AppKind, Card};

/// Makes test-profile cards for personas `a` and `b`, counting the calls.
#[derive(Clone, Default)]
struct TwoPersonas {
    made: Arc<Mutex<Vec<String>>>,
}

impl CardFactory for TwoPersonas {
    fn make(&mut self, id: &str) -> Result<Card, PersonaError> {
        if id != "a" && id != "b" {
            return Err(PersonaError::UnknownPersona {
                root: "test".into(),
                id: id.into(),
            });
        }
        self.made.lock().unwrap().push(id.to_owned());
        Ok(Card::new(profile()))
    }
}

fn hex(text: &str) -> Vec<u8> {
    card_support::bytes(text)
}

#[test]
fn factory_reset_restores_pin_counters_and_switches_persona() {
    let factory = TwoPersonas::default();
    let made = Arc::clone(&factory.made);
    let mut card = TestControlCard::new(factory, "a").unwrap();
    assert_eq!(card.transmit(&hex(SELECT_JPKI)), vec![0x90, 0x00]);
    assert_eq!(
        card.transmit(&hex("00 A4 02 0C 02 00 18")),
        vec![0x90, 0x00]
    );
    let mut wrong = AUTH_PIN.to_vec();
    wrong[0] ^= 0x01;
    assert_eq!(card.transmit(&verify_apdu(0x80, &wrong)), vec![0x63, 0xC2]);
    assert_eq!(card.card().tries_left(AppKind::Jpki, 0x0018), Some(2));

    // Same persona: a fresh card, counter back at 3, echo of the id.
    let answer = card.transmit(&factory_reset_command(None).unwrap());
    assert_eq!(answer, b"a\x90\x00".to_vec());
    assert_eq!(card.card().tries_left(AppKind::Jpki, 0x0018), Some(3));

    // Another persona.
    let answer = card.transmit(&factory_reset_command(Some("b")).unwrap());
    assert_eq!(answer, b"b\x90\x00".to_vec());
    assert_eq!(card.persona(), "b");
    assert_eq!(*made.lock().unwrap(), vec!["a", "a", "b"]);

    // An unknown persona leaves the card as it was.
    let answer = card.transmit(&factory_reset_command(Some("zzz")).unwrap());
    assert_eq!(answer, vec![0x6A, 0x88]);
    assert_eq!(card.persona(), "b");
    // Malformed forms.
    assert_eq!(card.transmit(&hex("80 EE 01 00")), vec![0x6A, 0x86]);
    assert_eq!(
        card.transmit(&hex("80 EE 00 00 02 41 42")),
        vec![0x6A, 0x80]
    );
    // Everything else still reaches the card.
    assert_eq!(card.transmit(&hex(SELECT_JPKI)), vec![0x90, 0x00]);
}

#[test]
fn the_plain_emulator_answers_the_command_as_an_unknown_instruction() {
    let mut card = Card::new(profile());
    let apdu = factory_reset_command(Some("taro")).unwrap();
    assert_eq!(VirtualCard::transmit(&mut card, &apdu), vec![0x6D, 0x00]);
    let plain = factory_reset_command(None).unwrap();
    assert_eq!(VirtualCard::transmit(&mut card, &plain), vec![0x6D, 0x00]);
}
