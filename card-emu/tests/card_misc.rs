//! GET DATA, SET SESSION KEY, last command indicator, class rules and
//! idempotency (card-protocol.md §1.5, §3.1, §4, §7.7).

mod card_support;

use card_support::*;
use myna_card_emu::StatusWord;

#[test]
fn get_data_at_the_mf() {
    let mut c = card();
    assert_eq!(
        send(&mut c, "00 CA 00 F0 00").to_bytes(),
        bytes("31 33 32 32 31 90 00")
    );
    assert_eq!(send(&mut c, "00 CA 00 F0 05").data, b"13221");
    assert_eq!(sw(&mut c, "00 CA 00 F0 04"), StatusWord(0x6700));
    assert_eq!(send(&mut c, "00 CA 5F 51 00").data, ATR[1..]);
    assert_eq!(sw(&mut c, "00 CA 00 42 00"), StatusWord(0x6A88));
    // a large object needs an extended Le (§1.5)
    assert_eq!(sw(&mut c, "00 CA 7F 21 00"), StatusWord(0x6700));
    let large = send(&mut c, "00 CA 7F 21 00 00 00");
    assert_eq!(
        (large.data, large.sw),
        (large_mf_object(), StatusWord::SUCCESS)
    );
    assert_eq!(sw(&mut c, "00 CA 00 F0"), StatusWord(0x6700));
    // inside an application
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 CA 00 F0 00"), StatusWord(0x6A88));
    // back at the MF through the ISD
    send(&mut c, SELECT_ISD);
    assert_eq!(sw(&mut c, "00 CA 00 F0 00"), StatusWord::SUCCESS);
}

#[test]
fn set_session_key_per_application() {
    let cryptogram = "00 01 00 ".to_string() + &"AB ".repeat(256);
    let set = format!("80 AE 00 00 {cryptogram}");
    let mut c = card();
    assert_eq!(sw(&mut c, &set), StatusWord(0x6D00), "at the MF");
    for (select, expected) in [
        (SELECT_COMMON, 0x66F1),
        (SELECT_SURFACE, 0x66F1),
        (SELECT_JPKI, 0x6982),
        (SELECT_JUKI, 0x6982),
        (SELECT_TEXT, 0x6982),
    ] {
        send(&mut c, select);
        assert_eq!(sw(&mut c, &set), StatusWord(expected), "{select}");
    }
    // the text AP decrypts once its PIN is verified (card_secure_messaging.rs
    // delivers a real key): at or above the modulus 6F00, no delivery 6A80
    verify(&mut c, 0x91, TEXT_PIN);
    assert_eq!(send(&mut c, &set).to_bytes(), bytes("6F 00"));
    let zeros = format!("80 AE 00 00 00 01 00 {}", "00 ".repeat(256));
    assert_eq!(send(&mut c, &zeros).to_bytes(), bytes("6A 80"));
    // no session was opened: SM classes are still refused
    assert_eq!(sw(&mut c, "0C B0 00 00 01"), StatusWord(0x69FC));
}

#[test]
fn last_command_indicator_and_get_response() {
    let mut c = card();
    assert_eq!(send(&mut c, "80 FC 00 00").to_bytes(), bytes("67 00"));
    send(&mut c, SELECT_JPKI);
    assert_eq!(send(&mut c, "80 FC 00 00").to_bytes(), bytes("67 00"));
    assert_eq!(sw(&mut c, "00 C0 00 00 10"), StatusWord(0x6985));
}

#[test]
fn class_and_instruction_errors() {
    let mut c = card();
    let cases = [
        ("00 FF 00 00", 0x6D00),
        ("00 B1 00 00 01", 0x6D00),
        ("80 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6D00),
        ("A0 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6E00),
        ("FF A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6E00),
        ("01 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6881),
        ("03 B0 00 00 01", 0x6881),
        ("41 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6881),
        ("0C A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6882),
        ("08 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", 0x6882),
        ("0C 20 00 80", 0x69FC),
        ("10 B0 00 00 01", 0x6884),
        ("00 A4 04", 0x6700),
        ("00", 0x6700),
        ("", 0x6700),
        ("00 A4 04 0C 0A D3", 0x6700),
    ];
    for (apdu_hex, expected) in cases {
        assert_eq!(
            send(&mut c, apdu_hex).to_bytes(),
            StatusWord(expected).to_bytes(),
            "{apdu_hex}"
        );
    }
    assert_eq!(c.current_application(), None, "no error selected anything");
}

#[test]
fn the_same_apdu_in_the_same_state_answers_the_same() {
    // jpki-rs re-sends commands (§7.7)
    let script = [
        SELECT_JPKI,
        "00 A4 02 0C 02 00 0A",
        "00 B0 00 00 07",
        "00 A4 02 0C 02 00 18",
        "00 20 00 80",
        "00 20 00 80 04 31 32 33 34",
        "00 A4 02 0C 02 00 17",
        "80 2A 00 80 03 01 02 03 00",
        "00 A4 00 00",
        "00 CA 00 F0 00",
    ];
    let mut c = card();
    for apdu_hex in script {
        let first = send(&mut c, apdu_hex);
        let second = send(&mut c, apdu_hex);
        assert_eq!(first, second, "{apdu_hex}");
    }
    send(&mut c, "00 A4 02 0C 02 00 17");
    assert_eq!(send(&mut c, "80 2A 00 80 03 01 02 03 00").data.len(), 256);
}
