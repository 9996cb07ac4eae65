//! SELECT rules (card-protocol.md §1, §1.5, §2.1, §3.3) with exact bytes.

mod card_support;

use card_support::*;
use myna_card_emu::{AppKind, StatusWord};

#[test]
fn selects_each_application_by_aid_without_fci() {
    let mut c = card();
    for select in [
        SELECT_JPKI,
        SELECT_TEXT,
        SELECT_SURFACE,
        SELECT_COMMON,
        SELECT_JUKI,
        SELECT_ISD,
    ] {
        let response = send(&mut c, select);
        assert_eq!(response.to_bytes(), [0x90, 0x00], "{select}");
    }
    assert_eq!(c.current_application(), None, "ISD returns to the MF");
    send(&mut c, SELECT_SURFACE);
    assert_eq!(c.current_application(), Some(AppKind::SurfaceCheck));
}

#[test]
fn unknown_aid_is_6a82_and_keeps_the_current_application() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(
        sw(&mut c, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 02"),
        StatusWord(0x6A82)
    );
    assert_eq!(c.current_application(), Some(AppKind::Jpki));
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 00 0A"), StatusWord::SUCCESS);
}

#[test]
fn select_ef_known_and_unknown() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    for fid in ["00 0A", "00 01", "00 17", "00 18", "00 1B"] {
        assert_eq!(
            sw(&mut c, &format!("00 A4 02 0C 02 {fid}")),
            StatusWord::SUCCESS,
            "{fid}"
        );
    }
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 00 99"), StatusWord(0x6A82));
    // the failed SELECT EF left 001B current: the empty VERIFY still works
    assert_eq!(sw(&mut c, "00 20 00 80"), StatusWord(0x63C5));
}

#[test]
fn select_ef_lengths_and_p1p2() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 A4 02 0C 01 0A"), StatusWord(0x6700));
    assert_eq!(sw(&mut c, "00 A4 02 0C 03 00 0A 00"), StatusWord(0x6700));
    assert_eq!(sw(&mut c, "00 A4 04 0C"), StatusWord(0x6700));
    assert_eq!(sw(&mut c, "00 A4 02 04 02 00 0A"), StatusWord(0x6A86));
    assert_eq!(sw(&mut c, "00 A4 08 0C 02 00 0A"), StatusWord(0x6A86));
}

#[test]
fn mf_level_rules() {
    let mut c = card();
    // §1.5: `00 A4 00 00` → 6A86 after reset
    assert_eq!(sw(&mut c, "00 A4 00 00"), StatusWord(0x6A86));
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 3F 00"), StatusWord(0x6A82));
    assert_eq!(sw(&mut c, "00 A4 00 0C 02 3F 00"), StatusWord(0x6A82));
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 2F 10"), StatusWord(0x6A82));
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 2F 11"), StatusWord(0x6A82));
    // 001E selectable, reads 6981
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 00 1E"), StatusWord::SUCCESS);
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6981));
    // app files are not visible at the MF
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 00 0A"), StatusWord(0x6A82));
    // once a DF is current: 9000, no effect
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 A4 00 00"), StatusWord::SUCCESS);
    assert_eq!(c.current_application(), Some(AppKind::Jpki));
    // a warm reset brings back the 6A86
    c.reset();
    assert_eq!(sw(&mut c, "00 A4 00 00"), StatusWord(0x6A86));
}

#[test]
fn no_current_ef_after_selecting_a_df() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 0A");
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 B0 00 00 04"), StatusWord(0x6986));
}

#[test]
fn security_status_kept_on_reselect_and_warm_reset_cleared_otherwise() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(verify(&mut c, 0x9B, SIGN_PASSWORD), StatusWord::SUCCESS);
    assert!(c.is_verified(AppKind::Jpki, 0x1B));

    // re-select the same DF: kept (§3.3)
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(
        send(&mut c, "00 B0 00 00 04").to_bytes(),
        bytes("30 82 06 DA 90 00")
    );

    // warm reset: kept once the same DF is selected again
    c.reset();
    assert_eq!(c.current_application(), None);
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(sw(&mut c, "00 B0 00 00 04"), StatusWord::SUCCESS);

    // another DF clears it
    send(&mut c, SELECT_TEXT);
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(sw(&mut c, "00 B0 00 00 04"), StatusWord(0x6982));

    // the ISD clears it
    verify(&mut c, 0x9B, SIGN_PASSWORD);
    send(&mut c, SELECT_ISD);
    send(&mut c, SELECT_JPKI);
    assert!(!c.is_verified(AppKind::Jpki, 0x1B));

    // power-off clears it
    verify(&mut c, 0x9B, SIGN_PASSWORD);
    c.power_off();
    c.power_on();
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(sw(&mut c, "00 B0 00 00 04"), StatusWord(0x6982));
}

#[test]
fn power_events() {
    let mut c = card();
    assert!(c.is_powered());
    assert_eq!(c.atr(), ATR);
    c.power_off();
    assert!(!c.is_powered());
    assert!(c.transmit(&bytes(SELECT_JPKI)).is_err());
    assert_eq!(c.power_on(), ATR.to_vec());
    assert!(c.is_powered());
    assert_eq!(sw(&mut c, SELECT_JPKI), StatusWord::SUCCESS);
    // power_on while on changes nothing
    c.power_on();
    assert_eq!(c.current_application(), Some(AppKind::Jpki));
    // reset while off powers on
    c.power_off();
    assert_eq!(c.reset(), ATR.to_vec());
    assert!(c.is_powered());
    assert_eq!(c.current_application(), None);
}
