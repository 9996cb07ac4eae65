//! The CLI contract (DESIGN §7): exit codes, located errors, reports, and
//! that no secret reaches the console or a report.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{myna, root, text};

fn fixture(name: &str) -> String {
    format!("harness/cli/tests/fixtures/{name}")
}

fn temp_out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn check_reports_every_problem_located_and_exits_2() {
    let out = myna(&["check", &fixture("malformed.yaml")]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let file = fixture("malformed.yaml");
    for (line, col) in [(4, 1), (7, 19), (8, 20), (9, 28)] {
        assert!(
            err.contains(&format!("{file}:{line}:{col}")),
            "missing {file}:{line}:{col} in:\n{err}"
        );
    }
    assert!(err.contains("levle"), "unknown key named: {err}");
}

/// `file:line:col` of every diagnostic `check` printed.
fn located(err: &str) -> Vec<String> {
    err.lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn eligibility_typos_fail_check_at_each_typo_and_run_exits_2() {
    let file = fixture("oqs-typos.yaml");
    let out = myna(&["check", &file]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(
        located(&err),
        [7, 13, 14, 15, 16].map(|line| {
            let col = match line {
                7 => 7,
                13 => 5,
                14 => 15,
                15 => 28,
                _ => 23,
            };
            format!("{file}:{line}:{col}")
        })
    );
    for (typo, fix) in [
        ("persns", "persons"),
        ("lokup", "lookup"),
        ("serialz", "serial"),
        ("validty", "validity"),
    ] {
        assert!(err.contains(&format!("found `{typo}`")), "{typo}: {err}");
        assert!(
            err.contains(&format!("did you mean `{fix}`?")),
            "{fix}: {err}"
        );
    }
    assert!(err.contains("found `${no_such_var}`"), "{err}");
    // `run` rejects the same file as bad input before running anything.
    let out_dir = temp_out("oqs-typos");
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        &file,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Nothing ran, and the report says why (issue 12: a report on every exit).
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["run_info"]["status"], "aborted");
    assert_eq!(report["scenarios"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["errors"][0]["blame"], "author");
}

#[test]
fn card_author_mistakes_fail_check_all_at_once() {
    let file = fixture("card-mistakes.yaml");
    let out = myna(&["check", &file]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(
        located(&err),
        ["4:10", "5:14", "5:26", "8:20", "11:19"].map(|at| format!("{file}:{at}"))
    );
    assert!(err.contains("expected a known persona"), "{err}");
    assert!(err.contains("did you mean `card.jpki`?"), "{err}");
    assert!(err.contains("`oqs.control` of family `oqs`"), "{err}");
    assert!(err.contains("`later` is only captured later"), "{err}");
}

#[test]
fn an_id_without_a_family_hides_no_step_problem() {
    let file = fixture("bad-id-and-steps.yaml");
    let out = myna(&["check", &file]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(
        located(&err),
        ["1:5", "5:13", "6:5"].map(|at| format!("{file}:{at}"))
    );
}

#[test]
fn a_template_without_a_value_at_run_time_is_an_author_error() {
    let out_dir = temp_out("runtime-unbound");
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        &fixture("runtime-unbound.yaml"),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["verdict"], "error");
    assert_eq!(scenario["blame"], "author");
    let last = scenario["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["is_finally"], true);
    assert_eq!(last["verdict"], "error");
}

#[test]
fn the_data_of_every_secret_carrying_instruction_is_masked_in_every_output() {
    let out_dir = temp_out("secret-apdus");
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        &fixture("secret-apdus.yaml"),
    ]);
    // The last step fails on purpose, so every output shows the steps.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let mut outputs = vec![text(&out.stdout), text(&out.stderr)];
    for file in ["report.json", "junit.xml", "summary.md"] {
        outputs.push(std::fs::read_to_string(out_dir.join(file)).unwrap());
    }
    let report = &outputs[2];
    assert!(
        report.contains("0020008004********"),
        "VERIFY masked by position"
    );
    assert!(
        report.contains("8032008004********"),
        "CHANGE KEY masked by position"
    );
    for secret in ["QWER", "ASDF", "ZXCV", "TYUI"] {
        let hex: String = secret.bytes().map(|b| format!("{b:02X}")).collect();
        for (i, output) in outputs.iter().enumerate() {
            assert!(
                !output.contains(secret)
                    && !output.contains(&hex)
                    && !output.contains(&hex.to_lowercase()),
                "{secret} leaks in output {i}"
            );
        }
    }
}

#[test]
fn a_scenario_with_two_targets_interleaves_their_evidence_in_time_order() {
    let out_dir = temp_out("two-targets");
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        "scenarios/oqs/lookup-card-serial.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["targets"], serde_json::json!(["oqs", "card"]));
    let evidence: Vec<(String, u64)> = scenario["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["evidence"].as_array().unwrap().clone())
        .map(|e| {
            (
                e["target"].as_str().unwrap().to_owned(),
                e["at_us"].as_u64().unwrap(),
            )
        })
        .collect();
    let roles: Vec<&str> = evidence.iter().map(|(r, _)| r.as_str()).collect();
    assert!(
        roles.contains(&"card") && roles.contains(&"oqs"),
        "{roles:?}"
    );
    assert!(
        evidence.windows(2).all(|w| w[0].1 <= w[1].1),
        "{evidence:?}"
    );
}

#[test]
fn wrong_sw_fails_the_run_with_step_expected_and_actual() {
    let out_dir = temp_out("wrong-sw");
    let out = myna(&[
        "run",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
        &fixture("wrong-sw.yaml"),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["verdict"], "fail");
    let failing = scenario["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["verdict"] == "fail")
        .expect("a failing step");
    assert_eq!(failing["kind"], "verify");
    let failure = &failing["failures"][0];
    assert_eq!(failure["check"], "sw");
    assert_eq!(failure["expected"], "63C2");
    assert_eq!(failure["actual"], "63C3");
    assert_eq!(
        failure["location"],
        format!("{}:10:15", fixture("wrong-sw.yaml"))
    );
    assert!(err.contains("expected 63C2, got 63C3"), "console: {err}");
    for file in ["report.json", "junit.xml", "summary.md"] {
        assert!(out_dir.join(file).is_file(), "{file} written");
    }
}

/// Every secret value of the persona, read from its file.
fn persona_secrets(persona: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join(format!("vectors/personas/{persona}/persona.yaml")))
            .unwrap();
    let mut secrets = Vec::new();
    for key in [
        "my_number",
        "auth_pin",
        "sign_password",
        "text_pin",
        "security_code",
        "birth_key",
        "check_b",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{key}:")))
            .unwrap_or_else(|| panic!("{key} in persona.yaml"));
        let value = line[key.len() + 1..]
            .trim()
            .trim_matches('\'')
            .trim_matches('"')
            .to_string();
        if !value.is_empty() && value != "null" {
            secrets.push(value);
        }
    }
    secrets
}

/// Whether `secret` shows in `text`: as text standing on its own (not a
/// digit run inside a hex dump), or as the hex of its bytes at a byte
/// boundary of a hex run.
fn leaks(text: &str, secret: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let standalone = text.match_indices(secret).any(|(i, _)| {
        !alnum(text[..i].chars().next_back()) && !alnum(text[i + secret.len()..].chars().next())
    });
    let hexed: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let in_hex = text
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '*'))
        .filter(|run| run.len() >= 8)
        .any(|run| {
            let run = run.to_ascii_lowercase();
            (0..run.len().saturating_sub(hexed.len()) + 1)
                .step_by(2)
                .any(|i| run[i..].starts_with(&hexed))
        });
    standalone || in_hex
}

/// Every string in a JSON document (numbers are timings, not secrets).
fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

fn assert_no_secret(haystack: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!leaks(haystack, s), "a secret reached {what}");
    }
}

#[test]
fn no_secret_reaches_console_or_reports() {
    let mut secrets = persona_secrets("taro");
    assert!(secrets.len() >= 6);
    secrets.push("a1b2c3".into()); // the secret variable of leaky-apdu.yaml
    for name in ["leaky.yaml", "leaky-prefix.yaml", "leaky-apdu.yaml"] {
        let out_dir = temp_out(name);
        let out = myna(&[
            "run",
            "--no-progress",
            "--out",
            out_dir.to_str().unwrap(),
            &fixture(name),
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} fails on purpose: {}",
            text(&out.stderr)
        );
        assert_no_secret(&text(&out.stdout), &secrets, &format!("{name}: stdout"));
        assert_no_secret(&text(&out.stderr), &secrets, &format!("{name}: stderr"));
        for entry in std::fs::read_dir(&out_dir).unwrap() {
            let path = entry.unwrap().path();
            let content = std::fs::read_to_string(&path).unwrap();
            let what = format!("{name}: {}", path.display());
            if path.extension().is_some_and(|e| e == "json") {
                let mut strings = Vec::new();
                json_strings(&serde_json::from_str(&content).unwrap(), &mut strings);
                for s in strings {
                    assert_no_secret(&s, &secrets, &what);
                }
            } else {
                assert_no_secret(&content, &secrets, &what);
            }
        }
        let report = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
        match name {
            // The evidence is still there, masked.
            "leaky.yaml" => assert!(
                report.contains("0020008004********"),
                "masked VERIFY in evidence"
            ),
            "leaky-apdu.yaml" => assert!(
                report.contains("00B00000******"),
                "masked secret bytes: {report}"
            ),
            _ => assert!(
                report.contains("FF100C**"),
                "masked My Number in the failure: {report}"
            ),
        }
    }
}

#[test]
fn the_leak_detector_can_fail() {
    assert!(leaks("pin 4826 sent", "4826"));
    assert!(leaks("0020008004 34383236", "4826"));
    assert!(leaks("\"sign_password\": \"TAROSIGN26\"", "TAROSIGN26"));
    assert!(
        !leaks("3082A4826B0F", "4826"),
        "a digit run inside hex is not the PIN"
    );
    assert!(
        !leaks("3343832366", "4826"),
        "hex of the PIN off a byte boundary is not the PIN"
    );
}

#[test]
fn list_prints_scenario_ids() {
    let out = myna(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.lines().any(|l| l == "card.select.jpki"), "{stdout}");
    assert!(stdout.lines().count() >= 40);
    let reqs = myna(&["list", "--requirements"]);
    assert!(text(&reqs.stdout)
        .lines()
        .any(|l| l.starts_with("CARD-SELECT-JPKI\t")));
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(myna(&["run", "--shard", "5/4"]).status.code(), Some(2));
    assert_eq!(myna(&["run", "--rules", "tomorrow"]).status.code(), Some(2));
    assert_eq!(myna(&["run", "no/such/path"]).status.code(), Some(2));
}

#[test]
fn schema_is_json() {
    let out = myna(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["steps"].is_object());
}

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `oqs serve` as a separate process, the whole `oqs` suite through
/// `--oqs URL`, and a short `bench lookup` against it.
#[test]
fn oqs_suite_over_http_and_bench_lookup() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(["oqs", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(root())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let result = std::panic::catch_unwind(|| {
        assert!(up, "oqs serve did not listen on {port}");
        let out_dir = temp_out("oqs-http");
        let out = myna(&[
            "run",
            "--no-progress",
            "--oqs",
            &url,
            "--out",
            out_dir.to_str().unwrap(),
            "scenarios/oqs",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["run_info"]["targets"]["oqs"]["target"], url.as_str());
        // Only the roles the run used: one eligibility scenario reads the
        // card too (oqs.lookup.card-serial); no reader, no portal.
        let roles: Vec<&String> = report["run_info"]["targets"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(roles, ["card", "oqs"]);
        assert_eq!(report["run_info"]["targets"]["card"]["target"], "emu");
        assert!(report["summary"]["pass"].as_u64().unwrap() >= 30);
        assert_eq!(report["summary"]["pass"], report["summary"]["total"]);
        let http = report["scenarios"][0]["steps"][0]["evidence"][0]["type"].clone();
        assert_eq!(http, "http");

        let bench_dir = temp_out("bench");
        let out = myna(&[
            "bench",
            "lookup",
            "--oqs",
            &url,
            "--rate",
            "200",
            "--duration",
            "1s",
            "--seed",
            "100",
            "--out",
            bench_dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("p99.9"));
        let bench: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(bench_dir.join("bench-lookup.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(bench["scheduled"], 200);
        assert_eq!(bench["errors"], 0);
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn an_unreachable_oqs_is_an_infrastructure_error() {
    let port = free_port();
    let out = myna(&[
        "run",
        "--no-progress",
        "--oqs",
        &format!("http://127.0.0.1:{port}"),
        "--out",
        temp_out("oqs-down").to_str().unwrap(),
        "scenarios/oqs",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

/// The expectations file: a listed failure of the listed kind makes the run
/// pass, a different kind does not, and `skip` reports the scenario
/// `skipped` without running it.
#[test]
fn expectations_file_known_failures_and_skips() {
    let dir = temp_out("expectations");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("fail", Some(0), "fail"),
        ("error", Some(1), "fail"),
        ("skip", Some(0), "skipped"),
    ];
    for (listed, code, verdict) in cases {
        let file = dir.join(format!("{listed}.yaml"));
        std::fs::write(
            &file,
            format!("- id: card.fixture.wrong-sw\n  reason: known bug 123 in this build\n  verdict: {listed}\n"),
        )
        .unwrap();
        let out_dir = dir.join(format!("out-{listed}"));
        let out = myna(&[
            "run",
            "--no-progress",
            "--expectations",
            file.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            &fixture("wrong-sw.yaml"),
        ]);
        assert_eq!(
            out.status.code(),
            code,
            "listed {listed}: {}",
            text(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
                .unwrap();
        let scenario = &report["scenarios"][0];
        assert_eq!(scenario["verdict"], verdict, "listed {listed}");
        let expected = scenario["expected_failure"].as_str();
        match listed {
            "fail" => assert_eq!(expected, Some("known bug 123 in this build")),
            "error" => {
                assert_eq!(expected, None);
                assert!(scenario["message"]
                    .as_str()
                    .unwrap()
                    .contains("listed as a known error"));
            }
            _ => {
                assert_eq!(scenario["message"], "known bug 123 in this build");
                assert!(
                    scenario["steps"].as_array().unwrap().is_empty(),
                    "a skipped scenario does not run"
                );
            }
        }
    }
}

/// `oqs serve` and `portal serve` on port 0 announce the port the system
/// chose (not `:0`), and it answers there.
#[test]
fn a_server_on_port_0_announces_the_port_it_bound() {
    use std::io::{BufRead, BufReader};
    for (command, url_prefix) in [
        ("oqs", "reference eligibility service on http://"),
        ("portal", "reference portal on http://"),
    ] {
        let mut server = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
            .args([command, "serve", "--listen", "127.0.0.1:0"])
            .current_dir(root())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = server.stderr.take().unwrap();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stderr).read_line(&mut first);
            let _ = send.send(first);
        });
        let line = receive.recv_timeout(std::time::Duration::from_secs(60));
        let reachable = line.as_ref().ok().and_then(|line| {
            let addr = line.strip_prefix(url_prefix)?.split(' ').next()?;
            let addr: std::net::SocketAddr = addr.parse().ok()?;
            Some((addr.port(), std::net::TcpStream::connect(addr).is_ok()))
        });
        let _ = server.kill();
        let _ = server.wait();
        let line = line.expect("the server announced nothing within 60 s");
        let (port, connected) = reachable.unwrap_or_else(|| panic!("no address in {line:?}"));
        assert_ne!(port, 0, "{line}");
        assert!(connected, "nothing listens where {line:?} says");
    }
}
