//! Secrets never leave (issue 9 item 2): PIN-shaped values — 4-digit PINs,
//! 6–16 character passwords, 12-digit 照合番号 — fed into every secret
//! field of random scenarios of every family (card, oqs, reader, portal),
//! valid and invalid, through `check`, `run` and `run -vv`; no console
//! line, diagnostic, evidence, report.json, junit.xml, summary.md or
//! report.html contains one in any encoding (ASCII standing on its own,
//! the hex of its bytes spaced or not, either case). The generator is
//! proptest's, with a fixed seed, so a failure reproduces.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// No command of this file may take longer (a hang fails, it does not block).
const BOUND: Duration = Duration::from_secs(60);

/// Runs the binary, killing it if it outlives [`BOUND`].
fn myna(args: &[&str]) -> Output {
    myna_bounded(args, BOUND)
}

mod common;
use common::myna_bounded;

/// A secret value of one of the shapes the issue names.
fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        // 4-digit PINs, not a year 1900–2099 (dates are in every report).
        "[3-8][0-9]{3}",
        // 署名用パスワード: 6–16 upper-case letters and digits.
        "[A-Z][A-Z0-9]{5,15}",
        // 照合番号A (the 12 digits of a My Number).
        "[3-8][0-9]{11}",
    ]
}

/// A scenario of `family` with `value` in one of its secret fields
/// (`template` picks which, valid or not).
fn scenario(family: usize, template: usize, value: &str) -> String {
    let var = format!("vars:\n  s: {{ value: \"{value}\", secret: true }}\n");
    let (id, head, steps): (&str, String, Vec<String>) = match family {
        0 => (
            "card.hostile.secret\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]",
            String::new(),
            vec![
                format!("  - select: jpki\n  - select_ef: auth-pin\n  - verify: {{ pin: \"{value}\" }}\n"),
                format!("  - select: jpki\n  - select_ef: auth-pin\n  - verify: {value}\n"),
                format!("  - select: jpki\n  - select_ef: sign-pin\n  - verify: {{ pin: [\"{value}\"] }}\n"),
                format!("  - select: jpki\n  - select_ef: auth-pin\n  - change_pin: {{ new: \"{value}\" }}\n"),
                format!("  - select: jpki\n  - get_challenge: {{ le: 8 }}\n    expect: {{ data: \"${{s}}\" }}\n"),
                format!("  - select: text\n  - verify: {{ pin: \"{value}\", {value}: 1 }}\n"),
                // Every instruction whose data is a PIN, sent raw (the
                // evidence masks them by card-emu's SECRET_DATA table).
                format!("  - select: jpki\n  - select_ef: auth-pin\n  - apdu: \"00 {} 00 80 {:02X} {}\"\n", pin_instruction(value), value.len(), hex(value)),
            ],
        ),
        1 => (
            "oqs.hostile.secret\ntitle: t\nrequirements: [OQS-CODES-CONFIGURABLE]",
            var.clone(),
            vec![
                "  - lookup: { serial: \"${s}\" }\n".to_owned(),
                "  - lookup: { serial: \"1A0002\" }\n    expect: { error_code: \"${s}\" }\n".to_owned(),
                "  - lookup: { serial: \"${s}\" }\n    expect: { segment: \"${s}\" }\n".to_owned(),
                // The secret value typed again where no field is secret.
                format!("  - lookup: {{ serial: \"${{s}}\", {value}: 1 }}\n"),
            ],
        ),
        2 => (
            "reader.hostile.secret\ntitle: t\nrequirements: [READER-FACE-AUTH]",
            String::new(),
            vec![
                format!("  - place_card: my_number\n  - choose_method: pin\n  - enter_pin: \"{value}\"\n"),
                format!("  - enter_pin: \"{value}\"\n    expect: {{ screen: pin_entry }}\n"),
                format!("  - place_card: my_number\n  - choose_method: pin\n  - enter_pin: {{ {value}: 1 }}\n"),
                format!("  - place_card: my_number\n  - choose_method: pin\n  - enter_pin: [{value}]\n"),
            ],
        ),
        _ => (
            "portal.hostile.secret\ntitle: t\nrequirements: [PORTAL-LOGIN-PIN-LOCK]",
            String::new(),
            vec![
                format!("  - login: {{ pin: \"{value}\" }}\n"),
                format!("  - login: {{ pin: \"{value}\" }}\n    expect: {{ outcome: logged_in }}\n"),
                format!("  - login: {{ pin: [\"{value}\"] }}\n"),
                format!("  - login: {{ pin: {{ {value}: 1 }} }}\n"),
            ],
        ),
    };
    let step = steps
        .get(template % steps.len())
        .cloned()
        .unwrap_or_default();
    format!("id: {id}\n{head}steps:\n{step}")
}

/// The hex of `value`'s bytes, spaced.
fn hex(value: &str) -> String {
    value
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One of the instructions whose data field carries a PIN (ISO/IEC 7816-4
/// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, ENABLE/DISABLE
/// VERIFICATION REQUIREMENT, each even and odd; JICSAP CHANGE KEY), picked
/// by the value.
fn pin_instruction(value: &str) -> &'static str {
    const PIN_INSTRUCTIONS: [&str; 11] = [
        "20", "21", "24", "25", "26", "27", "28", "29", "2C", "2D", "32",
    ];
    let pick = value.bytes().map(usize::from).sum::<usize>() % PIN_INSTRUCTIONS.len();
    PIN_INSTRUCTIONS.get(pick).copied().unwrap_or("20")
}

/// Every encoding of `secret`: its ASCII, and the hex of its bytes spaced
/// or not, in either case.
fn hex_forms(secret: &str) -> Vec<String> {
    let upper: Vec<String> = secret.bytes().map(|b| format!("{b:02X}")).collect();
    let lower: Vec<String> = secret.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        upper.concat(),
        lower.concat(),
        upper.join(" "),
        lower.join(" "),
    ]
}

/// `secret` standing on its own in `text` (not inside a longer run of
/// letters, digits or a decimal number, and not a bare JSON number).
fn ascii_leak(text: &str, secret: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'.';
    for (at, _) in text.match_indices(secret) {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
        let after = bytes.get(at + secret.len()).copied();
        if before.is_some_and(word) || after.is_some_and(word) {
            continue;
        }
        let json_number =
            matches!(before, Some(b':' | b',' | b'[')) && matches!(after, Some(b',' | b']' | b'}'));
        if json_number {
            continue;
        }
        let start = at.saturating_sub(60);
        return Some(
            String::from_utf8_lossy(&bytes[start..(at + secret.len() + 60).min(bytes.len())])
                .into_owned(),
        );
    }
    None
}

fn assert_hidden(what: &str, text: &str, secret: &str) {
    if let Some(context) = ascii_leak(text, secret) {
        panic!("{what}: the secret `{secret}` is in the output: …{context}…");
    }
    for form in hex_forms(secret) {
        assert!(
            !text.contains(&form),
            "{what}: the hex `{form}` of the secret `{secret}` is in the output"
        );
    }
}

/// Every output of a command: its console, and the report files it wrote.
fn outputs(out: &Output, dir: &Path) -> Vec<(String, String)> {
    let mut all = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for file in ["report.json", "junit.xml", "summary.md", "report.html"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            all.push((file.to_owned(), text));
        }
    }
    all
}

/// Runs one case; whether `run` got as far as writing reports.
fn case(n: usize, family: usize, template: usize, value: &str) -> bool {
    let dir = std::env::temp_dir().join(format!("myna-secrets-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.yaml");
    std::fs::write(&file, scenario(family, template, value)).unwrap();
    let file = file.to_str().unwrap();
    let include_root = dir.to_str().unwrap();
    let out_dir = dir.join("out");
    let out = out_dir.to_str().unwrap();
    let runs: [(&str, Vec<&str>); 3] = [
        ("check", vec!["check", "--include-root", include_root, file]),
        (
            "run",
            vec![
                "run",
                "--no-progress",
                "--include-root",
                include_root,
                "--out",
                out,
                file,
            ],
        ),
        (
            "run -vv",
            vec![
                "run",
                "-vv",
                "--no-progress",
                "--include-root",
                include_root,
                "--out",
                out,
                file,
            ],
        ),
    ];
    let mut reported = false;
    for (what, args) in runs {
        let _ = std::fs::remove_dir_all(&out_dir);
        let result = myna(&args);
        let code = result.status.code();
        let written = out_dir.join("report.json").exists();
        reported |= what != "check" && written;
        let ran = what == "check" || written || code == Some(2);
        assert!(
            ran,
            "{what}: no report.json: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(
            matches!(code, Some(0..=3)),
            "{what} of family {family} template {template}: exit {code:?}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        for (name, text) in outputs(&result, &out_dir) {
            assert_hidden(
                &format!("{what} (family {family}, template {template}) {name}"),
                &text,
                value,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    reported
}

fn property(family: usize, cases: u32) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let n = std::sync::atomic::AtomicUsize::new(0);
    let reported = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&(0..16usize, secret()), |(template, value)| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if case(i + 100 * family, family, template, &value) {
            reported.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Valid cases ran through to their reports (not only load errors).
    let reported = reported.into_inner();
    assert!(reported > 0, "family {family}: no case ran to a report");
    println!("family {family}: {reported} of {cases} cases ran to a report");
}

#[test]
fn card_secrets_never_leave() {
    property(0, 24);
}

#[test]
fn oqs_secrets_never_leave() {
    property(1, 8);
}

#[test]
fn reader_secrets_never_leave() {
    property(2, 6);
}

#[test]
fn portal_secrets_never_leave() {
    property(3, 6);
}
