//! A peer that stops answering (issue 9 item 4): the emulator behind pcscd
//! is stopped with SIGSTOP in the middle of a run. The scenario in flight
//! ends in `error` within `--card-timeout` (environment, exit 3), instead
//! of the run hanging for as long as the emulator is stopped; after
//! SIGCONT the next scenarios run and pass. The same while the card is
//! power-cycled (`SCardReconnect`), whatever the transactions last (the
//! default one across the scenario, one per step, one per command:
//! `--card-transaction=…`). (`record` under a stopped card:
//! pcsc_record_stopped.rs.)
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`. Takes the vpcd slot lock.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::time::Duration;

use pcsc_support::{
    claim_readers, myna, pcscd_ready, read_report, run_with_watchdog, serve_and_wait, signal,
    temp_dir, verdicts, wait_for_no_card, READER, VPCD_ADDR,
};

/// Only a hang reaches it.
const HANG: Duration = Duration::from_secs(300);

/// Keeps the card busy (signatures) so that it is stopped mid-scenario.
const SLOW_SCENARIO: &str = r#"id: card.aaa.slow-signatures-stopped
title: Many signatures in a row (the emulator is stopped meanwhile)
requirements: [CARD-SIGN-NEEDS-PIN]
tags: [sign]
steps:
  - select: jpki
    expect: { sw: "9000" }
  - select_ef: auth-pin
    expect: { sw: "9000" }
  - verify: { pin: "${persona.auth_pin}" }
    expect: { sw: "9000" }
  - select_ef: auth-key
    expect: { sw: "9000" }
  - sign: { p1: 0, p2: "80", digest_info: { hash: sha256, message: "6D796E61" } }
    repeat: 10000
    expect: { sw: "9000" }
"#;

/// Resets the card again and again (`SCardReconnect` with
/// `SCARD_RESET_CARD`, each one answered by the emulator with its ATR), so
/// that it is stopped during one. (Repeated power-offs are not enough: once
/// the card is unpowered pcscd answers them without the card, and 10,000
/// of them end before the emulator is stopped.)
const POWER_CYCLES: &str = r#"id: card.aaa.power-cycles-stopped
title: Many power cycles in a row (the emulator is stopped meanwhile)
requirements: [CARD-SIGN-NEEDS-PIN]
tags: [power]
steps:
  - power: "off"
  - power: "reset"
    repeat: 10000
  - power: "reset"
    repeat: 10000
  - power: "on"
"#;

/// Runs `scenario` (then the SELECT scenarios) against the emulator behind
/// pcscd with `extra` options, stopping the emulator 2 s in for 8 s with a
/// 3 s card timeout; checks the stopped scenario is an `error` naming the
/// timeout (and one of `calls`, when given), the run exits 3, and the
/// scenarios after SIGCONT ran and the last one passed.
fn stopped_mid_run(name: &str, scenario: &str, extra: &[&str], calls: &[&str]) {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let scenarios = temp_dir(name);
    std::fs::write(scenarios.join("stopped.yaml"), scenario).unwrap();
    let out = scenarios.join("report");
    let emulator = serve_and_wait(VPCD_ADDR, READER, &["--test-control"]);
    let pid = emulator.0.id();
    let mut command = myna();
    command
        .args([
            "run",
            "--card",
            &format!("pcsc:{READER}"),
            "--persona",
            "taro",
        ])
        .args(["--card-timeout", "3000", "--no-progress", "--out"])
        .arg(&out)
        .args(extra)
        .arg(&scenarios)
        .arg("scenarios/card/select");
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        signal(pid, "STOP");
        // Stopped for longer than the card timeout: the scenario in flight
        // must give up on its own.
        std::thread::sleep(Duration::from_secs(8));
        signal(pid, "CONT");
        emulator
    });
    let run = run_with_watchdog(&mut command, HANG);
    let emulator = stopper.join().unwrap();
    drop(emulator);
    assert_eq!(
        run.status.code(),
        Some(3),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let all = verdicts(&read_report(&out));
    let (id, verdict, message) = &all[0];
    assert!(id.starts_with("card.aaa."), "{all:#?}");
    assert_eq!(verdict, "error", "{message}");
    assert!(
        message.contains("within 3000 ms") || message.contains("(--card-timeout)"),
        "{message}"
    );
    assert!(
        calls.is_empty() || calls.iter().any(|call| message.contains(call)),
        "{message} names none of {calls:?}"
    );
    // After SIGCONT the SELECT scenarios ran, and the last ones passed.
    let selects = std::fs::read_dir(pcsc_support::root().join("scenarios/card/select"))
        .unwrap()
        .count();
    assert_eq!(all.len(), 1 + selects, "{all:#?}\nstderr:\n{}", run.stderr);
    let last = &all[all.len() - 1];
    assert_eq!(last.1, "pass", "{all:#?}");
}

/// A transaction across each scenario (`--card-transaction=scenario`).
#[test]
fn a_stopped_emulator_is_an_error_within_the_timeout_and_the_run_goes_on() {
    stopped_mid_run(
        "pcsc-stopped",
        SLOW_SCENARIO,
        &["--card-transaction=scenario"],
        &["SCardTransmit"],
    );
}

/// The default transactions: one across the scenario (a card scenario).
#[test]
fn a_card_stopped_during_power_cycles_is_an_error_within_the_timeout() {
    stopped_mid_run(
        "pcsc-stopped-power",
        POWER_CYCLES,
        &[],
        &["SCardReconnect", "SCardStatus"],
    );
}

#[test]
fn a_card_stopped_inside_a_step_transaction_is_an_error_within_the_timeout() {
    stopped_mid_run(
        "pcsc-stopped-step-transaction",
        SLOW_SCENARIO,
        &["--card-transaction=step"],
        &[
            "SCardTransmit",
            "SCardBeginTransaction",
            "SCardEndTransaction",
        ],
    );
}

#[test]
fn a_card_stopped_with_a_transaction_per_command_is_an_error_within_the_timeout() {
    stopped_mid_run(
        "pcsc-stopped-command-transaction",
        SLOW_SCENARIO,
        &["--card-transaction=command"],
        &[
            "SCardTransmit",
            "SCardBeginTransaction",
            "SCardEndTransaction",
        ],
    );
}
