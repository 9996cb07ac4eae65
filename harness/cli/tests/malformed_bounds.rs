//! Malformed-file bounds (issue 9 "Done when"): each of about twenty
//! hostile scenario files gives exit 2 with a `file:line:col` location,
//! never hangs (the child is killed after `BOUND` and the test fails), and
//! the peak RSS of every child stays under `MAX_RSS_KB`, measured by
//! getrusage(RUSAGE_CHILDREN) — this file holds one test, so the maximum
//! over the children it waited for is the maximum of these runs. The time
//! each file took is printed (`--nocapture`), not asserted.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};

/// A run taking longer has hung: it is killed and the test fails.
const BOUND: Duration = Duration::from_secs(30);
/// 100 MB.
const MAX_RSS_KB: i64 = 100 * 1024;

mod common;
use common::root;

/// Runs `myna-conform check` on `file`, killing it after [`BOUND`].
fn check(file: &Path, include_root: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(["check", "--include-root"])
        .arg(include_root)
        .arg(file)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The pipes are drained on threads, so a child writing much never
    // blocks on them.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).map(|_| buf)
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} hung (killed after {BOUND:?})", file.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let output = Output {
        status,
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    };
    (output, took)
}

/// A hostile file: its name, and how to make it in `dir` (returning the
/// scenario to check).
struct Case {
    name: &'static str,
    make: fn(&Path) -> PathBuf,
}

const HEADER: &str = "id: card.hostile.bounds\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\n";

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A scenario whose only step includes `target`.
fn including(dir: &Path, target: &str) -> PathBuf {
    write(
        dir,
        "scenario.yaml",
        format!("{HEADER}steps:\n  - include: {target}\n  - power: on\n"),
    )
}

fn billion_laughs(dir: &Path) -> PathBuf {
    let mut text = format!("{HEADER}vars:\n  l0: &l0 \"lol\"\n");
    for level in 1..10 {
        let refs = vec![format!("*l{}", level - 1); 10].join(", ");
        writeln!(text, "  l{level}: &l{level} [{refs}]").unwrap();
    }
    text.push_str("steps:\n  - power: *l9\n");
    write(dir, "laughs.yaml", text)
}

fn include_chain(dir: &Path) -> PathBuf {
    for i in 0..200 {
        write(
            dir,
            &format!("f{i}.yaml"),
            format!("steps:\n  - include: f{}.yaml\n", i + 1),
        );
    }
    write(
        dir,
        "f200.yaml",
        "steps:\n  - power: on\n    repeat: 100000\n",
    );
    including(dir, "f0.yaml")
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "deep sequence nesting",
            make: |d| {
                write(
                    d,
                    "deep-seq.yaml",
                    format!("{HEADER}steps:\n  - power: {}\n", "[".repeat(100_000)),
                )
            },
        },
        Case {
            name: "deep map nesting",
            make: |d| {
                write(
                    d,
                    "deep-map.yaml",
                    format!("{HEADER}steps:\n  - power: {}\n", "{a: ".repeat(50_000)),
                )
            },
        },
        Case {
            name: "huge repeat",
            make: |d| {
                write(
                    d,
                    "repeat.yaml",
                    format!("{HEADER}steps:\n  - power: on\n    repeat: 4000000000\n"),
                )
            },
        },
        Case {
            name: "repeat of repeated includes",
            make: |d| {
                write(
                    d,
                    "many.yaml",
                    format!(
                        "steps:\n{}",
                        "  - power: on\n    repeat: 100000\n".repeat(100)
                    ),
                );
                write(
                    d,
                    "repeat-include.yaml",
                    format!("{HEADER}steps:\n{}", "  - include: many.yaml\n".repeat(100)),
                )
            },
        },
        Case {
            name: "a 4 MB line",
            make: |d| {
                write(
                    d,
                    "long-line.yaml",
                    format!("{HEADER}steps:\n  - apdu: \"{}\"\n", "00".repeat(2 << 20)),
                )
            },
        },
        Case {
            name: "billion laughs",
            make: billion_laughs,
        },
        Case {
            name: "binary",
            make: |d| {
                write(
                    d,
                    "binary.yaml",
                    (0..=255u8).cycle().take(64 * 1024).collect::<Vec<u8>>(),
                )
            },
        },
        Case {
            name: "invalid UTF-8",
            make: |d| {
                write(
                    d,
                    "invalid-utf8.yaml",
                    [HEADER.as_bytes(), b"steps:\n  - power: \xff\xfe\xc0\n"].concat(),
                )
            },
        },
        Case {
            name: "FIFO include",
            make: |d| {
                let status = Command::new("mkfifo")
                    .arg(d.join("pipe.yaml"))
                    .status()
                    .unwrap();
                assert!(status.success());
                including(d, "pipe.yaml")
            },
        },
        Case {
            name: "/dev/zero include",
            make: |d| {
                including(
                    d,
                    &format!("{}dev/zero", "../".repeat(d.components().count() + 2)),
                )
            },
        },
        Case {
            name: "symlink out of the root",
            make: |d| {
                std::os::unix::fs::symlink("/etc/passwd", d.join("link.yaml")).unwrap();
                including(d, "link.yaml")
            },
        },
        Case {
            name: "dot-dot include",
            make: |d| including(d, "../../../../../../../../etc/passwd"),
        },
        Case {
            name: "absolute include",
            make: |d| including(d, "/etc/passwd"),
        },
        Case {
            name: "self include",
            make: |d| including(d, "scenario.yaml"),
        },
        Case {
            name: "a chain of 200 includes",
            make: include_chain,
        },
        Case {
            name: "oversize fragment",
            make: |d| {
                write(
                    d,
                    "big.yaml",
                    format!("steps:\n{}", "  - power: on\n".repeat(400_000)),
                );
                including(d, "big.yaml")
            },
        },
        Case {
            name: "4 MiB of steps (the size cap)",
            make: |d| {
                write(
                    d,
                    "steps.yaml",
                    format!(
                        "{HEADER}steps:\n{}",
                        "  - power: on\n".repeat(((4 << 20) - 200) / 14)
                    ),
                )
            },
        },
        Case {
            name: "empty file",
            make: |d| write(d, "empty.yaml", ""),
        },
        Case {
            name: "unterminated string",
            make: |d| {
                write(
                    d,
                    "unterminated.yaml",
                    format!(
                        "{HEADER}steps:\n  - apdu: \"00 A4 {}",
                        "04 ".repeat(100_000)
                    ),
                )
            },
        },
        Case {
            name: "undefined alias",
            make: |d| {
                write(
                    d,
                    "alias.yaml",
                    format!("{HEADER}steps:\n  - power: *nowhere\n"),
                )
            },
        },
        Case {
            name: "50 000 unknown keys",
            make: |d| {
                write(
                    d,
                    "unknown.yaml",
                    format!(
                        "{HEADER}steps:\n{}",
                        (0..50_000)
                            .map(|i| format!("  - nosuch{i}: 1\n"))
                            .collect::<String>()
                    ),
                )
            },
        },
        Case {
            name: "a variable chain of 10 000",
            make: |d| {
                let vars: String = (0..10_000)
                    .map(|i| format!("  v{}: \"${{v{i}}}\"\n", i + 1))
                    .collect();
                write(
                    d,
                    "vars.yaml",
                    format!(
                        "{HEADER}vars:\n{vars}steps:\n  - apdu: \"${{v10000}}\"\n  - power: [\n"
                    ),
                )
            },
        },
    ]
}

fn peak_rss_kb() -> i64 {
    getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss()
}

#[test]
fn every_malformed_file_is_a_located_exit_2_within_bounds() {
    let base = std::env::temp_dir().join(format!("myna-bounds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut failures = Vec::new();
    let mut table = String::from("| file | exit | time | peak RSS so far |\n|---|---|---|---|\n");
    let cases = cases();
    assert!(cases.len() >= 20);
    for (i, case) in cases.iter().enumerate() {
        let dir = base.join(format!("case-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = (case.make)(&dir);
        let (out, took) = check(&file, &dir);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let rss = peak_rss_kb();
        writeln!(
            table,
            "| {} | {:?} | {:.3} s | {} KB |",
            case.name,
            out.status.code(),
            took.as_secs_f64(),
            rss
        )
        .unwrap();
        let shown = text.chars().take(400).collect::<String>();
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{}: exit {:?}: {shown}",
                case.name,
                out.status.code()
            ));
        }
        if !located(&text) {
            failures.push(format!("{}: no file:line:col location: {shown}", case.name));
        }
        if rss >= MAX_RSS_KB {
            failures.push(format!("{}: peak RSS {rss} KB", case.name));
        }
        if text.contains("root:") {
            failures.push(format!("{}: quoted /etc/passwd: {shown}", case.name));
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}\n{table}", failures.join("\n"));
}

/// Some `….yaml:LINE:COL` in the output.
fn located(text: &str) -> bool {
    text.split(".yaml:").skip(1).any(|rest| {
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or("");
        let col: String = parts
            .next()
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) && !col.is_empty()
    })
}
