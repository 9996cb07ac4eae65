//! `junit.xml` for CI systems: one `<testsuite>` per family, one
//! `<testcase>` per scenario (DESIGN §5).
//!
//! | verdict | element |
//! |---|---|
//! | `pass` | none (success) |
//! | `fail`, `warn` | `<failure type="fail|warn">`: message = first failed expectation, text = every failed expectation with its step and evidence |
//! | `error` | `<error type="error">` with the harness or transport error |
//! | `skipped`, `not_applicable` | `<skipped type="skipped|not_applicable">` with the reason |
//!
//! A `fail`/`warn`/`error` that the expectations file lists
//! (`expected_failure`) is written as `<skipped type="expected_failure">`,
//! the way pytest writes `xfail`: CI dashboards then show only new
//! failures, in line with the expectations file's purpose (DESIGN §4), while
//! the text still carries every failure.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use crate::describe::{detail_text, failure_details, reason};
use crate::error::ReportError;
use crate::schema::{Report, ScenarioReport, Verdict};

/// The `<testsuites name>`.
const REPORT_NAME: &str = "myna-conform";

/// Renders the report as JUnit XML.
pub fn render_junit(report: &Report) -> Result<String, ReportError> {
    let mut junit = quick_junit::Report::new(REPORT_NAME);
    if let Some(time) = duration_from_ms(report.run_info.duration_ms as f64) {
        junit.set_time(time);
    }
    let properties = run_properties(report);
    for family in families_in_order(report) {
        let mut suite = TestSuite::new(family);
        suite.add_properties(properties.iter().cloned());
        let mut total_ms = 0.0;
        for scenario in report.scenarios.iter().filter(|s| s.family == family) {
            total_ms += scenario.duration_ms;
            suite.add_test_case(test_case(scenario));
        }
        if let Some(time) = duration_from_ms(total_ms) {
            suite.set_time(time);
        }
        junit.add_test_suite(suite);
    }
    Ok(junit.to_string()?)
}

/// Families in order of first appearance.
fn families_in_order(report: &Report) -> Vec<&str> {
    let mut families: Vec<&str> = Vec::new();
    for scenario in &report.scenarios {
        if !families.contains(&scenario.family.as_str()) {
            families.push(&scenario.family);
        }
    }
    families
}

/// Run facts repeated on every suite (JUnit has no report-level properties).
fn run_properties(report: &Report) -> Vec<Property> {
    let info = &report.run_info;
    let mut properties = vec![
        Property::new("harness_version", &info.harness_version),
        Property::new("rules_date", &info.rules_date),
    ];
    for (role, target) in &info.targets {
        properties.push(Property::new(format!("{role}_target"), &target.target));
        for (key, value) in &target.details {
            properties.push(Property::new(format!("{role}_{key}"), detail_text(value)));
        }
    }
    properties.push(Property::new("started_at", &info.started_at));
    properties
}

fn test_case(scenario: &ScenarioReport) -> TestCase {
    let mut case = TestCase::new(&scenario.id, status(scenario));
    case.set_classname(&scenario.family);
    if let Some(time) = duration_from_ms(scenario.duration_ms) {
        case.set_time(time);
    }
    for requirement in &scenario.requirements {
        case.add_property(Property::new("requirement", requirement));
    }
    if let Some(expected) = &scenario.expected_failure {
        case.add_property(Property::new("expected_failure", expected));
    }
    case
}

fn status(scenario: &ScenarioReport) -> TestCaseStatus {
    let verdict = scenario.verdict;
    let (mut status, kind, message) = match (verdict, &scenario.expected_failure) {
        (Verdict::Pass, _) => return TestCaseStatus::success(),
        (Verdict::Warn | Verdict::Fail | Verdict::Error, Some(expected)) => (
            TestCaseStatus::skipped(),
            "expected_failure",
            format!("expected failure ({expected}): {}", reason(scenario)),
        ),
        (Verdict::Error, None) => (
            TestCaseStatus::non_success(NonSuccessKind::Error),
            verdict.as_str(),
            reason(scenario),
        ),
        (Verdict::Warn | Verdict::Fail, None) => (
            TestCaseStatus::non_success(NonSuccessKind::Failure),
            verdict.as_str(),
            reason(scenario),
        ),
        (Verdict::Skipped | Verdict::NotApplicable, _) => (
            TestCaseStatus::skipped(),
            verdict.as_str(),
            reason(scenario),
        ),
    };
    status.set_type(kind).set_message(message);
    if verdict.is_problem() {
        let details = failure_details(scenario);
        if !details.is_empty() {
            status.set_description(details);
        }
    }
    status
}

/// Milliseconds as a [`Duration`]; `None` for negative or non-finite input.
fn duration_from_ms(ms: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}
