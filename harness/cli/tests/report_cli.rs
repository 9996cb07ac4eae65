//! The report side of the CLI (issue 12, issue 9 item 6): a signed set
//! that `report verify` checks, a sharded run merged equal to the
//! unsharded one, a report on every exit (an infrastructure error before
//! the run, Ctrl-C), `--out` checked and locked before the first step.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{myna, root, text};

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_signed_run_verifies_and_a_changed_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().to_str().unwrap();
    let made = myna(&["report", "keygen", "--out", keys, "--name", "k"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("k.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by others");
    }
    let out = tmp.path().join("out");
    let key = tmp.path().join("k.pem");
    let run = myna(&[
        "run",
        "--no-progress",
        "--rules",
        "2026-01-01",
        "--out",
        out.to_str().unwrap(),
        "--sign",
        key.to_str().unwrap(),
        "reports/sample/scenarios",
        "--catalogue",
        "reports/sample/requirements.yaml",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert_eq!(
        names(&out),
        [
            "junit.xml",
            "report.html",
            "report.json",
            "report.json.sig",
            "summary.md"
        ]
    );
    let public = tmp.path().join("k.pub.pem");
    let verify = |dir: &Path| {
        myna(&[
            "report",
            "verify",
            dir.to_str().unwrap(),
            "--key",
            public.to_str().unwrap(),
        ])
    };
    let ok = verify(&out);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let junit = out.join("junit.xml");
    let mut bytes = std::fs::read(&junit).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&junit, bytes).unwrap();
    let bad = verify(&out);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("junit.xml: its SHA-256"),
        "{}",
        text(&bad.stderr)
    );

    // `report render` rebuilds the same files from report.json (unsigned).
    let rendered = tmp.path().join("rendered");
    let render = myna(&[
        "report",
        "render",
        out.to_str().unwrap(),
        "--out",
        rendered.to_str().unwrap(),
    ]);
    assert_eq!(render.status.code(), Some(0), "{}", text(&render.stderr));
    for file in ["report.json", "summary.md", "report.html"] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(rendered.join(file)).unwrap(),
            "{file}"
        );
    }
}

/// `report.json` without what changes from run to run (times, command,
/// shard, hashes of the time-stamped files).
fn comparable(mut report: Value) -> Value {
    report["run_info"] = Value::Null;
    report["files"] = Value::Null;
    for scenario in report["scenarios"].as_array_mut().unwrap() {
        scenario["duration_us"] = 0.into();
        for step in scenario["steps"].as_array_mut().unwrap() {
            step["duration_us"] = 0.into();
            for evidence in step["evidence"].as_array_mut().unwrap() {
                evidence["at_us"] = 0.into();
                if evidence.get("duration_us").is_some() {
                    evidence["duration_us"] = 0.into();
                }
            }
        }
    }
    report
}

#[test]
fn a_sharded_run_merged_equals_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();
    let run = |out: &str, shard: Option<&str>| {
        let mut args = vec![
            "run",
            "--no-progress",
            "--rules",
            "2026-01-01",
            "--out",
            out,
        ];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        args.push("scenarios/card/pin");
        myna(&args)
    };
    let whole = run(&dir("whole"), None);
    let first = run(&dir("s1"), Some("1/2"));
    let second = run(&dir("s2"), Some("2/2"));
    for output in [&whole, &first, &second] {
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            text(&output.stderr)
        );
    }
    let shard_sizes: Vec<usize> = ["s1", "s2"]
        .iter()
        .map(|s| {
            report(&tmp.path().join(s))["scenarios"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert!(shard_sizes.iter().all(|n| *n > 0), "{shard_sizes:?}");
    let merged = myna(&[
        "report",
        "merge",
        &format!("{}/report.json", dir("s1")),
        &dir("s2"),
        "--out",
        &dir("merged"),
    ]);
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{}",
        text(&merged.stderr)
    );
    let mut unsharded = comparable(report(&tmp.path().join("whole")));
    let mut merged_report = comparable(report(&tmp.path().join("merged")));
    // Shards keep run order within each, so compare scenarios (and the
    // scenarios citing each requirement) by id.
    for r in [&mut unsharded, &mut merged_report] {
        r["scenarios"]
            .as_array_mut()
            .unwrap()
            .sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        for requirement in r["requirements"].as_array_mut().unwrap() {
            requirement["scenarios"]
                .as_array_mut()
                .unwrap()
                .sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    assert_eq!(merged_report, unsharded);

    // A report of another selection is refused unless told to.
    let other = run(&dir("other"), Some("1/2"));
    assert!(matches!(other.status.code(), Some(0 | 1)));
    let _ = std::fs::remove_dir_all(tmp.path().join("other"));
    let other = myna(&[
        "run",
        "--no-progress",
        "--rules",
        "2026-01-01",
        "--out",
        &dir("other"),
        "reports/sample/scenarios",
        "--catalogue",
        "reports/sample/requirements.yaml",
    ]);
    assert_eq!(other.status.code(), Some(1));
    let refused = myna(&[
        "report",
        "merge",
        &dir("s1"),
        &dir("other"),
        "--out",
        &dir("mixed"),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("--allow-mixed"),
        "{}",
        text(&refused.stderr)
    );
    let allowed = myna(&[
        "report",
        "merge",
        &dir("s1"),
        &dir("other"),
        "--out",
        &dir("mixed"),
        "--allow-mixed",
    ]);
    // The sample has a failure: the merged exit code says so.
    assert_eq!(allowed.status.code(), Some(1), "{}", text(&allowed.stderr));
}

#[test]
fn an_infrastructure_error_before_the_run_still_writes_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = myna(&[
        "run",
        "--no-progress",
        "--card",
        "pcsc:No Such Reader 99",
        "--out",
        out.to_str().unwrap(),
        "scenarios/card/pin",
    ]);
    let stderr = text(&run.stderr);
    assert!(matches!(run.status.code(), Some(2 | 3)), "{stderr}");
    let report = report(&out);
    assert_eq!(report["run_info"]["status"], "aborted");
    assert_eq!(report["scenarios"], serde_json::json!([]));
    let error = &report["errors"][0];
    assert!(error["message"].as_str().unwrap().len() > 3, "{report}");
    assert!(out.join("junit.xml").exists() && out.join("report.html").exists());
}

#[test]
fn an_unusable_or_busy_out_is_refused_before_the_first_step() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let out = blocker.join("out");
    let run = myna(&[
        "run",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
        "scenarios/card/pin",
    ]);
    assert_eq!(run.status.code(), Some(3));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("--out"), "{stderr}");
    assert!(!stderr.contains("running"), "the run started: {stderr}");

    let out = tmp.path().join("busy");
    let held = myna_report::ReportDir::open(&out).unwrap();
    let run = myna(&[
        "run",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
        "scenarios/card/pin",
    ]);
    drop(held);
    assert_eq!(run.status.code(), Some(3));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("another myna-conform run is writing"),
        "{stderr}"
    );
    assert!(!stderr.contains("running"), "the run started: {stderr}");
}

/// The reference eligibility server on a free port, stopped on drop.
struct Server(std::process::Child, String);

impl Server {
    fn start() -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
            .args(["oqs", "serve", "--listen", &listen])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server(child, format!("http://{listen}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_after_the_current_step_runs_finally_and_writes_a_partial_report() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(["run", "--no-progress", "--oqs", &server.1, "--out"])
        .arg(&out)
        .arg("harness/cli/tests/fixtures/slow-with-finally.yaml")
        .current_dir(root())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // The handler is installed before this line is printed.
    while !line.starts_with("running") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no `running` line"
        );
    }
    // Ten lookups of 700 ms: stop in the middle of them.
    std::thread::sleep(Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    let report = report(&out);
    assert_eq!(report["run_info"]["status"], "interrupted");
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["verdict"], "error");
    let steps = scenario["steps"].as_array().unwrap();
    let lookups = steps.iter().filter(|s| s["kind"] == "lookup").count();
    assert!((1..10).contains(&lookups), "{lookups} lookups ran");
    let last = steps.last().unwrap();
    assert_eq!(last["is_finally"], true, "the finally step did not run");
    assert_eq!(last["verdict"], "pass");
    // No staging directory left beside the report.
    assert_eq!(names(tmp.path()), [".out.lock", "out"]);
}

/// The documented CI recipes are YAML and shard, merge and verify.
#[test]
fn the_ci_recipes_shard_merge_and_verify() {
    for recipe in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let text = std::fs::read_to_string(root().join(recipe)).unwrap();
        let parsed: Result<serde_yaml::Value, _> = serde_yaml::from_str(&text);
        assert!(parsed.is_ok(), "{recipe}: {parsed:?}");
        for needle in [
            "--shard",
            "report merge",
            "report verify",
            "--sign",
            "junit.xml",
        ] {
            assert!(text.contains(needle), "{recipe} lacks {needle}");
        }
    }
}

#[test]
fn report_schema_prints_the_json_schema_of_report_json() {
    let out = myna(&["report", "schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "myna-conform report.json");
    let verdicts = &schema["definitions"]["RequirementVerdict"]["oneOf"];
    assert!(verdicts.to_string().contains("uncovered"), "{verdicts}");
    assert_eq!(
        schema["definitions"]["ScenarioReport"]["properties"]["duration_us"]["type"],
        "integer"
    );
}
