//! `Card::transmit` never panics, whatever the bytes or the order of
//! commands and power events.

mod card_support;

use card_support::*;
use myna_card_emu::{Card, ResponseApdu};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Event {
    Apdu(Vec<u8>),
    PowerOff,
    PowerOn,
    Reset,
}

/// Mostly plausible APDUs (known CLA/INS, real AIDs and FIDs, small
/// bodies), some random bytes, and power events.
fn event() -> impl Strategy<Value = Event> {
    let cla = prop_oneof![
        Just(0x00u8),
        Just(0x80),
        Just(0x0C),
        Just(0x01),
        any::<u8>()
    ];
    let ins = prop_oneof![
        Just(0xA4u8),
        Just(0x20),
        Just(0x24),
        Just(0xB0),
        Just(0xB2),
        Just(0x84),
        Just(0x88),
        Just(0xCA),
        Just(0xC0),
        Just(0x2A),
        Just(0x32),
        Just(0xAE),
        Just(0xFC),
        any::<u8>()
    ];
    let p = prop_oneof![
        Just(0x00u8),
        Just(0x0C),
        Just(0x80),
        Just(0x04),
        Just(0x02),
        0x81u8..=0x9E,
        any::<u8>()
    ];
    let aid = prop_oneof![
        Just(AID_JPKI.to_vec()),
        Just(AID_TEXT.to_vec()),
        Just(AID_SURFACE.to_vec()),
        Just(AID_COMMON.to_vec()),
        Just(AID_JUKI.to_vec()),
        Just(vec![0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]),
    ];
    let body = prop_oneof![
        Just(vec![]),
        aid,
        (0u8..0x20).prop_map(|fid| vec![0x00, fid]),
        Just(AUTH_PIN.to_vec()),
        Just(SIGN_PASSWORD.to_vec()),
        Just(TEXT_PIN.to_vec()),
        proptest::collection::vec(any::<u8>(), 1..300),
    ];
    let le = proptest::option::of(prop_oneof![1u32..=256, 257u32..=70000]);
    let structured = (cla, ins, p.clone(), p, body, le).prop_map(|(cla, ins, p1, p2, body, le)| {
        let le = le.map(|le| le.min(65536));
        match myna_card_emu::CommandApdu::new(cla, ins, p1, p2, body, le) {
            Ok(apdu) => apdu.to_bytes(),
            Err(_) => vec![cla, ins, p1, p2],
        }
    });
    prop_oneof![
        8 => structured.prop_map(Event::Apdu),
        2 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Event::Apdu),
        1 => Just(Event::PowerOff),
        1 => Just(Event::PowerOn),
        1 => Just(Event::Reset),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random bytes: always an R-APDU with a status word, never a panic.
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut c = card();
        let raw = c.transmit(&bytes).expect("powered");
        prop_assert!(raw.len() >= 2);
    }

    /// Random sequences of APDUs and power events: transmit answers iff
    /// powered, every answer has a status word, and PIN counters never
    /// exceed their maximum.
    #[test]
    fn arbitrary_sequences(events in proptest::collection::vec(event(), 1..60)) {
        let mut c = Card::with_seed(shared_profile(), 11);
        let mut powered = true;
        for event in events {
            match event {
                Event::Apdu(bytes) => match c.transmit(&bytes) {
                    Ok(raw) => {
                        prop_assert!(powered);
                        prop_assert!(ResponseApdu::parse(&raw).is_ok());
                    }
                    Err(_) => prop_assert!(!powered),
                },
                Event::PowerOff => { c.power_off(); powered = false; }
                Event::PowerOn => { prop_assert_eq!(c.power_on(), ATR.to_vec()); powered = true; }
                Event::Reset => { prop_assert_eq!(c.reset(), ATR.to_vec()); powered = true; }
            }
            prop_assert_eq!(c.is_powered(), powered);
            for app in &c.profile().applications {
                for secret in &app.secrets {
                    let tries = c.tries_left(app.kind, secret.fid).expect("secret exists");
                    prop_assert!(tries <= secret.max_tries);
                }
            }
        }
    }
}

#[test]
fn unpowered_card_refuses_everything() {
    let mut c: Card = card();
    c.power_off();
    for bytes in [vec![], vec![0x00, 0xA4, 0x00, 0x00], bytes(SELECT_JPKI)] {
        assert!(c.transmit(&bytes).is_err());
    }
}
