//! The CLI against its users' habits (issue 13): a closed pipe, completions
//! and the man page, typed arguments.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

mod common;
use common::{myna, myna_in, root, text};

/// The reader of standard output is gone before anything is written (as
/// with `| head -1` once head has its line): a quiet exit 0, no panic.
#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    for args in [
        &["schema"][..],
        &["list"][..],
        &["list", "--requirements"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_argument_definitions() {
    let bash = myna(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    assert!(script.contains("myna-conform"), "{script}");
    // Options of subcommands are completed too.
    assert!(
        script.contains("--expectations"),
        "no run options completed"
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = myna(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(!out.stdout.is_empty(), "{shell}");
    }
    assert_eq!(myna(&["completions", "tcsh"]).status.code(), Some(2));
    let man = myna(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = text(&man.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH"), "not roff");
    assert!(page.contains("myna\\-conform\\-run") || page.contains("myna-conform-run"));
    assert!(page.contains("expectations"), "run options in the page");
}

#[test]
fn a_date_that_does_not_exist_is_refused() {
    for date in ["2026-02-30", "2024-13-01", "24-10-07"] {
        let out = myna(&[
            "run",
            "--rules",
            date,
            "--out",
            "/nonexistent/never-written",
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{date}: {err}");
        assert!(err.contains("--rules"), "{date}: {err}");
        assert!(err.contains("date"), "{date}: {err}");
    }
}

#[test]
fn tags_with_spaces_select_each_tag() {
    let out_dir = std::env::temp_dir().join(format!("myna-tags-{}", std::process::id()));
    let out = myna(&[
        "run",
        "--no-progress",
        "--tags",
        "oqs , insurance-card",
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    let ids: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"oqs.insurance-card.lookup"), "{ids:?}");
    let _ = std::fs::remove_dir_all(&out_dir);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-habits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn selections_that_run_nothing_are_bad_input() {
    let empty = temp_dir("empty");
    let out_dir = temp_dir("empty-out");
    for command in ["run", "check"] {
        let mut args = vec![command, empty.to_str().unwrap()];
        if command == "run" {
            args.extend(["--out", out_dir.to_str().unwrap()]);
        }
        let out = myna(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("no scenario file in"), "{command}: {err}");
    }
    // A tag no scenario carries is named, with a suggestion.
    let out = myna(&[
        "run",
        "--tags",
        "insurance-crd",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `insurance-card`"), "{err}");
    // An empty shard is fine: exit 0.
    let out = myna(&[
        "run",
        "--no-progress",
        "--filter",
        "oqs.insurance-card.lookup",
        "--shard",
        "1/1000",
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    // Either shard 1 holds it (it runs and passes) or it is empty: both exit 0.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_expectation_that_matches_nothing_is_located_bad_input() {
    let dir = temp_dir("expect");
    let file = dir.join("expectations.yaml");
    std::fs::write(
        &file,
        "- id: card.jpki.auth-pin.lockot\n  reason: locks our only test card\n  verdict: skip\n",
    )
    .unwrap();
    let out = myna(&[
        "run",
        "--expectations",
        file.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
        "scenarios/card",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("expectations.yaml:1:"), "located: {err}");
    assert!(err.contains("card.jpki.auth-pin.lockot"), "{err}");
    // Nothing ran, and the report says so (issue 12: a report on every exit).
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("out").join("report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["run_info"]["status"], "aborted", "nothing ran");
    assert_eq!(report["scenarios"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_persona_with_the_emulator_is_refused_not_ignored() {
    let dir = temp_dir("persona");
    let out = myna(&["run", "--persona", "nobody", "--out", dir.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--persona"), "{err}");
}

#[test]
fn record_without_vpcd_writes_nothing_and_exits_3() {
    let dir = temp_dir("record");
    let file = dir.join("recorded.yaml");
    // A port nothing listens on: vpcd is not there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let vpcd = format!("127.0.0.1:{port}");
    let out = myna(&[
        "record",
        "--vpcd",
        &vpcd,
        "--seconds",
        "1",
        "--out",
        file.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("never accepted"), "{err}");
    assert!(!file.exists(), "no file written");
}

#[test]
fn check_works_from_any_directory_inside_the_checkout() {
    for dir in ["scenarios/card", "harness", "harness/cli/src", "docs"] {
        let out = myna_in(&root().join(dir), &["check"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "from {dir}: {err}");
        assert!(err.starts_with("ok: "), "from {dir}: {err}");
    }
    // Outside any checkout: one error naming the real flag, not hundreds.
    let outside = temp_dir("outside");
    let out = myna_in(&outside, &["check"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.lines().filter(|l| l.starts_with("error")).count() <= 2,
        "{err}"
    );
    assert!(
        err.contains("--personas") || err.contains("--catalogue"),
        "{err}"
    );
    assert!(!err.contains("--requirements FILE"), "{err}");
}

/// A copy of the checkout's scenarios, catalogue and personas under a temp
/// root with the given `myna-conform.toml`.
fn project_with_config(name: &str, config: &str) -> PathBuf {
    let dir = temp_dir(name);
    let copy = |from: &str| {
        let status = Command::new("cp")
            .args(["-r", root().join(from).to_str().unwrap()])
            .arg(dir.join(from).parent().unwrap())
            .status()
            .unwrap();
        assert!(status.success());
    };
    std::fs::create_dir_all(dir.join("vectors")).unwrap();
    copy("scenarios");
    copy("vectors/personas");
    std::fs::write(dir.join("myna-conform.toml"), config).unwrap();
    dir
}

#[test]
fn a_profile_sets_defaults_and_the_command_line_wins() {
    let dir = project_with_config(
        "profile",
        "[profile.default]\nout = \"reports/mine\"\n\
         [profile.oqs-only]\ntags = [\"insurance-card\"]\nno-progress = true\n",
    );
    let out = myna_in(
        &dir.join("scenarios"),
        &["--profile", "oqs-only", "run", "oqs"],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // `out` from [profile.default], relative to the root, not the cwd.
    let report = dir.join("reports/mine/report.json");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let scenarios = report["scenarios"].as_array().unwrap();
    assert!(!scenarios.is_empty());
    for s in scenarios {
        let tags = s["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "insurance-card"), "{s}");
    }
    // The command line wins over the profile.
    let other = dir.join("elsewhere");
    let out = myna_in(
        &dir,
        &[
            "--profile",
            "oqs-only",
            "run",
            "--out",
            other.to_str().unwrap(),
            "scenarios/oqs",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(other.join("report.json").exists());
    // A mistyped key or profile is bad input, located.
    std::fs::write(
        dir.join("myna-conform.toml"),
        "[profile.default]\nkard = \"emu\"\n",
    )
    .unwrap();
    let out = myna_in(&dir, &["check"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("myna-conform.toml:2:8"), "{err}");
    let out = myna_in(&dir, &["--profile", "nightly", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = temp_dir("colour");
    let run = |extra: &[&str], no_color: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_myna-conform"));
        cmd.current_dir(root()).args(extra).args([
            "run",
            "-v",
            "--no-progress",
            "--filter",
            "oqs.insurance-card.lookup",
            "--out",
            dir.to_str().unwrap(),
            "scenarios/oqs",
        ]);
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        text(&cmd.output().unwrap().stderr)
    };
    assert!(run(&["--color", "always"], None).contains("\u{1b}["));
    assert!(!run(&["--color", "never"], None).contains("\u{1b}["));
    // Not a terminal: auto means no colour.
    assert!(!run(&[], None).contains("\u{1b}["));
    assert!(!run(&["--color", "auto"], Some("1")).contains("\u{1b}["));
}

#[test]
fn verbosity_levels() {
    let dir = temp_dir("verbosity");
    let run = |flag: &str| {
        let out = myna(&[
            "run",
            flag,
            "--no-progress",
            "--filter",
            "card.common.",
            "--out",
            dir.to_str().unwrap(),
            "scenarios/card",
        ]);
        text(&out.stderr)
    };
    let quiet = run("-q");
    let normal = run("--color=never");
    let very = run("-vv");
    assert!(
        !quiet.contains("pass "),
        "-q lists no passing scenario: {quiet}"
    );
    assert!(quiet.contains("scenarios:"), "the summary stays: {quiet}");
    assert!(normal.contains("pass "), "{normal}");
    assert!(very.contains("[card]"), "-vv shows evidence: {very}");
    assert!(very.len() > normal.len());
}

fn lines(out: &Output) -> Vec<String> {
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn list_previews_the_selection_run_would_make() {
    let all = lines(&myna(&["list"]));
    let one = lines(&myna(&["list", "--filter", "oqs.insurance-card.lookup"]));
    assert_eq!(one, ["oqs.insurance-card.lookup"]);
    // --filter repeats: any of them.
    let two = lines(&myna(&[
        "list",
        "--filter",
        "oqs.insurance-card.lookup",
        "--filter",
        "card.common.change-key",
    ]));
    assert_eq!(two.len(), 2, "{two:?}");
    let tagged = lines(&myna(&["list", "--tags", "insurance-card"]));
    assert!(!tagged.is_empty() && tagged.len() < all.len());
    // Shards partition the list.
    let mut shards: Vec<String> = (1..=3)
        .flat_map(|k| lines(&myna(&["list", "--shard", &format!("{k}/3")])))
        .collect();
    shards.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(shards, sorted);
    // A filter that matches nothing: a suggestion, exit 2.
    let out = myna(&["list", "--filter", "oqs.insurance-card.lokup"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("did you mean `oqs.insurance-card.lookup`"),
        "{err}"
    );
}

/// A server process killed when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `oqs serve` on a free port (with `extra` options), once it accepts.
fn oqs_server(extra: &[&str]) -> (Server, u16) {
    let mut args = vec!["oqs", "serve"];
    args.extend(extra);
    server(&args)
}

/// `myna-conform <args> --listen 127.0.0.1:PORT` on a free port, once it accepts.
fn server(args: &[&str]) -> (Server, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(args)
        .args(["--listen", &listen])
        .current_dir(root())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(&listen).is_ok() {
            return (server, port);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{args:?} did not start on {listen}");
}

#[test]
fn the_eligibility_suite_runs_over_https_with_the_test_ca() {
    let (_server, port) = oqs_server(&TLS);
    let url = format!("https://127.0.0.1:{port}");
    let dir = temp_dir("https");
    let out = myna(&[
        "run",
        "--no-progress",
        "--oqs",
        &url,
        "--ca",
        "vectors/tls/ca-cert.pem",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert!(
        report["summary"]["pass"].as_u64().unwrap() > 10,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["not_applicable"].as_u64(), Some(0));
    // Without the test CA the certificate is not trusted: infrastructure.
    let out = myna(&[
        "run",
        "--oqs",
        &url,
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // A CA file that is not PEM is the user's mistake.
    let out = myna(&[
        "run",
        "--oqs",
        &url,
        "--ca",
        "README.md",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md"), "{err}");
}

/// `--tls-cert`/`--tls-key` of the committed test certificate.
const TLS: [&str; 4] = [
    "--tls-cert",
    "vectors/tls/server-cert.pem",
    "--tls-key",
    "vectors/tls/server-key.pem",
];

/// The portal suite over HTTPS: `oqs serve` and `portal serve` with the
/// committed test certificate (vectors/tls), the portal linked to the
/// eligibility service over HTTPS (`--oqs-ca`), and `run --portal https://…
/// --oqs https://… --ca vectors/tls/ca-cert.pem` passes every portal
/// scenario; without the test CA the portal is not trusted (exit 3), and a
/// certificate file that is not PEM is the user's mistake (exit 2).
#[test]
fn the_portal_suite_runs_over_https_with_the_test_ca() {
    let (_oqs, oqs_port) = oqs_server(&TLS);
    let oqs = format!("https://127.0.0.1:{oqs_port}");
    let mut portal_args = vec![
        "portal",
        "serve",
        "--oqs",
        &oqs,
        "--oqs-ca",
        "vectors/tls/ca-cert.pem",
    ];
    portal_args.extend(TLS);
    let (_portal, portal_port) = server(&portal_args);
    let portal = format!("https://127.0.0.1:{portal_port}");
    let dir = temp_dir("portal-https");
    let out = dir.to_str().unwrap();
    let run = |extra: &[&str], oqs: &str| {
        let mut args = vec![
            "run",
            "--no-progress",
            "--portal",
            &portal,
            "--oqs",
            oqs,
            "--out",
            out,
        ];
        args.extend(extra);
        args.push("scenarios/portal");
        myna(&args)
    };
    let passed = run(&["--ca", "vectors/tls/ca-cert.pem"], &oqs);
    let err = text(&passed.stderr);
    assert_eq!(passed.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert!(
        report["summary"]["pass"].as_u64().unwrap() >= 40,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["fail"].as_u64(), Some(0));
    let targets = report["run_info"]["targets"].to_string();
    assert!(targets.contains(&portal), "{targets}");
    // Without the test CA the portal's certificate is not trusted.
    let untrusted = run(&[], "builtin");
    let err = text(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(3), "{err}");
    assert!(err.contains(&portal), "{err}");
    // A CA file that is not PEM is the user's mistake, named.
    let bad = run(&["--ca", "README.md"], "builtin");
    let err = text(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md"), "{err}");
}

#[test]
fn portal_serve_refuses_a_tls_key_that_is_not_one() {
    let out = myna(&[
        "portal",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "vectors/tls/server-cert.pem",
        "--tls-key",
        "README.md",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md"), "{err}");
    // The key alone is incomplete: clap refuses it.
    let out = myna(&["portal", "serve", "--tls-key", "vectors/tls/server-key.pem"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn a_url_that_is_not_this_api_is_an_infrastructure_error_naming_the_probe() {
    let (_server, port) = oqs_server(&[]);
    let dir = temp_dir("wrong-base");
    let url = format!("http://127.0.0.1:{port}/not/the/base");
    let out = myna(&[
        "run",
        "--oqs",
        &url,
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("not an eligibility service"), "{err}");
    assert!(err.contains("/control/v1/capabilities"), "{err}");
}

#[test]
fn an_iut_profile_declares_the_implementation_and_its_known_failures() {
    let dir = temp_dir("iut");
    let profile = dir.join("iut.toml");
    std::fs::write(
        &profile,
        "[implementation]\nname = \"ACME oqs\"\nversion = \"2.3.1\"\n\n\
         [[known_failures]]\nid = \"oqs.insurance-card.lookup\"\nreason = \"not implemented yet\"\nverdict = \"skip\"\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = myna(&[
        "run",
        "--no-progress",
        "--iut",
        profile.to_str().unwrap(),
        "--filter",
        "oqs.insurance-card",
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["run_info"]["iut"]["implementation"]["name"],
        "ACME oqs"
    );
    let skipped = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "oqs.insurance-card.lookup")
        .unwrap();
    assert_eq!(skipped["verdict"], "skipped", "{skipped}");
    // A mistyped known failure is located bad input, as in an expectations file.
    std::fs::write(
        &profile,
        "[implementation]\nname = \"ACME\"\nversion = \"1\"\n\n\
         [[known_failures]]\nid = \"oqs.insurance-card.lokup\"\nreason = \"x\"\n",
    )
    .unwrap();
    let out = myna(&[
        "run",
        "--iut",
        profile.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("iut.toml:6:"), "{err}");
    // An unknown key is a located error.
    std::fs::write(
        &profile,
        "[implementation]\nname = \"A\"\nversion = \"1\"\nvendr = \"x\"\n",
    )
    .unwrap();
    let out = myna(&[
        "run",
        "--iut",
        profile.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("iut.toml:4:"), "{err}");
}

#[test]
fn a_target_no_selected_scenario_uses_is_not_probed() {
    let dir = temp_dir("unused");
    // Nothing listens at this eligibility URL, and no such PC/SC reader
    // exists: neither matters to scenarios that do not use them.
    let port = free_port();
    let out = myna(&[
        "run",
        "--no-progress",
        "--oqs",
        &format!("http://127.0.0.1:{port}"),
        "--filter",
        "card.common.change-key",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/card",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert!(
        report["run_info"]["targets"].get("oqs").is_none(),
        "{}",
        report["run_info"]["targets"]
    );
    let out = myna(&[
        "run",
        "--no-progress",
        "--card",
        "pcsc:No Such Reader 00 00",
        "--filter",
        "oqs.insurance-card.lookup",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Used, the unreachable service is an infrastructure error naming it.
    let out = myna(&[
        "run",
        "--oqs",
        &format!("http://127.0.0.1:{port}"),
        "--filter",
        "oqs.insurance-card.lookup",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/oqs",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
}
