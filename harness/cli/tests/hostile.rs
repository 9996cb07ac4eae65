//! Hostile input (issue 9): includes confined to the include root, files
//! that are not fragments rejected without quoting them, FIFOs and devices
//! never opened, control-API overflow blamed on the author. Every malformed
//! file gives exit 2 with a location, within a bound, with no hang.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

mod common;
use common::{myna_bounded, root};

/// No command of this file may take longer (a hang fails, it does not block).
const BOUND: Duration = Duration::from_secs(30);

/// Runs the binary, killing it if it outlives [`BOUND`].
fn myna(args: &[&str]) -> Output {
    myna_bounded(args, BOUND)
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh directory with `scenario.yaml` including `include`.
fn tree(name: &str, include: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("fragments")).unwrap();
    std::fs::write(
        dir.join("scenario.yaml"),
        format!(
            "id: card.hostile.{name}\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - include: {include}\n  - power: on\n"
        ),
    )
    .unwrap();
    dir
}

fn check(dir: &Path, root_arg: Option<&Path>) -> Output {
    let scenario = dir.join("scenario.yaml");
    let include_root = root_arg.unwrap_or(dir);
    myna(&[
        "check",
        "--include-root",
        include_root.to_str().unwrap(),
        scenario.to_str().unwrap(),
    ])
}

/// Exit 2, and the error located at the include (line 5, column 14).
fn assert_refused_at_the_include(out: &Output, dir: &Path, why: &str) -> String {
    let text = all_output(out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let at = format!("{}:5:14", dir.join("scenario.yaml").display());
    assert!(text.contains(&at), "not located at {at}: {text}");
    assert!(text.contains(why), "expected `{why}` in: {text}");
    text
}

#[test]
fn a_valid_include_inside_the_root_is_read() {
    let dir = tree("valid", "fragments/ok.yaml");
    std::fs::write(dir.join("fragments/ok.yaml"), "steps:\n  - power: off\n").unwrap();
    let out = check(&dir, None);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
}

#[test]
fn dot_dot_and_absolute_includes_are_refused_without_reading() {
    let dir = tree("dotdot", "../../../../../../../../etc/passwd");
    let text = assert_refused_at_the_include(&check(&dir, None), &dir, "outside the include root");
    assert!(!text.contains("root:"), "{text}");
    let dir = tree("absolute", "/etc/passwd");
    let text =
        assert_refused_at_the_include(&check(&dir, None), &dir, "relative to the including file");
    assert!(!text.contains("root:"), "{text}");
}

#[test]
fn a_symlink_out_of_the_root_is_refused() {
    let dir = tree("symlink", "fragments/link.yaml");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("fragments/link.yaml")).unwrap();
    let text = assert_refused_at_the_include(&check(&dir, None), &dir, "outside the include root");
    assert!(!text.contains("root:"), "{text}");
}

#[test]
fn a_file_that_is_not_a_fragment_is_not_quoted() {
    // The persona file holds every PIN of the persona: with the root wide
    // enough to reach it, it is still refused whole, and nothing of it shows.
    let persona = root().join("vectors/personas/taro/persona.yaml");
    let dir = tree("persona", "replaced-below.yaml");
    let relative = pathdiff(&persona, &dir);
    std::fs::write(
        dir.join("scenario.yaml"),
        format!(
            "id: card.hostile.persona\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - include: {relative}\n  - power: on\n"
        ),
    )
    .unwrap();
    let out = check(&dir, Some(Path::new("/")));
    let text = assert_refused_at_the_include(&out, &dir, "which is not one");
    for secret in ["4826", "TAROSIGN26", "7391", "5064"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // /etc/passwd the same way.
    let dir = tree(
        "passwd",
        &pathdiff(Path::new("/etc/passwd"), &std::env::temp_dir().join("x")),
    );
    let out = check(&dir, Some(Path::new("/")));
    let text = assert_refused_at_the_include(&out, &dir, "which is not one");
    assert!(!text.contains("root:"), "{text}");
}

#[test]
fn a_fifo_or_a_device_is_never_opened() {
    let dir = tree("fifo", "fragments/pipe.yaml");
    let status = Command::new("mkfifo")
        .arg(dir.join("fragments/pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_refused_at_the_include(&check(&dir, None), &dir, "not a regular file");
    let dir = tree("zero", "../../../../../../../../dev/zero");
    assert_refused_at_the_include(
        &check(&dir, Some(Path::new("/"))),
        &dir,
        "not a regular file",
    );
}

#[test]
fn an_oversize_fragment_is_refused() {
    let dir = tree("big", "fragments/big.yaml");
    let big = format!("steps:\n{}", "  - power: on\n".repeat(400_000));
    std::fs::write(dir.join("fragments/big.yaml"), big).unwrap();
    assert_refused_at_the_include(&check(&dir, None), &dir, "larger than");
}

/// `target` relative to the directory `from`.
fn pathdiff(target: &Path, from: &Path) -> String {
    let depth = from.components().count() - 1;
    let up = "../".repeat(depth + 4);
    format!("{up}{}", target.to_string_lossy().trim_start_matches('/'))
}

#[test]
fn a_clock_overflow_is_rejected_by_check_and_past_the_calendar_is_the_authors_error() {
    let fixture = "harness/cli/tests/fixtures/hostile/clock-overflow.yaml";
    let out = myna(&["check", fixture]);
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(&format!("{fixture}:8:24")), "{text}");

    let fixture = "harness/cli/tests/fixtures/hostile/clock-past-calendar.yaml";
    let out_dir = std::env::temp_dir().join(format!("myna-hostile-clock-{}", std::process::id()));
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        fixture,
    ]);
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(2), "not exit 2 (author): {text}");
    assert!(
        text.contains("the control API refused the command"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["scenarios"][0]["verdict"], "error");
    assert_eq!(report["scenarios"][0]["blame"], "author");
}

/// Every encoding of `secret` the issue names: ASCII, and the hex of its
/// bytes spaced or not, in either case.
fn encodings(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let upper: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let lower: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        secret.to_string(),
        upper.concat(),
        lower.concat(),
        upper.join(" "),
        lower.join(" "),
    ]
}

/// Every output of a `check` or `run`: console, and the report files.
fn outputs(out: &Output, out_dir: &Path) -> String {
    let mut all = all_output(out);
    for file in ["report.json", "summary.md", "junit.xml"] {
        if let Ok(text) = std::fs::read_to_string(out_dir.join(file)) {
            all.push_str(&text);
        }
    }
    all
}

fn assert_hidden(text: &str, secret: &str, case: &str) {
    for encoded in encodings(secret) {
        assert!(
            !text.contains(&encoded),
            "{case}: `{encoded}` (an encoding of the secret) is in the output:\n{text}"
        );
    }
}

/// PIN-shaped values (six digits, so they do not collide with line
/// numbers or counts) from a fixed-seed generator.
fn pins(n: usize) -> Vec<String> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            format!("{:06}", 100_000 + (state >> 33) % 900_000)
        })
        .collect()
}

/// The step shapes a PIN-shaped value is fed into: valid and invalid.
fn secret_steps(pin: &str) -> Vec<String> {
    let hex: String = pin.bytes().map(|b| format!("{b:02X}")).collect();
    let spaced: Vec<String> = pin.bytes().map(|b| format!("{b:02X}")).collect();
    let spaced = spaced.join(" ");
    vec![
        format!("  - verify: {pin}\n"),
        format!("  - verify: {{ pin: \"{pin}\" }}\n"),
        format!("  - verify: {{ pin: [{pin}] }}\n"),
        format!("  - verify: {{ pin: {{ v: {pin} }} }}\n"),
        format!("  - verify: {{ {pin}: 1 }}\n"),
        format!("  - change_pin: {{ new: \"{pin}\" }}\n"),
        format!("  - change_pin: {pin}\n"),
        format!("  - apdu: \"00 20 00 80 06 {spaced} ZZ\"\n"),
        format!("  - apdu: \"00200080 06{hex}0\"\n"),
        format!("  - verify: {{ pin: \"{pin}\" }}\n    expect: {{ sw: \"9000\" }}\n"),
    ]
}

#[test]
fn pin_shaped_values_never_reach_any_output_in_any_encoding() {
    let dir = std::env::temp_dir().join(format!("myna-hostile-pins-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, pin) in pins(3).iter().enumerate() {
        for (j, step) in secret_steps(pin).iter().enumerate() {
            let case = format!("pin {i} step {j}");
            let file = dir.join(format!("s{i}-{j}.yaml"));
            std::fs::write(
                &file,
                format!(
                    "id: card.hostile.pin-{i}-{j}\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - select: jpki\n  - select_ef: auth-pin\n{step}"
                ),
            )
            .unwrap();
            let out_dir = dir.join(format!("out-{i}-{j}"));
            let checked = myna(&[
                "check",
                "--include-root",
                dir.to_str().unwrap(),
                file.to_str().unwrap(),
            ]);
            assert_hidden(&all_output(&checked), pin, &format!("check {case}"));
            let run = myna(&[
                "run",
                "--no-progress",
                "--include-root",
                dir.to_str().unwrap(),
                "--out",
                out_dir.to_str().unwrap(),
                file.to_str().unwrap(),
            ]);
            assert_hidden(&outputs(&run, &out_dir), pin, &format!("run {case}"));
        }
    }
}

#[test]
fn a_comparison_with_a_secret_says_nothing_of_its_bytes_nor_where_it_differs() {
    // GET CHALLENGE answers random bytes; comparing them with the persona's
    // auth PIN used to print the first differing byte and its offset, from
    // which the PIN could be read off in about 100 runs (issue 9).
    let dir = std::env::temp_dir().join(format!("myna-hostile-cmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cmp.yaml");
    std::fs::write(
        &file,
        "id: card.hostile.cmp\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - select: jpki\n  - get_challenge: { le: 8 }\n    expect: { data: \"${persona.auth_pin}\" }\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let run = myna(&[
        "run",
        "--no-progress",
        "--include-root",
        dir.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let text = outputs(&run, &out_dir);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("a secret value"), "{text}");
    assert!(!text.contains("first difference"), "{text}");
    // taro's auth PIN (vectors/personas/taro/persona.yaml).
    assert_hidden(&text, "4826", "comparison");
    assert!(!text.contains("48 26") && !text.contains("4826"), "{text}");
}
