//! The writers, reader and merger against a hand-built report.

mod fixture;

use std::error::Error;
use std::path::Path;

use myna_report::{
    merge, merge_with, parse_json, read_json, render_junit, render_markdown, write_json,
    write_reports, MergeError, MergeOptions, OutputFormat, Report, ReportError, Selection, Verdict,
    SCHEMA_VERSION,
};
use quick_xml::events::Event;

type TestResult = Result<(), Box<dyn Error>>;

#[test]
fn junit_snapshot() -> TestResult {
    insta::assert_snapshot!("junit", render_junit(&fixture::report())?);
    Ok(())
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("summary_md", render_markdown(&fixture::report()));
}

/// Element counts from a real XML parse (fails on malformed XML).
#[derive(Debug, Default, PartialEq)]
struct XmlCounts {
    testsuites: usize,
    testcases: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

fn count_elements(xml: &str) -> Result<XmlCounts, Box<dyn Error>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut counts = XmlCounts::default();
    loop {
        match reader.read_event()? {
            Event::Start(tag) | Event::Empty(tag) => match tag.name().as_ref() {
                b"testsuite" => counts.testsuites += 1,
                b"testcase" => counts.testcases += 1,
                b"failure" => counts.failures += 1,
                b"error" => counts.errors += 1,
                b"skipped" => counts.skipped += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(counts)
}

#[test]
fn junit_is_well_formed_with_one_case_per_scenario() -> TestResult {
    let xml = render_junit(&fixture::report())?;
    assert_eq!(
        count_elements(&xml)?,
        XmlCounts {
            testsuites: 2, // card, reader
            testcases: 7,
            failures: 1, // card.pin.lockout (fail); card.pin.empty warns: a passing case
            errors: 1,   // card.read.cert
            skipped: 3,  // card.read.extended (expected), reader.face, reader.pin.screen
        }
    );

    let parsed = quick_junit::Report::deserialize_from_str(&xml)?;
    let suites: Vec<(&str, usize)> = parsed
        .test_suites
        .iter()
        .map(|s| (s.name.as_str(), s.test_cases.len()))
        .collect();
    assert_eq!(suites, [("card", 5), ("reader", 2)]);
    let lockout = parsed
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .find(|c| c.name.as_str() == "card.pin.lockout")
        .ok_or("card.pin.lockout missing")?;
    assert_eq!(lockout.classname.as_deref(), Some("card"));
    match &lockout.status {
        quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } => {
            assert_eq!(
                message.as_deref(),
                Some("scenarios/card/card.pin.lockout.yaml:14:11: sw: expected 6983, got 63C0")
            );
            let text = description.as_deref().unwrap_or_default();
            for expected in [
                "card.pin.lockout.yaml:15:11: tries_left: expected 0, got 1 [must]",
                "card.pin.lockout.yaml:18:11: sw: expected 63C0, got 6983 [should]",
                "`VERIFY 0018 pin=<redacted>`",
                "(repetition 3)",
            ] {
                assert!(text.contains(expected), "missing {expected:?} in {text}");
            }
        }
        other => return Err(format!("lockout should fail, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn json_round_trips() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("report.json");
    let report = fixture::report();
    write_json(&report, &path)?;
    assert_eq!(read_json(&path)?, report);
    Ok(())
}

fn version_error(version: &str) -> Option<(String, bool)> {
    let text = format!(r#"{{"schema_version": "{version}", "run_info": {{"future": 1}}}}"#);
    match parse_json(&text, Path::new("old/report.json")) {
        Err(ReportError::UnsupportedSchemaVersion {
            found, found_newer, ..
        }) => Some((found, found_newer)),
        _ => None,
    }
}

#[test]
fn other_schema_majors_are_refused_clearly() {
    assert_eq!(version_error("4.0"), Some(("4.0".to_owned(), true)));
    assert_eq!(version_error("0.9"), Some(("0.9".to_owned(), false)));
    let text = r#"{"schema_version": "4.1"}"#;
    let message = parse_json(text, Path::new("x/report.json"))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        message.as_deref(),
        Some(
            "x/report.json: schema_version 4.1 is not readable by this myna-report (reads 1.x to 3.x); \
             upgrade myna-conform to read it"
        )
    );
}

#[test]
fn newer_minor_with_unknown_fields_is_read() -> TestResult {
    let mut value = serde_json::to_value(fixture::report())?;
    value["schema_version"] = "3.99".into();
    value["run_info"]["added_in_3_99"] = "x".into();
    let report = parse_json(&value.to_string(), Path::new("r.json"))?;
    assert_eq!(report.scenarios.len(), 7);
    Ok(())
}

/// A report as the 1.1 writer wrote it (the sample report before 2.0).
const GOLDEN_1_1: &str = include_str!("golden/report-1.1.json");

#[test]
fn a_schema_1_1_report_is_read_into_the_current_shape() -> TestResult {
    let report = parse_json(GOLDEN_1_1, Path::new("golden/report-1.1.json"))?;
    assert_eq!(report.schema_version, SCHEMA_VERSION);
    // Only the role its scenarios used; 1.x also claimed reader and portal.
    let roles: Vec<&str> = report.run_info.targets.keys().map(String::as_str).collect();
    assert_eq!(roles, ["card"]);
    let card = &report.run_info.targets["card"];
    assert_eq!(card.target, "emu");
    assert_eq!(card.details["atr"], "3BE000FF8131FE4514");
    assert!(card.capabilities.iter().all(|c| c.starts_with("card.")));
    assert_eq!(card.capabilities.len(), 8);
    let fail = &report.scenarios[0];
    assert_eq!(fail.targets, ["card"]);
    let verify = fail
        .steps
        .iter()
        .find(|s| s.kind == "verify")
        .ok_or("a verify step")?;
    assert_eq!(verify.family, "card");
    let evidence = &verify.evidence[0];
    assert_eq!((&*evidence.kind, &*evidence.target), ("apdu", "card"));
    assert_eq!(evidence.text("command"), Some("0020008004********"));
    assert_eq!(evidence.text("sw"), Some("63C2"));
    assert_eq!(evidence.duration_us, Some(0));
    assert_eq!(verify.failures[0].note, None);
    // It renders and merges like a 2.0 report.
    assert!(render_junit(&report)?.contains("card.sample.fail"));
    let merged = merge(vec![report.clone()])?;
    assert_eq!(merged.scenarios, report.scenarios);
    Ok(())
}

#[test]
fn schema_1_0_requirements_read_as_covered() -> TestResult {
    let mut value: serde_json::Value = serde_json::from_str(GOLDEN_1_1)?;
    value["schema_version"] = "1.0".into();
    for requirement in value["requirements"]
        .as_array_mut()
        .ok_or("no requirements")?
    {
        requirement
            .as_object_mut()
            .ok_or("not an object")?
            .remove("covered");
    }
    let report = parse_json(&value.to_string(), Path::new("r.json"))?;
    assert!(report.requirements.iter().all(|r| r.covered));
    Ok(())
}

fn file_names(dir: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

#[test]
fn write_reports_creates_the_dir_and_leaves_no_temp_files() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("reports").join("latest");
    let report = fixture::report();
    let written = write_reports(&report, &out)?;
    assert_eq!(
        file_names(&out)?,
        ["junit.xml", "report.html", "report.json", "summary.md"]
    );
    // Beside it only the lock: no staging directory is left.
    assert_eq!(
        file_names(&root.path().join("reports"))?,
        [".latest.lock", "latest"]
    );
    assert_eq!(
        written.path(OutputFormat::Json),
        Some(out.join("report.json").as_path())
    );

    // Overwriting replaces the content and still leaves no temporary file.
    let mut second = report.clone();
    second.run_info.rules_date = "2025-04-01".to_owned();
    write_reports(&second, &out)?;
    assert_eq!(
        file_names(&out)?,
        ["junit.xml", "report.html", "report.json", "summary.md"]
    );
    assert_eq!(
        file_names(&root.path().join("reports"))?,
        [".latest.lock", "latest"]
    );
    let read = read_json(&out.join("report.json"))?;
    assert_eq!(read.run_info, second.run_info);
    assert_eq!(read.scenarios, second.scenarios);
    let listed: Vec<&str> = read.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(listed, ["junit.xml", "summary.md", "report.html"]);
    let markdown = std::fs::read_to_string(out.join("summary.md"))?;
    assert_eq!(markdown, render_markdown(&second));
    Ok(())
}

#[test]
fn unwritable_directory_is_a_located_io_error() -> TestResult {
    let root = tempfile::tempdir()?;
    let blocker = root.path().join("not-a-dir");
    std::fs::write(&blocker, "x")?;
    let target = blocker.join("out");
    match write_reports(&fixture::report(), &target) {
        Err(ReportError::Io { path, .. }) => assert_eq!(path, blocker),
        other => return Err(format!("expected an io error, got {other:?}").into()),
    }
    assert_eq!(file_names(root.path())?, ["not-a-dir"]);
    Ok(())
}

#[test]
fn requirement_verdict_is_worst_of_its_scenarios() {
    let report = fixture::report();
    let verdicts: Vec<(&str, Option<Verdict>, bool)> = report
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), r.verdict.scenario_verdict(), r.covered))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("CARD-SELECT-1", Some(Verdict::Pass), true),
            ("CARD-PIN-3", Some(Verdict::Fail), true),
            ("CARD-PIN-EMPTY", Some(Verdict::Fail), true), // fail + warn
            ("CARD-READ-1", Some(Verdict::Error), true),   // error + fail
            ("READER-UI-1", Some(Verdict::NotApplicable), true), // not_applicable + skipped
            ("PORTAL-UNCITED", None, false),               // uncovered
        ]
    );
}

fn shards() -> (Report, Report) {
    let mut scenarios = fixture::scenarios();
    let second_half = scenarios.split_off(3);
    let mut info_1 = fixture::run_info();
    info_1.selection.shard = Some("1/2".to_owned());
    info_1.started_at = "2025-01-10T09:00:01Z".to_owned();
    info_1.finished_at = "2025-01-10T09:00:09Z".to_owned();
    let mut info_2 = fixture::run_info();
    info_2.selection = Selection {
        shard: Some("2/2".to_owned()),
        ..info_2.selection
    };
    info_2.started_at = "2025-01-10T08:59:58+00:00".to_owned();
    info_2.finished_at = "2025-01-10T09:00:04Z".to_owned();
    info_2.scenario_files.truncate(1);
    info_2.scenario_files.push(myna_report::FileHash {
        path: "scenarios/card/card.read.cert.yaml".to_owned(),
        sha256: "04".repeat(32),
    });
    (
        fixture::report_with(scenarios, info_1),
        fixture::report_with(second_half, info_2),
    )
}

#[test]
fn merging_shards_equals_the_unsharded_report() -> TestResult {
    let (first, second) = shards();
    let merged = merge(vec![first, second])?;
    let whole = fixture::report();
    assert_eq!(merged.summary, whole.summary);
    assert_eq!(merged.scenarios, whole.scenarios);
    assert_eq!(merged.requirements, whole.requirements);

    let info = &merged.run_info;
    assert_eq!(info.started_at, "2025-01-10T08:59:58+00:00");
    assert_eq!(info.finished_at, "2025-01-10T09:00:09Z");
    assert_eq!(info.duration_us, 11_000_000);
    assert_eq!(info.selection.shard, None);
    assert_eq!(info.selection.paths, ["scenarios/"]);
    let files: Vec<&str> = info
        .scenario_files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "scenarios/card/card.select.yaml",
            "scenarios/reader/reader.face.yaml",
            "scenarios/card/card.read.cert.yaml",
        ]
    );
    Ok(())
}

fn merge_error(first: Report, second: Report) -> Option<MergeError> {
    match merge(vec![first, second]) {
        Err(ReportError::Merge(error)) => Some(error),
        _ => None,
    }
}

#[test]
fn merge_refuses_incompatible_or_overlapping_shards() {
    let (first, second) = shards();
    assert_eq!(
        merge_error(first.clone(), first.clone()),
        Some(MergeError::DuplicateScenario {
            id: "card.select".to_owned(),
            first: 1,
            second: 2
        })
    );

    let mut newer = second.clone();
    newer.run_info.harness_version = "0.2.0".to_owned();
    assert!(matches!(
        merge_error(first.clone(), newer),
        Some(MergeError::HarnessVersionMismatch { index: 2, .. })
    ));

    let mut other_rules = second.clone();
    other_rules.run_info.rules_date = "2024-10-07".to_owned();
    assert!(matches!(
        merge_error(first.clone(), other_rules),
        Some(MergeError::RulesDateMismatch { index: 2, .. })
    ));

    let mut other_paths = second.clone();
    other_paths
        .run_info
        .selection
        .paths
        .push("extra/".to_owned());
    assert!(matches!(
        merge_error(first.clone(), other_paths.clone()),
        Some(MergeError::SelectionMismatch { index: 2, .. })
    ));
    let mixed = merge_with(
        vec![first.clone(), other_paths],
        MergeOptions { allow_mixed: true },
    );
    assert!(mixed.is_ok(), "{mixed:?}");

    let mut other_card = second;
    if let Some(card) = other_card.run_info.targets.get_mut("card") {
        card.target = "pcsc:ACS ACR39U".to_owned();
    }
    assert!(matches!(
        merge_error(first, other_card),
        Some(MergeError::TargetMismatch { index: 2, ref role, .. }) if role == "card"
    ));

    assert!(matches!(
        merge(Vec::new()),
        Err(ReportError::Merge(MergeError::NoReports))
    ));
}
