//! A run that keeps no scenario (`run_suite_streamed`, each scenario
//! written into the set as it finishes by `myna_report::SetWriter`, as
//! `myna-conform run` does: issue 14 goal 6) reports what a run keeping
//! every scenario reports: the same report.json once the times are
//! zeroed, the same summary, requirements and exit code.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::{
    load_suite, run_suite, run_suite_streamed, select::Selection, Budget, Progress, RunOptions,
};
use myna_report::{read_json, Report, ReportDir};

/// Zeroes everything that changes from run to run.
fn normalise(report: &mut Report) {
    let info = &mut report.run_info;
    info.started_at = String::new();
    info.finished_at = String::new();
    info.duration_us = 0;
    for scenario in &mut report.scenarios {
        scenario.duration_us = 0;
        for step in &mut scenario.steps {
            step.duration_us = 0;
            for evidence in &mut step.evidence {
                evidence.at_us = 0;
                evidence.duration_us = evidence.duration_us.map(|_| 0);
            }
        }
    }
}

#[test]
fn a_streamed_run_reports_what_a_kept_run_reports() {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("reports/sample/scenarios")],
        Path::new("reports/sample/requirements.yaml"),
        &families(&Targets::default()),
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let options = RunOptions {
        selection: Selection {
            rules_date: "2026-01-01".into(),
            ..Selection::default()
        },
        ..RunOptions::default()
    };
    let mut kept = run_suite(
        &suite,
        &mut families(&Targets::default()),
        &options,
        &mut |_| {},
    );

    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("latest");
    let dir = ReportDir::open(&out).unwrap();
    let mut writer = dir.set_writer().unwrap();
    let streamed = run_suite_streamed(
        &suite,
        &mut families(&Targets::default()),
        &options,
        &Budget::default(),
        &mut |event| {
            if let Progress::Finished(scenario) = event {
                writer.push(scenario);
            }
        },
    );
    assert!(streamed.report.scenarios.is_empty());
    assert_eq!(streamed.report.summary, kept.report.summary);
    assert_eq!(streamed.report.requirements, kept.report.requirements);
    assert_eq!(streamed.exit_code(), kept.exit_code());
    assert_eq!(streamed.exit_code(), 1, "the sample has a failing scenario");
    writer.write_set(dir, &streamed.report, None).unwrap();

    let mut written = read_json(&out.join("report.json")).unwrap();
    assert_eq!(written.scenarios.len(), 4);
    normalise(&mut written);
    normalise(&mut kept.report);
    written.files.clear();
    assert_eq!(written, kept.report);
}
