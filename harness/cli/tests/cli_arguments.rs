//! Typed arguments on the command line (issue 13): each target spec, date,
//! shard and duration is refused as it is parsed, exit 2 naming the option
//! and what was expected, before anything runs or is written; a profile's
//! value goes through the same parser. Also the findings about `bench
//! lookup` and `RUST_LOG`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{myna, myna_in, root, text};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-args-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bad_value_is_a_usage_error_naming_the_option_before_anything_runs() {
    let never = std::env::temp_dir().join(format!("myna-args-never-{}", std::process::id()));
    let out = never.to_str().unwrap();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["run", "--card", "emulator"],
            "--card",
            "expected `emu`, `pcsc[:READER NAME]` or `vpcd[:PORT]`, found \"emulator\"",
        ),
        (
            &["run", "--oqs", "ftp://h"],
            "--oqs",
            "expected an http:// or https:// URL, found \"ftp://h\"; or `builtin`",
        ),
        (
            &["run", "--portal", "localhost:8090"],
            "--portal",
            "(with the scheme: http://localhost:8090)",
        ),
        (
            &["run", "--reader", "127.0.0.1:7400"],
            "--reader",
            "(with the scheme: tcp://127.0.0.1:7400)",
        ),
        (
            &["run", "--reader", "tcp://h:99999"],
            "--reader",
            "expected a port number 1-65535 in \"tcp://h:99999\", found \"99999\"",
        ),
        (
            &["run", "--rules", "2026-02-30"],
            "--rules",
            "2026-02-30 is not a date: February 2026 has 28 days",
        ),
        (
            &["run", "--shard", "5/4"],
            "--shard",
            "expected 1 ≤ K ≤ N, found 5/4",
        ),
        (
            &["list", "--shard", "0/3"],
            "--shard",
            "expected 1 ≤ K ≤ N, found 0/3",
        ),
        (
            &["run", "--card-timeout", "0"],
            "--card-timeout",
            "expected a positive duration, found \"0\"",
        ),
        (
            &[
                "bench",
                "lookup",
                "--oqs",
                "http://127.0.0.1:1",
                "--duration",
                "5h",
            ],
            "--duration",
            "expected a unit ms, s or m in \"5h\", found \"h\"",
        ),
        (
            &["bench", "lookup", "--oqs", "127.0.0.1:1"],
            "--oqs",
            "expected an http:// or https:// URL",
        ),
        (
            &["oqs", "serve", "--listen", "localhost:8080"],
            "--listen",
            "expected IP:PORT",
        ),
        (
            &["reader", "serve", "--card", "pcsc:"],
            "--card",
            "expected a reader name after `pcsc:`",
        ),
        (
            &["fuzz", "--family", "reader", "--reader", "builtin:1"],
            "--reader",
            "expected `builtin` or tcp://HOST:PORT",
        ),
        (
            &["fuzz", "--family", "phone"],
            "--family",
            "[possible values: reader, card]",
        ),
    ];
    for (args, option, message) in cases {
        let mut args = args.to_vec();
        if args[0] == "run" {
            args.extend(["--out", out]);
        }
        let output = myna(&args);
        let err = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(option), "{args:?} names {option}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert!(!never.exists(), "nothing was written");
}

#[test]
fn a_profile_value_goes_through_the_same_parser() {
    let dir = temp_dir("profile");
    std::fs::write(
        dir.join("myna-conform.toml"),
        "[profile.default]\nrules = \"2026-02-30\"\n\n[profile.t]\ncard-timeout = 0\n",
    )
    .unwrap();
    let out = myna_in(&dir, &["list"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("February 2026 has 28 days"), "{err}");
    std::fs::write(
        dir.join("myna-conform.toml"),
        "[profile.t]\ncard-timeout = 0\n",
    )
    .unwrap();
    let out = myna_in(
        &dir,
        &[
            "--profile",
            "t",
            "run",
            "--out",
            dir.join("o").to_str().unwrap(),
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--card-timeout"), "{err}");
    assert!(!dir.join("o").exists());
}

#[test]
fn bench_lookup_with_every_request_failing_is_exit_3_without_percentiles() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("bench");
    let out = myna(&[
        "bench",
        "lookup",
        "--oqs",
        &format!("http://127.0.0.1:{port}"),
        "--rate",
        "20",
        "--duration",
        "200ms",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(!all.contains("p50"), "no latency of failures: {all}");
}

#[test]
fn rust_log_turns_on_the_harness_log() {
    let dir = temp_dir("log");
    let args = [
        "run",
        "--no-progress",
        "--filter",
        "card.common.change-key",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/card",
    ];
    let plain = myna(&args);
    assert_eq!(plain.status.code(), Some(0));
    assert!(!text(&plain.stderr).contains("not set up nor probed"));
    let logged = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(args)
        .current_dir(root())
        .env("RUST_LOG", "myna_conform=debug")
        .output()
        .unwrap();
    let err = text(&logged.stderr);
    assert_eq!(logged.status.code(), Some(0), "{err}");
    assert!(
        err.contains("--oqs: not set up nor probed (no selected scenario uses it)"),
        "{err}"
    );
}
