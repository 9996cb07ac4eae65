//! The issue-8 deviations, as scenarios with teeth: each scenario that
//! checks a deviation (D1 MF chain, D4 text AP records, D5 secure
//! messaging, D6 card face) passes against the emulator and fails against
//! the emulator behind a tap that puts the old deviation back, so the
//! scenario would have caught it.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::{EmuProvider, TapFn, TappedProvider};
use myna_family_card::CardFamily;
use myna_report::Verdict;

fn verdict(id: &str, tap: Option<TapFn>) -> Verdict {
    common::enter_root().unwrap();
    let provider = Box::new(EmuProvider::new("vectors/personas"));
    let family: Box<dyn Family> = match tap {
        Some(tap) => Box::new(CardFamily::new(Box::new(TappedProvider::new(
            provider, tap,
        )))),
        None => Box::new(CardFamily::new(provider)),
    };
    let mut families = vec![family];
    let suite = load_suite(
        &[PathBuf::from("scenarios/card")],
        Path::new("scenarios/requirements.yaml"),
        &families,
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let scenario = suite.scenarios.iter().find(|s| s.id == id).unwrap();
    run_scenario(scenario, &mut families).report.verdict
}

/// Passes against the emulator; against the deviation it fails (`warn`
/// for a should-level scenario), blaming the card, not the author.
fn passes_and_catches(id: &str, deviation: TapFn) {
    assert_eq!(
        verdict(id, None),
        Verdict::Pass,
        "{id} against the emulator"
    );
    let caught = verdict(id, Some(deviation));
    assert!(
        matches!(caught, Verdict::Fail | Verdict::Warn),
        "{id} against the old deviation: {caught:?}"
    );
}

fn is_get_data(command: &[u8], tag: [u8; 2]) -> bool {
    command.len() >= 4 && command[1] == 0xCA && command[2..4] == tag
}

/// While the EF `fid` is selected, the last data byte of every READ
/// BINARY answer is flipped: the record no longer verifies (or no longer
/// parses), as the old emulator's signatures verified under no key.
fn corrupt_reads_of(fid: [u8; 2]) -> TapFn {
    let selected = Mutex::new(false);
    Arc::new(move |command: &[u8], mut response: Vec<u8>| {
        let mut selected = selected.lock().unwrap();
        if command.len() >= 7 && command[1] == 0xA4 && command[2] == 0x02 {
            *selected = command[5..7] == fid;
        } else if command.get(1) == Some(&0xA4) {
            *selected = false;
        }
        if *selected && command.get(1) == Some(&0xB0) && response.len() > 2 {
            let last = response.len() - 3;
            response[last] ^= 0x01;
        }
        response
    })
}

/// D1: GET DATA 7F21 answered the same bytes as 00F8.
#[test]
fn d1_cv_chain_catches_7f21_equal_to_00f8() {
    let upper: Mutex<Option<Vec<u8>>> = Mutex::new(None);
    let tap: TapFn = Arc::new(move |command: &[u8], response: Vec<u8>| {
        let mut upper = upper.lock().unwrap();
        if is_get_data(command, [0x00, 0xF8]) {
            *upper = Some(response.clone());
        }
        match (is_get_data(command, [0x7F, 0x21]), upper.as_ref()) {
            (true, Some(copy)) => copy.clone(),
            _ => response,
        }
    });
    passes_and_catches("card.mf.cv-chain", tap);
}

/// D1, the signature alone: 7F21 with its signature not verifying under
/// the key 00F8 certifies (the prefix and key ids still right).
#[test]
fn d1_cv_chain_checks_the_signature() {
    let tap: TapFn = Arc::new(|command: &[u8], mut response: Vec<u8>| {
        if is_get_data(command, [0x7F, 0x21]) && response.len() > 300 {
            let last = response.len() - 3;
            response[last] ^= 0x01;
        }
        response
    });
    passes_and_catches("card.mf.cv-chain", tap);
}

/// D4: text EF 0007's DF52 verified under no key on the card.
#[test]
fn d4_text_records_catch_a_signature_under_no_key() {
    passes_and_catches("card.text.records-signed", corrupt_reads_of([0x00, 0x07]));
}

/// D5: secure messaging was not emulated: CLA 08 answered 69FC.
#[test]
fn d5_secure_messaging_catches_69fc() {
    let tap: TapFn = Arc::new(|command: &[u8], response: Vec<u8>| {
        if command.first() == Some(&0x08) {
            vec![0x69, 0xFC]
        } else {
            response
        }
    });
    passes_and_catches("card.text.secure-messaging", tap);
}

/// D6: the card face was signed as one SHA-256 over all fields.
#[test]
fn d6_card_face_catches_a_signature_that_does_not_verify() {
    passes_and_catches(
        "card.surface.records-signed",
        corrupt_reads_of([0x00, 0x02]),
    );
}

/// CHANGE KEY on the 共通AP and 住基AP always answered 6985 (issue 8).
#[test]
fn change_key_catches_6985() {
    let tap: TapFn = Arc::new(|command: &[u8], response: Vec<u8>| {
        if command.len() >= 2 && command[0] == 0x80 && command[1] == 0x32 {
            vec![0x69, 0x85]
        } else {
            response
        }
    });
    passes_and_catches("card.common.change-key", tap);
}

/// A wrong 照合番号A that costs no try: every 63Cx answer reports the
/// counter's limit. The scenario asserts no limit, only the decrement.
#[test]
fn check_code_tries_catches_a_counter_that_does_not_move() {
    let tap: TapFn = Arc::new(|command: &[u8], response: Vec<u8>| {
        let n = response.len();
        if command.get(1) == Some(&0x20) && n >= 2 && response[n - 2] == 0x63 {
            vec![0x63, 0xCA]
        } else {
            response
        }
    });
    passes_and_catches("card.pin.check-code-tries", tap);
}
