//! A peer that stops answering (issue 9 item 4): the emulator behind pcscd
//! is stopped with SIGSTOP in the middle of a run. The scenario in flight
//! ends in `error` within `--card-timeout` (environment, exit 3), instead
//! of the run hanging for as long as the emulator is stopped; after
//! SIGCONT the next scenarios run and pass.
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`. Takes the vpcd slot lock.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::time::Duration;

use pcsc_support::{
    claim_readers, myna, pcscd_ready, read_report, run_with_watchdog, serve_and_wait, temp_dir,
    verdicts, wait_for_no_card, READER, VPCD_ADDR,
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

fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

#[test]
fn a_stopped_emulator_is_an_error_within_the_timeout_and_the_run_goes_on() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let scenarios = temp_dir("pcsc-stopped");
    std::fs::write(scenarios.join("slow.yaml"), SLOW_SCENARIO).unwrap();
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
    assert_eq!(id, "card.aaa.slow-signatures-stopped");
    assert_eq!(verdict, "error", "{message}");
    assert!(
        message.contains("within 3000 ms")
            || message.contains("timed out")
            || message.contains("not answered"),
        "{message}"
    );
    // After SIGCONT the SELECT scenarios ran, and the last ones passed.
    let selects = std::fs::read_dir(pcsc_support::root().join("scenarios/card/select"))
        .unwrap()
        .count();
    assert_eq!(all.len(), 1 + selects, "{all:#?}\nstderr:\n{}", run.stderr);
    let last = &all[all.len() - 1];
    assert_eq!(last.1, "pass", "{all:#?}");
}
