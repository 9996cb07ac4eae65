//! `fuzz --family card --card pcsc:…` against the emulator behind pcscd
//! (vpcd): the card keeps its PIN counter between cases and runs, as a
//! real card does, so the model starts from the counter the card reports;
//! without `--allow-destructive` the counter never reaches 0, and a
//! blocked card is fuzzed on its blocked answers, not reported as a
//! divergence.
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`. Takes the vpcd slot lock.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::time::Duration;

use myna_card_emu::Secret;
use myna_family_card::host::{JpkiHost, VerifyOutcome};
use myna_family_card::target::{PcscCard, PcscOptions, ReaderSelector};
use pcsc_support::{
    claim_readers, myna, pcscd_ready, run_with_watchdog, serve_and_wait, temp_dir,
    wait_for_no_card, READER, VPCD_ADDR,
};

/// Only a hang reaches it.
const HANG: Duration = Duration::from_secs(300);

fn card() -> PcscCard {
    PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(READER.into()))).unwrap()
}

/// Spends `n` tries with a wrong PIN.
fn spend(n: usize) {
    let mut card = card();
    let mut host = JpkiHost::new(&mut card);
    let wrong = Secret::new(b"0000".to_vec());
    for _ in 0..n {
        let outcome = host.verify_auth_pin(&wrong).unwrap();
        assert!(
            matches!(
                outcome,
                VerifyOutcome::Wrong { .. } | VerifyOutcome::Blocked
            ),
            "{outcome:?}"
        );
    }
}

fn tries_left() -> u8 {
    let mut card = card();
    JpkiHost::new(&mut card).auth_pin_tries().unwrap().unwrap()
}

fn fuzz(name: &str) -> pcsc_support::Finished {
    let out = temp_dir(name).join("found.yaml");
    run_with_watchdog(
        myna().args([
            "fuzz",
            "--family",
            "card",
            "--card",
            &format!("pcsc:{READER}"),
            "--persona",
            "taro",
            "--cases",
            "24",
            "--max-len",
            "10",
            "--out",
            out.to_str().unwrap(),
        ]),
        HANG,
    )
}

#[test]
fn card_fuzz_through_pcscd_starts_from_the_cards_counter_and_never_blocks_it() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let _emulator = serve_and_wait(VPCD_ADDR, READER, &[]);

    // One try left from an earlier session.
    spend(2);
    assert_eq!(tries_left(), 1);
    let run = fuzz("fuzz-pcsc-one");
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("has 1 tries left"), "{}", run.stderr);
    assert!(
        run.stderr.contains("agreed with the PIN model"),
        "{}",
        run.stderr
    );
    // The resetting right PIN of the cases restored it; nothing blocked it.
    assert_eq!(tries_left(), 3);

    // A blocked card: its blocked answers agree with the model too.
    spend(3);
    assert_eq!(tries_left(), 0);
    let run = fuzz("fuzz-pcsc-blocked");
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("blocked"), "{}", run.stderr);
    let pin = pcsc_support::persona_value("taro", "auth_pin");
    assert!(!run.stderr.contains(&pin), "the PIN leaked");
}
