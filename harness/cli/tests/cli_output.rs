//! What `run` prints (issue 13): `-v` a line per step, `-vv` each step's
//! wire log live with secrets masked, `-q` the summary line only,
//! `--color`/`NO_COLOR`; and the honest probes: a `--portal` or `--reader`
//! that is not what it was named for is exit 3 naming what was probed and
//! what it found, and an unused target is not probed at all.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{myna, root, text};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-output-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `run FLAGS --no-progress --filter FILTER --out DIR PATH`: (exit, stderr).
fn run(flags: &[&str], filter: &str, path: &str, out: &Path) -> (Option<i32>, String) {
    let mut args = vec!["run"];
    args.extend(flags);
    args.extend([
        "--no-progress",
        "--filter",
        filter,
        "--out",
        out.to_str().unwrap(),
        path,
    ]);
    let output = myna(&args);
    assert!(output.stdout.is_empty(), "run prints on stderr only");
    (output.status.code(), text(&output.stderr))
}

const PIN_SCENARIO: &str = "card.pin.auth-pin.reset-on-success";

#[test]
fn v_prints_a_line_per_step_before_the_scenario_line() {
    let dir = temp_dir("v");
    let (code, err) = run(
        &["-v", "--color", "never"],
        PIN_SCENARIO,
        "scenarios/card",
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    let steps: Vec<&str> = err.lines().filter(|l| l.starts_with("  card.")).collect();
    assert_eq!(
        steps.first().copied(),
        Some(format!("  {PIN_SCENARIO} #0 select pass").as_str()),
        "{err}"
    );
    assert!(
        steps.contains(&format!("  {PIN_SCENARIO} #2 verify (repetition 1) pass").as_str()),
        "{err}"
    );
    assert_eq!(steps.len(), 9, "one line per step execution: {err}");
    let scenario_line = err
        .lines()
        .position(|l| l.starts_with("pass ") && l.ends_with(PIN_SCENARIO))
        .unwrap();
    let last_step = err.lines().position(|l| l.contains(" #8 verify")).unwrap();
    assert!(last_step < scenario_line, "steps come as they end: {err}");
    // -v names no evidence; that is -vv.
    assert!(!err.contains("[card]"), "{err}");
}

/// Every way a secret could be written: ASCII, hex spaced or not, either case.
fn encodings(secret: &str) -> Vec<String> {
    let hex: Vec<String> = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![secret.to_owned()];
    for joined in [hex.concat(), hex.join(" ")] {
        forms.push(joined.to_uppercase());
        forms.push(joined);
    }
    forms
}

#[test]
fn vv_streams_each_exchange_and_never_a_pin() {
    let dir = temp_dir("vv");
    let (code, err) = run(
        &["-vv", "--color", "never"],
        "card.pin.auth-pin",
        "scenarios/card",
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("[card] VERIFY → 9000"), "{err}");
    // The wire log of a step comes right after its line, before the next step.
    let lines: Vec<&str> = err.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with(&format!("  {PIN_SCENARIO} #0 select")))
        .unwrap();
    assert!(lines[first + 2].contains("[card] SELECT"), "{err}");
    assert!(lines[first + 3].starts_with(&format!("  {PIN_SCENARIO} #1 ")));
    // taro's PINs and password, in every encoding.
    let persona =
        std::fs::read_to_string(root().join("vectors/personas/taro/persona.yaml")).unwrap();
    let persona: serde_yaml::Value = serde_yaml::from_str(&persona).unwrap();
    for key in ["auth_pin", "sign_password", "text_pin", "juki_pin"] {
        let secret = persona[key].as_str().unwrap();
        for form in encodings(secret) {
            assert!(
                !err.contains(&form),
                "{key} appears as {form:?} in -vv output"
            );
        }
    }
}

#[test]
fn vv_shows_the_wire_log_of_a_capturing_step_at_the_scenario_end() {
    let dir = temp_dir("vv-capture");
    let (code, err) = run(
        &["-vv", "--color", "never"],
        "card.sign.duplicate",
        "scenarios/card/sign/duplicate-sign.yaml",
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let at = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix)).unwrap();
    let live = at("  card.sign.duplicate #4 sign pass");
    assert!(
        lines[live + 2].contains("its wire log follows at the scenario's end"),
        "{err}"
    );
    let deferred = at("  card.sign.duplicate #4 sign: its wire log");
    assert!(
        lines[deferred + 1].contains("[card] COMPUTE DIGITAL SIGNATURE"),
        "{err}"
    );
    let next_step = at("  card.sign.duplicate #5 ");
    let verdict = at("pass           card.sign.duplicate");
    assert!(next_step < deferred && deferred < verdict, "{err}");
}

#[test]
fn q_prints_the_summary_line_only() {
    let dir = temp_dir("q");
    let (code, err) = run(&["-q"], "card.pin.auth-pin", "scenarios/card", &dir);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains(" scenarios: ") && lines[0].contains(" pass"),
        "{err}"
    );
    let ignored = myna(&["run", "-q", "-v", "--out", dir.to_str().unwrap()]);
    assert_eq!(ignored.status.code(), Some(2), "-q and -v conflict");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let dir = temp_dir("colour");
    let with = |flags: &[&str], no_color: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_myna-conform"));
        cmd.current_dir(root()).args(flags).args([
            "run",
            "-v",
            "--no-progress",
            "--filter",
            PIN_SCENARIO,
            "--out",
            dir.to_str().unwrap(),
            "scenarios/card",
        ]);
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        text(&cmd.output().unwrap().stderr)
    };
    let green = "\u{1b}[";
    assert!(with(&["--color", "always"], None).contains(green));
    // `always` wins over NO_COLOR; `auto` off a terminal is plain.
    assert!(with(&["--color", "always"], Some("1")).contains(green));
    assert!(!with(&["--color", "never"], None).contains(green));
    assert!(!with(&["--color", "auto"], None).contains(green));
    assert!(!with(&[], Some("1")).contains(green));
    let bad = myna(&["--color", "sometimes", "list"]);
    assert_eq!(bad.status.code(), Some(2));
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
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `myna-conform <args> --listen 127.0.0.1:PORT`, once it accepts.
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

const PORTAL_SCENARIO: &str = "portal.account.bank-search";

#[test]
fn a_portal_url_that_is_not_a_portal_is_exit_3_naming_the_probe() {
    let dir = temp_dir("portal-probe");
    let (_oqs, oqs_port) = server(&["oqs", "serve"]);
    let (_portal, portal_port) = server(&["portal", "serve"]);
    for url in [
        // Another kind of server: the eligibility service.
        format!("http://127.0.0.1:{oqs_port}"),
        // A portal, under a wrong base path.
        format!("http://127.0.0.1:{portal_port}/api/v9"),
    ] {
        let (code, err) = run(
            &["--portal", &url],
            PORTAL_SCENARIO,
            "scenarios/portal",
            &dir,
        );
        assert_eq!(code, Some(3), "{url}: {err}");
        assert!(
            err.contains(&format!(
                "{url} is not a portal of harness/portal/openapi.yaml"
            )),
            "{err}"
        );
        assert!(err.contains("GET /me answered 404"), "{err}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["run_info"]["status"], "aborted", "{report}");
    }
    // The real one at its base passes the probe.
    let url = format!("http://127.0.0.1:{portal_port}");
    let (code, err) = run(
        &["--portal", &url],
        PORTAL_SCENARIO,
        "scenarios/portal",
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
}

/// A TCP peer that is not a reader: it answers each connection with
/// `greeting` (an HTTP error, or nothing) and closes.
fn not_a_reader(greeting: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.write_all(greeting);
        }
    });
    port
}

#[test]
fn a_reader_that_does_not_speak_the_protocol_is_exit_3_saying_what_it_did() {
    let dir = temp_dir("reader-probe");
    let filter = "reader.auth.face-fails-pin";
    let http = not_a_reader(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    let reader = format!("tcp://127.0.0.1:{http}");
    let (code, err) = run(&["--reader", &reader], filter, "scenarios/reader", &dir);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("does not speak the reader adapter protocol (harness/reader/PROTOCOL.md)"),
        "{err}"
    );
    assert!(err.contains(&format!("127.0.0.1:{http}")), "{err}");
    assert!(
        err.contains("HTTP/1.1 400 Bad Request"),
        "what it said: {err}"
    );
    let silent = not_a_reader(b"");
    let reader = format!("tcp://127.0.0.1:{silent}");
    let (code, err) = run(&["--reader", &reader], filter, "scenarios/reader", &dir);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("closed the connection"), "{err}");
    assert!(
        err.contains("does not speak the reader adapter protocol"),
        "{err}"
    );
}

#[test]
fn unused_portal_and_reader_targets_are_not_probed() {
    let dir = temp_dir("unused");
    // Nothing listens at either: a card scenario uses neither.
    let nowhere = free_port();
    let (code, err) = run(
        &[
            "--portal",
            &format!("http://127.0.0.1:{nowhere}"),
            "--reader",
            &format!("tcp://127.0.0.1:{nowhere}"),
        ],
        PIN_SCENARIO,
        "scenarios/card",
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let targets = &report["run_info"]["targets"];
    assert!(
        targets.get("portal").is_none() && targets.get("reader").is_none(),
        "{targets}"
    );
    // Used, the unreachable reader is exit 3 naming it.
    let (code, err) = run(
        &["--reader", &format!("tcp://127.0.0.1:{nowhere}")],
        "reader.auth.face-fails-pin",
        "scenarios/reader",
        &dir,
    );
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{nowhere}")), "{err}");
}
