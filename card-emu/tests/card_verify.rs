//! VERIFY, CHANGE REFERENCE DATA, CHANGE KEY (card-protocol.md §2.1, §3.2,
//! §3.3, §7.4).

mod card_support;

use card_support::*;
use myna_card_emu::{AppKind, Card, Quirks, StatusWord};

fn at(select: &str, fid: &str) -> Card {
    let mut c = card();
    assert_eq!(sw(&mut c, select), StatusWord::SUCCESS);
    assert_eq!(
        sw(&mut c, &format!("00 A4 02 0C 02 {fid}")),
        StatusWord::SUCCESS
    );
    c
}

#[test]
fn empty_verify_reports_tries_and_spends_nothing() {
    let mut c = at(SELECT_JPKI, "00 18");
    for _ in 0..3 {
        assert_eq!(send(&mut c, "00 20 00 80").to_bytes(), bytes("63 C3"));
    }
    assert_eq!(c.tries_left(AppKind::Jpki, 0x18), Some(3));
    let mut c = at(SELECT_JPKI, "00 1B");
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x63C5));
    let mut c = at(SELECT_TEXT, "00 11");
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x63C3));
    let mut c = at(SELECT_TEXT, "00 14");
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x63CA));
}

#[test]
fn auth_pin_lockout_exact_bytes() {
    let mut c = at(SELECT_JPKI, "00 18");
    assert_eq!(
        send(&mut c, "00 20 00 80 04 30 30 30 30").to_bytes(),
        bytes("63 C2")
    );
    assert_eq!(
        send(&mut c, "00 20 00 80 04 30 30 30 30").to_bytes(),
        bytes("63 C1")
    );
    assert_eq!(send(&mut c, "00 20 00 80").to_bytes(), bytes("63 C1"));
    assert_eq!(
        send(&mut c, "00 20 00 80 04 30 30 30 30").to_bytes(),
        bytes("63 C0")
    );
    assert_eq!(
        send(&mut c, "00 20 00 80 04 30 30 30 30").to_bytes(),
        bytes("69 84")
    );
    // even the right PIN is refused once blocked
    assert_eq!(
        send(&mut c, "00 20 00 80 04 31 32 33 34").to_bytes(),
        bytes("69 84")
    );
    assert_eq!(send(&mut c, "00 20 00 80").to_bytes(), bytes("63 C0"));
    assert_eq!(c.tries_left(AppKind::Jpki, 0x18), Some(0));
    // blocked survives power-off
    c.power_off();
    c.power_on();
    send(&mut c, SELECT_JPKI);
    assert_eq!(send(&mut c, "00 20 00 98").to_bytes(), bytes("63 C0"));
    // the sign password is independent
    assert_eq!(send(&mut c, "00 20 00 9B").to_bytes(), bytes("63 C5"));
}

#[test]
fn success_resets_the_counter() {
    let mut c = at(SELECT_JPKI, "00 1B");
    assert_eq!(verify(&mut c, 0x80, b"WRONG1"), StatusWord(0x63C4));
    assert_eq!(verify(&mut c, 0x80, b"WRONG1"), StatusWord(0x63C3));
    assert_eq!(
        send(&mut c, "00 20 00 80 06 41 42 43 31 32 33").to_bytes(),
        bytes("90 00")
    );
    assert_eq!(c.tries_left(AppKind::Jpki, 0x1B), Some(5));
    assert!(c.is_verified(AppKind::Jpki, 0x1B));
    // the card compares bytes: lower case is wrong (§2.1)
    assert_eq!(verify(&mut c, 0x80, b"abc123"), StatusWord(0x63C4));
    assert!(
        !c.is_verified(AppKind::Jpki, 0x1B),
        "a failed VERIFY revokes"
    );
}

#[test]
fn verify_by_sfi_is_select_plus_verify() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(
        send(&mut c, "00 20 00 98 04 31 32 33 34").to_bytes(),
        bytes("90 00")
    );
    // the SFI made 0018 current
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x63C3));
    assert_eq!(sw(&mut c, "00 20 00 99 04 31 32 33 34"), StatusWord(0x6A88));
    // 0017 is a key, not a secret
    assert_eq!(sw(&mut c, "00 20 00 97 04 31 32 33 34"), StatusWord(0x6A88));
}

#[test]
fn verify_without_a_secret_ef() {
    let mut c = card();
    // at the MF
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x6986));
    assert_eq!(sw(&mut c, "00 20 00 98 04 31 32 33 34"), StatusWord(0x6A88));
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 20 00 80 04 31 32 33 34"), StatusWord(0x6986));
    send(&mut c, "00 A4 02 0C 02 00 0A");
    assert_eq!(sw(&mut c, "00 20 00 80 04 31 32 33 34"), StatusWord(0x6986));
    assert_eq!(sw(&mut c, "00 20 01 80"), StatusWord(0x6A86));
    assert_eq!(sw(&mut c, "0C 20 00 80"), StatusWord(0x69FC));
}

#[test]
fn text_ap_0012_is_blocked_on_issued_cards() {
    let mut c = at(SELECT_TEXT, "00 12");
    assert_eq!(send(&mut c, "00 20 00 80").to_bytes(), bytes("63 C0"));
    assert_eq!(
        send(&mut c, "00 20 00 80 04 30 30 30 30").to_bytes(),
        bytes("69 84")
    );
}

#[test]
fn secret_not_set_answers_6984() {
    let mut profile = shared_profile();
    for app in &mut profile.applications {
        for secret in &mut app.secrets {
            secret.value = None;
        }
    }
    let mut c = Card::with_seed(profile.clone(), 1);
    send(&mut c, SELECT_JPKI);
    assert_eq!(verify(&mut c, 0x98, AUTH_PIN), StatusWord(0x6984));
    // The status query answers the counter by default (Quirks::empty_verify_unset_sw).
    assert_eq!(sw(&mut c, "00 20 00 98"), StatusWord(0x63C3));
    assert_eq!(c.tries_left(AppKind::Jpki, 0x18), Some(3));

    profile.quirks.empty_verify_unset_sw = Some(0x6984);
    let mut c = Card::with_seed(profile, 1);
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 20 00 98"), StatusWord(0x6984));
}

#[test]
fn empty_verify_after_success_quirk() {
    let mut c = at(SELECT_JPKI, "00 18");
    verify(&mut c, 0x80, AUTH_PIN);
    assert_eq!(
        sw(&mut c, "00 20 00 80"),
        StatusWord(0x63C3),
        "default: 63Cx"
    );

    let mut profile = shared_profile();
    profile.quirks = Quirks {
        empty_verify_after_success: Some(0x9000),
        ..Quirks::default()
    };
    let mut c = Card::with_seed(profile, 1);
    send(&mut c, SELECT_JPKI);
    assert_eq!(
        sw(&mut c, "00 20 00 98"),
        StatusWord(0x63C3),
        "not verified yet"
    );
    verify(&mut c, 0x98, AUTH_PIN);
    assert_eq!(send(&mut c, "00 20 00 98").to_bytes(), bytes("90 00"));
    // the other PIN of the DF is not verified
    assert_eq!(sw(&mut c, "00 20 00 9B"), StatusWord(0x63C5));
}

#[test]
fn change_reference_data_after_verify() {
    let mut c = at(SELECT_JPKI, "00 18");
    assert_eq!(
        send(&mut c, "00 24 01 80 04 35 35 35 35").to_bytes(),
        bytes("69 82")
    );
    verify(&mut c, 0x80, AUTH_PIN);
    assert_eq!(
        send(&mut c, "00 24 01 80 04 35 35 35 35").to_bytes(),
        bytes("90 00")
    );
    assert_eq!(verify(&mut c, 0x80, AUTH_PIN), StatusWord(0x63C2));
    assert_eq!(verify(&mut c, 0x80, b"5555"), StatusWord::SUCCESS);
    // the new value survives power-off
    c.power_off();
    c.power_on();
    send(&mut c, SELECT_JPKI);
    assert_eq!(verify(&mut c, 0x98, b"5555"), StatusWord::SUCCESS);
    // verifying the sign password does not allow changing the auth PIN
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    verify(&mut c, 0x9B, SIGN_PASSWORD);
    assert_eq!(sw(&mut c, "00 24 01 98 04 35 35 35 35"), StatusWord(0x6982));
    assert_eq!(sw(&mut c, "00 24 00 9B 04 35 35 35 35"), StatusWord(0x6A86));
    assert_eq!(sw(&mut c, "00 24 01 9B"), StatusWord(0x6700));
}

#[test]
fn change_needs_the_same_df_session() {
    let mut c = card();
    send(&mut c, SELECT_TEXT);
    verify(&mut c, 0x91, TEXT_PIN);
    send(&mut c, SELECT_JPKI);
    send(&mut c, SELECT_TEXT);
    assert_eq!(sw(&mut c, "00 24 01 91 04 31 31 31 31"), StatusWord(0x6982));
}

#[test]
fn match_numbers_are_not_changeable() {
    let mut c = card();
    send(&mut c, SELECT_TEXT);
    verify(&mut c, 0x94, MATCH_A);
    assert_eq!(sw(&mut c, "00 24 01 94 04 31 31 31 31"), StatusWord(0x6985));
}

#[test]
fn change_key_for_common_and_juki_pins() {
    for (select, pin) in [(SELECT_COMMON, COMMON_PIN), (SELECT_JUKI, JUKI_PIN)] {
        let mut c = card();
        send(&mut c, select);
        send(&mut c, "00 A4 02 0C 02 00 1C");
        assert_eq!(
            send(&mut c, "80 32 00 80 04 32 32 32 32").to_bytes(),
            bytes("69 82")
        );
        assert_eq!(verify(&mut c, 0x80, pin), StatusWord::SUCCESS);
        assert_eq!(sw(&mut c, "00 24 01 80 04 32 32 32 32"), StatusWord(0x6D00));
        assert_eq!(
            send(&mut c, "80 32 00 80 04 32 32 32 32").to_bytes(),
            bytes("90 00")
        );
        assert_eq!(verify(&mut c, 0x80, b"2222"), StatusWord::SUCCESS);
    }
    // CHANGE KEY is not the JPKI command
    let mut c = at(SELECT_JPKI, "00 18");
    verify(&mut c, 0x80, AUTH_PIN);
    assert_eq!(sw(&mut c, "80 32 00 80 04 32 32 32 32"), StatusWord(0x6D00));
}

#[test]
fn wrong_verify_is_not_deduplicated() {
    // §7.7: a repeated wrong VERIFY spends another try, as a real card does
    let mut c = at(SELECT_JPKI, "00 18");
    let wrong = verify_apdu(0x80, b"9999");
    assert_eq!(send_bytes(&mut c, &wrong).sw, StatusWord(0x63C2));
    assert_eq!(send_bytes(&mut c, &wrong).sw, StatusWord(0x63C1));
}

#[test]
fn debug_output_never_shows_a_pin() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    let secrets: Vec<_> = c
        .profile()
        .applications
        .iter()
        .map(|a| &a.secrets)
        .collect();
    let apdus = [
        verify_apdu(0x98, AUTH_PIN),
        verify_apdu(0x9B, SIGN_PASSWORD),
    ]
    .map(|b| myna_card_emu::CommandApdu::parse(&b).expect("valid"));
    let commands = apdus
        .clone()
        .map(|a| myna_card_emu::Command::try_from(&a).expect("decodes"));
    let text = format!("{c:?} {secrets:?} {apdus:?} {commands:?}");
    assert!(text.contains("redacted"), "{text}");
    for secret in [
        AUTH_PIN,
        SIGN_PASSWORD,
        TEXT_PIN,
        MATCH_A,
        MATCH_B,
        BIRTH_KEY,
    ] {
        let secret = std::str::from_utf8(secret).expect("ascii");
        assert!(
            !text.contains(secret),
            "Debug leaked a secret of {} chars",
            secret.len()
        );
    }
}
