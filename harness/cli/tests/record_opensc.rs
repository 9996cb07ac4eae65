//! Record and replay: an OpenSC session (pkcs15-tool) against the
//! in-process emulator is recorded through pcscd and vpcd, then replayed
//! in-process with `myna-conform run FILE`; the file holds no secret.
//!
//! Needs pcscd with vsmartcard-vpcd and OpenSC (`bash .ci/pcscd.sh`);
//! without them the test prints why and passes, unless `CI=true`.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::process::{Command, Stdio};
use std::time::Duration;

use pcsc_support::{
    claim_readers, installed, myna, pcscd_ready, persona_value, read_report, run_with_watchdog,
    skip, spawn_until_card, stop_recording, temp_dir, verdicts, wait_for_no_card, ChildGuard,
    READER, VPCD_ADDR,
};

const LIMIT: Duration = Duration::from_secs(120);

fn pkcs15(args: &[&str]) {
    let mut command = Command::new("pkcs15-tool");
    command.args(["--reader", "0"]).args(args);
    let run = run_with_watchdog(&mut command, LIMIT);
    assert!(
        run.status.success(),
        "pkcs15-tool failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// Every way a secret could be spelled in the file: as text, and as the
/// hex of its ASCII bytes (spaced or not).
fn spellings(value: &str) -> Vec<String> {
    let bytes = value.as_bytes();
    let spaced: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    vec![value.to_owned(), spaced.join(" "), spaced.concat()]
}

#[test]
fn a_recorded_opensc_session_replays_in_process_without_secrets() {
    let _slot = claim_readers();
    if !installed("pkcs15-tool") {
        return skip("pkcs15-tool not installed (apt-get install opensc)");
    }
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let dir = temp_dir("record");
    let file = dir.join("opensc.yaml");
    let mut recorder = spawn_until_card(READER, || {
        let child = myna()
            .args([
                "record",
                "--card",
                "emu",
                "--persona",
                "taro",
                "--vpcd",
                VPCD_ADDR,
            ])
            .args(["--name", "opensc", "--out"])
            .arg(&file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        ChildGuard(child)
    });

    pkcs15(&["--list-certificates"]);
    pkcs15(&["--read-certificate", "01"]);
    let sign_password = persona_value("taro", "sign_password");
    pkcs15(&[
        "--read-certificate",
        "02",
        "--auth-id",
        "02",
        "--verify-pin",
        "--pin",
        &sign_password,
    ]);

    let status = stop_recording(&mut recorder, LIMIT);
    assert!(status.success(), "record failed: {status}");

    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(yaml.contains("id: card.recorded.opensc"), "{yaml}");
    assert!(yaml.contains("verify: { pin: \"${persona.sign_password}\" }"));
    let root = pcsc_support::root().join("vectors/personas");
    let persona = myna_card_emu::persona::Persona::load_named(&root, "taro").unwrap();
    for secret in persona.variables().into_iter().filter(|v| v.secret) {
        for spelling in spellings(&secret.value) {
            assert!(
                !yaml.contains(&spelling),
                "the recording contains persona secret `{}`",
                secret.name
            );
        }
    }

    // Replay in-process.
    let out = dir.join("report");
    let replay = run_with_watchdog(
        myna()
            .args(["run", "--no-progress", "--out"])
            .arg(&out)
            .arg(&file),
        LIMIT,
    );
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}\n{}",
        replay.stdout,
        replay.stderr
    );
    let all = verdicts(&read_report(&out));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1, "pass", "{all:?}");
    drop(recorder);
    let _ = std::fs::remove_dir_all(&dir);
}
