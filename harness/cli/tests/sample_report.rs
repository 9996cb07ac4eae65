//! Regenerates `reports/sample/` and compares it byte for byte, so the

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]
//! report format (json, junit, markdown) cannot drift silently.
//! `MYNA_UPDATE_SAMPLE=1` rewrites the committed files instead.

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::{load_suite, run_suite, select::Selection, RunOptions};
use myna_report::{OutputFormat, Report, RunInfo};

/// Zeroes everything that changes from run to run.
fn normalise(report: &mut Report) {
    let info = &mut report.run_info;
    info.started_at = "2026-01-01T00:00:00Z".into();
    info.finished_at = "2026-01-01T00:00:00Z".into();
    info.duration_ms = 0;
    info.harness_version = "0.0.0".into();
    for scenario in &mut report.scenarios {
        scenario.duration_ms = 0.0;
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
    for format in OutputFormat::DEFAULT {
        let rendered = format.render(&result.report).unwrap();
        let path = dir.join(format.file_name());
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
