//! Hostile input (issue 9): includes confined to the include root, files
//! that are not fragments rejected without quoting them, FIFOs and devices
//! never opened, control-API overflow blamed on the author. Every malformed
//! file gives exit 2 with a location, within a bound, with no hang.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// No command of this file may take longer (a hang fails, it does not block).
const BOUND: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// Runs the binary, killing it if it outlives [`BOUND`].
fn myna(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "myna-conform {args:?} hung (killed after {BOUND:?}); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
