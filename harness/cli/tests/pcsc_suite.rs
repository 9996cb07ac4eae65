//! The whole card suite through a real pcscd: the emulator behind vpcd with
//! test control (a factory reset before each scenario), then the emulator
//! killed in the middle of a run, then pcscd itself stopped in the middle of
//! a run (each: `error` verdicts, exit code 3, no hang). pcscd is started
//! again afterwards with `.ci/pcscd.sh`.
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::time::Duration;

use pcsc_support::{
    claim_readers, myna, pcscd_ready, read_report, run_with_watchdog, serve_and_wait, temp_dir,
    verdicts, wait_for_no_card, ChildGuard, READER, VPCD_ADDR,
};

/// Far more than either run needs; only a hang reaches it.
const HANG: Duration = Duration::from_secs(300);

/// A scenario that keeps the card busy for a while (signatures), so that
/// the card can be pulled out while it runs. Sorted first by its id.
const SLOW_SCENARIO: &str = r#"id: card.aaa.slow-signatures
title: Many signatures in a row (the card is pulled out meanwhile)
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

#[test]
fn card_suite_through_pcscd() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    whole_suite_passes_with_factory_reset();
    wait_for_no_card(READER);
    killing_the_emulator_mid_run_gives_errors_and_exit_3();
    wait_for_no_card(READER);
    commands_pull_the_card_and_insert_another_persona();
    wait_for_no_card(READER);
    stopping_pcscd_mid_run_gives_errors_and_exit_3();
}

/// `myna-conform run --card pcsc:READER --persona taro --out OUT PATHS…`.
fn run_through_reader(out: &std::path::Path, paths: &[&std::path::Path]) -> std::process::Command {
    let mut command = myna();
    command
        .args([
            "run",
            "--card",
            &format!("pcsc:{READER}"),
            "--persona",
            "taro",
        ])
        .args(["--no-progress", "--out"])
        .arg(out)
        .args(paths);
    command
}

fn whole_suite_passes_with_factory_reset() {
    let mut emulator = serve_and_wait(VPCD_ADDR, READER, &["--test-control"]);
    let out = temp_dir("pcsc-suite");
    let run = run_with_watchdog(
        &mut run_through_reader(&out, &["scenarios/card".as_ref()]),
        HANG,
    );
    emulator.kill();
    assert_eq!(
        run.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stderr.contains("factory-reset"), "{}", run.stderr);
    let report = read_report(&out);
    let all = verdicts(&report);
    assert!(all.len() >= 90, "only {} scenarios ran", all.len());
    let bad: Vec<_> = all
        .iter()
        .filter(|(_, v, _)| v == "fail" || v == "error")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    // The factory reset makes lockouts and other personas runnable.
    for id in ["card.pin.auth-pin.lockout", "card.pin.blocked-card"] {
        let verdict = all
            .iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, v, _)| v.as_str());
        assert_eq!(verdict, Some("pass"), "{id}");
    }
    assert_eq!(
        report["run_info"]["targets"]["card"]["reader_name"].as_str(),
        Some(READER),
        "{:#}",
        report["run_info"]
    );
}

/// Runs the slow scenario and then the SELECT scenarios through the card
/// in the reader, calling `interrupt` (with the emulator) two seconds in;
/// checks what every interrupted run must show — exit 3, the slow scenario
/// `error`, the run gone on with a verdict for each scenario, no panic — and
/// returns the verdicts for the caller's own checks.
fn interrupted_run(
    name: &str,
    interrupt: impl FnOnce(ChildGuard) + Send + 'static,
) -> Vec<(String, String, String)> {
    let scenarios = temp_dir(name);
    std::fs::write(scenarios.join("slow.yaml"), SLOW_SCENARIO).unwrap();
    let out = scenarios.join("report");
    let emulator = serve_and_wait(VPCD_ADDR, READER, &["--test-control"]);
    let mut command = run_through_reader(
        &out,
        &[scenarios.as_path(), "scenarios/card/select".as_ref()],
    );
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        interrupt(emulator);
    });
    let run = run_with_watchdog(&mut command, HANG);
    interrupter.join().unwrap();
    assert_eq!(
        run.status.code(),
        Some(3),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stdout.contains("panicked") && !run.stderr.contains("panicked"));
    let all = verdicts(&read_report(&out));
    let selects = std::fs::read_dir(pcsc_support::root().join("scenarios/card/select"))
        .unwrap()
        .count();
    assert_eq!(
        all.len(),
        1 + selects,
        "the run went on: {all:#?}\nstderr:\n{}",
        run.stderr
    );
    let (id, verdict, message) = &all[0];
    assert_eq!(id, "card.aaa.slow-signatures");
    assert_eq!(verdict, "error", "{message}");
    assert!(
        all.iter().all(|(_, v, _)| v == "error" || v == "pass"),
        "{all:#?}"
    );
    all
}

fn killing_the_emulator_mid_run_gives_errors_and_exit_3() {
    // Pull the card out (kill the emulator) while the slow scenario runs.
    let all = interrupted_run("pcsc-pulled", |mut emulator| emulator.kill());
    assert!(all[0].2.contains("card removed"), "{}", all[0].2);
}

/// Runs `.ci/pcscd.sh ACTION` (start/stop); panics with its output on failure.
fn pcscd(action: &str) {
    let out = std::process::Command::new("bash")
        .arg(pcsc_support::root().join(".ci/pcscd.sh"))
        .arg(action)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pcscd.sh {action}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stopping_pcscd_mid_run_gives_errors_and_exit_3() {
    let outcome = std::panic::catch_unwind(|| {
        interrupted_run("pcscd-stopped", |emulator| {
            pcscd("stop");
            drop(emulator);
        })
    });
    // Leave the machine as we found it for the tests that follow.
    pcscd("start");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// `emu serve --commands`: `remove` pulls the card out of the reader,
/// `insert hanako` puts a fresh card of another persona in, `quit` ends.
fn commands_pull_the_card_and_insert_another_persona() {
    use std::io::Write;
    use std::process::Stdio;
    // Restarted until vpcd takes the card, as `serve_and_wait` does.
    let mut guard = pcsc_support::spawn_until_card(READER, || {
        pcsc_support::ChildGuard(
            myna()
                .args([
                    "emu",
                    "serve",
                    "--vpcd",
                    VPCD_ADDR,
                    "--persona",
                    "taro",
                    "--quiet",
                    "--commands",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    });
    let mut stdin = guard.0.stdin.take().unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        writeln!(stdin, "remove").unwrap();
        wait_for_no_card(READER);
        writeln!(stdin, "insert hanako").unwrap();
        pcsc_support::card_shows_up(READER, Duration::from_secs(20)).unwrap();
        // The card in the reader is now hanako's: her persona's scenarios run.
        let out = temp_dir("pcsc-commands");
        let run = run_with_watchdog(
            myna()
                .args([
                    "run",
                    "--no-progress",
                    "--card",
                    &format!("pcsc:{READER}"),
                    "--persona",
                    "hanako",
                ])
                .arg("--out")
                .arg(&out)
                .arg("scenarios/card/select/jpki.yaml"),
            HANG,
        );
        assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
        writeln!(stdin, "quit").unwrap();
    }));
    drop(stdin);
    let status = guard.0.wait().unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    assert!(status.success(), "emu serve --commands exits 0 on quit");
}
