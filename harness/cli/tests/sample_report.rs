//! Regenerates `reports/sample/` and compares it byte for byte, so the

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]
//! report format (json, junit, markdown) cannot drift silently.
//! `MYNA_UPDATE_SAMPLE=1` rewrites the committed files instead.

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::{load_suite, run_suite, select::Selection, RunOptions};
use myna_report::{render_set, Report, RunInfo};

/// Zeroes everything that changes from run to run.
fn normalise(report: &mut Report) {
    let info = &mut report.run_info;
    info.started_at = "2026-01-01T00:00:00Z".into();
    info.finished_at = "2026-01-01T00:00:00Z".into();
    info.duration_us = 0;
    info.harness_version = "0.0.0".into();
    info.hostname = Some("sample-host".into());
    for scenario in &mut report.scenarios {
        scenario.duration_us = 0;
        for step in &mut scenario.steps {
            step.duration_us = 0;
            for evidence in &mut step.evidence {
                evidence.at_us = 0;
                if evidence.duration_us.is_some() {
                    evidence.duration_us = Some(0);
                }
            }
        }
    }
}

#[test]
fn sample_report_is_unchanged() {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("reports/sample/scenarios")],
        Path::new("reports/sample/requirements.yaml"),
        &families(&Targets::default()),
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let mut families = families(&Targets::default());
    let options = RunOptions {
        selection: Selection {
            rules_date: "2026-01-01".into(),
            ..Selection::default()
        },
        expectations: Vec::new(),
        interrupt: Default::default(),
        live_steps: false,
        run_info: RunInfo {
            command: vec![
                "myna-conform".into(),
                "run".into(),
                "reports/sample/scenarios".into(),
            ],
            ..RunInfo::default()
        },
    };
    let mut result = run_suite(&suite, &mut families, &options, &mut |_| {});
    normalise(&mut result.report);
    let verdicts: Vec<&str> = result
        .report
        .scenarios
        .iter()
        .map(|s| s.verdict.as_str())
        .collect();
    assert_eq!(verdicts, ["fail", "not_applicable", "pass", "warn"]);
    assert_eq!(result.exit_code(), 1);

    let dir = common::root().join("reports/sample");
    let update = std::env::var_os("MYNA_UPDATE_SAMPLE").is_some();
    let mut stale = Vec::new();
    for file in render_set(&result.report, None).unwrap() {
        let rendered = file.bytes;
        let path = dir.join(file.name);
        if update {
            std::fs::write(&path, &rendered).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(rendered.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "the report format changed: {} differ; if intended, run MYNA_UPDATE_SAMPLE=1 cargo test -p myna-conform --test sample_report and commit",
        stale.join(", ")
    );
}

/// The committed sample validates against `report schema` (a third-party
/// validator), and the schema has no empty-string enum value.
#[test]
fn the_sample_report_validates_against_the_published_schema() {
    common::enter_root().unwrap();
    let schema = myna_report::schema::report_schema();
    fn empty_enum_values(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(key, v)| {
                    let own = if key == "enum" {
                        v.as_array()
                            .map_or(0, |a| a.iter().filter(|e| *e == "").count())
                    } else {
                        0
                    };
                    own + empty_enum_values(v)
                })
                .sum(),
            serde_json::Value::Array(items) => items.iter().map(empty_enum_values).sum(),
            _ => 0,
        }
    }
    assert_eq!(empty_enum_values(&schema), 0);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("reports/sample/report.json").unwrap())
            .unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&sample)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Schema-checked facts of issue 12: integer µs, no empty levels,
    // uncovered requirements named so.
    assert!(sample["scenarios"][0]["duration_us"].is_u64());
    assert!(sample["run_info"]["duration_us"].is_u64());
    let uncovered: Vec<&serde_json::Value> = sample["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["covered"] == false)
        .collect();
    assert!(!uncovered.is_empty());
    assert!(uncovered.iter().all(|r| r["verdict"] == "uncovered"));
    // A broken report is refused by the same validator.
    let mut broken = sample.clone();
    broken["scenarios"][0]["level"] = "".into();
    assert!(!validator.is_valid(&broken));
}

/// A golden report of every schema version this harness wrote is read.
#[test]
fn a_golden_report_of_every_schema_version_is_read() {
    common::enter_root().unwrap();
    let golden = std::path::Path::new("harness/report/tests/golden");
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(golden).unwrap() {
        let path = entry.unwrap().path();
        let report = myna_report::read_json(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.schema_version, myna_report::SCHEMA_VERSION);
        assert_eq!(report.scenarios.len(), 4, "{}", path.display());
        versions.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    versions.sort();
    assert_eq!(
        versions,
        ["report-1.1.json", "report-2.0.json", "report-3.0.json"]
    );
}
