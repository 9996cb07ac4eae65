//! `junit.xml` for CI systems: one `<testsuite>` per family, one
//! `<testcase>` per scenario (DESIGN §5), valid against Jenkins' JUnit XSD
//! (`tests/fixtures/junit-10*.xsd`, checked by `tests/junit_xsd.rs`).
//!
//! JUnit agrees with the exit code: only what makes the run exit non-zero
//! is a `<failure>` or an `<error>`.
//!
//! | verdict | element |
//! |---|---|
//! | `pass` | none (success) |
//! | `warn` | none (a passing testcase): the should-level failures in `<system-out>` |
//! | `fail` | `<failure type="fail">`: message = first failed expectation, text = every failed expectation with its step and evidence |
//! | `error` | `<error type="error">` with the harness or transport error |
//! | `skipped`, `not_applicable` | `<skipped type="skipped|not_applicable">` with the reason |
//! | listed in the expectations file | `<skipped type="expected_failure">`, the way pytest writes `xfail`, with every failure in its text |
//!
//! Each testcase has `file` and `line` (the scenario file, line 1) so GitLab
//! and GitHub reporters link to the scenario, its time to the microsecond
//! (a suite's to the millisecond, all the XSD allows there),
//! and its requirement ids in `<system-out>`; each testsuite has the run's
//! `timestamp` and `hostname` and the run facts as `<properties>`.

use std::fmt::Write as _;
use std::io::Write;

use crate::describe::{detail_text, failure_details, reason};
use crate::error::ReportError;
use crate::schema::{Report, ScenarioReport, Verdict};
use crate::set::part::Part;

/// The `<testsuites name>`.
const REPORT_NAME: &str = "myna-conform";

/// Renders the report as JUnit XML.
pub fn render_junit(report: &Report) -> Result<String, ReportError> {
    let mut cases = JunitScenarios::default();
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = report
        .scenarios
        .iter()
        .try_for_each(|s| cases.push(s, || Ok(Part::memory())))
        .and_then(|()| cases.finish(report, &mut out));
    // Every piece is a Rust string.
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The testcases gathered as scenarios come, one testsuite per family in
/// order of first appearance, with its counts.
#[derive(Debug, Default)]
pub(crate) struct JunitScenarios {
    suites: Vec<Suite>,
    scratch: String,
}

#[derive(Debug)]
struct Suite {
    family: String,
    counts: Counts,
    total_us: u64,
    cases: Part,
}

impl JunitScenarios {
    /// How many testsuites (families) so far.
    pub(crate) fn suites(&self) -> usize {
        self.suites.len()
    }

    /// The next scenario in run order; `new_part` makes the part of a
    /// family not seen before.
    pub(crate) fn push(
        &mut self,
        scenario: &ScenarioReport,
        new_part: impl FnOnce() -> std::io::Result<Part>,
    ) -> std::io::Result<()> {
        let at = match self.suites.iter().position(|s| s.family == scenario.family) {
            Some(at) => at,
            None => {
                self.suites.push(Suite {
                    family: scenario.family.clone(),
                    counts: Counts::default(),
                    total_us: 0,
                    cases: new_part()?,
                });
                self.suites.len() - 1
            }
        };
        self.scratch.clear();
        test_case(&mut self.scratch, scenario);
        let Some(suite) = self.suites.get_mut(at) else {
            return Ok(());
        };
        suite.counts.add(scenario);
        suite.total_us = suite.total_us.saturating_add(scenario.duration_us);
        suite.cases.write_all(self.scratch.as_bytes())
    }

    /// Writes `junit.xml`: `report`'s run-level values and the gathered
    /// testcases.
    pub(crate) fn finish(mut self, report: &Report, out: &mut impl Write) -> std::io::Result<()> {
        let mut all = Counts::default();
        for suite in &self.suites {
            all.merge(&suite.counts);
        }
        let mut head = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            head,
            "<testsuites name=\"{REPORT_NAME}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
            all.tests,
            all.failures,
            all.errors,
            suite_seconds(report.run_info.duration_us)
        );
        out.write_all(head.as_bytes())?;
        for suite in &mut self.suites {
            let counts = &suite.counts;
            let mut open = String::new();
            let _ = write!(
                open,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\"",
                attr(&suite.family),
                counts.tests,
                counts.failures,
                counts.errors,
                counts.skipped,
                suite_seconds(suite.total_us),
                attr(&report.run_info.started_at),
            );
            if let Some(host) = &report.run_info.hostname {
                let _ = write!(open, " hostname=\"{}\"", attr(host));
            }
            open.push_str(">\n");
            properties(&mut open, report);
            out.write_all(open.as_bytes())?;
            suite.cases.copy_to(out)?;
            out.write_all(b"  </testsuite>\n")?;
        }
        out.write_all(b"</testsuites>\n")
    }
}

/// What a testsuite counts.
#[derive(Debug, Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, scenario: &ScenarioReport) {
        self.tests += 1;
        match Outcome::of(scenario) {
            Outcome::Failure => self.failures += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped(_) => self.skipped += 1,
            Outcome::Success => {}
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

/// How a scenario shows in JUnit.
enum Outcome {
    Success,
    Failure,
    Error,
    Skipped(&'static str),
}

impl Outcome {
    fn of(scenario: &ScenarioReport) -> Outcome {
        match (scenario.verdict, &scenario.expected_failure) {
            (Verdict::Pass | Verdict::Warn, None) => Outcome::Success,
            (Verdict::Warn | Verdict::Fail | Verdict::Error, Some(_)) => {
                Outcome::Skipped("expected_failure")
            }
            (Verdict::Pass, Some(_)) => Outcome::Success,
            (Verdict::Fail, None) => Outcome::Failure,
            (Verdict::Error, None) => Outcome::Error,
            (Verdict::Skipped, _) => Outcome::Skipped("skipped"),
            (Verdict::NotApplicable, _) => Outcome::Skipped("not_applicable"),
        }
    }
}

/// Run facts repeated on every suite (JUnit has no report-level properties).
fn properties(out: &mut String, report: &Report) {
    let info = &report.run_info;
    let mut properties = vec![
        ("harness_version".to_owned(), info.harness_version.clone()),
        ("rules_date".to_owned(), info.rules_date.clone()),
        ("status".to_owned(), info.status.as_str().to_owned()),
    ];
    for (role, target) in &info.targets {
        properties.push((format!("{role}_target"), target.target.clone()));
        for (key, value) in &target.details {
            properties.push((format!("{role}_{key}"), detail_text(value)));
        }
    }
    properties.push(("started_at".to_owned(), info.started_at.clone()));
    out.push_str("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            attr(&name),
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
}

fn test_case(out: &mut String, scenario: &ScenarioReport) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\" file=\"{}\" line=\"1\"",
        attr(&scenario.id),
        attr(&scenario.family),
        seconds(scenario.duration_us),
        attr(&scenario.file),
    );
    let outcome = Outcome::of(scenario);
    let system_out = system_out(scenario, &outcome);
    if matches!(outcome, Outcome::Success) && system_out.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let details = || {
        let details = failure_details(scenario);
        if details.is_empty() {
            String::new()
        } else {
            text(&details)
        }
    };
    let element = |out: &mut String, name: &str, kind: &str, message: &str, body: String| {
        let _ = write!(
            out,
            "      <{name} type=\"{}\" message=\"{}\"",
            attr(kind),
            attr(message)
        );
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(out, ">{body}</{name}>");
        }
    };
    match outcome {
        Outcome::Success => {}
        Outcome::Failure => element(out, "failure", "fail", &reason(scenario), details()),
        Outcome::Error => element(out, "error", "error", &reason(scenario), details()),
        Outcome::Skipped(kind) => {
            let message = match &scenario.expected_failure {
                Some(expected) if scenario.verdict.is_problem() => {
                    format!("expected failure ({expected}): {}", reason(scenario))
                }
                _ => reason(scenario),
            };
            let body = if scenario.verdict.is_problem() {
                details()
            } else {
                String::new()
            };
            element(out, "skipped", kind, &message, body);
        }
    }
    if !system_out.is_empty() {
        let _ = writeln!(out, "      <system-out>{}</system-out>", text(&system_out));
    }
    out.push_str("    </testcase>\n");
}

/// The requirement ids, the expectation entry and, for a `warn`, its
/// should-level failures: what a passing testcase has to say.
fn system_out(scenario: &ScenarioReport, outcome: &Outcome) -> String {
    let mut lines = Vec::new();
    if !scenario.requirements.is_empty() {
        lines.push(format!(
            "requirements: {}",
            scenario.requirements.join(", ")
        ));
    }
    if let Some(expected) = &scenario.expected_failure {
        lines.push(format!("expected failure: {expected}"));
    }
    if scenario.verdict == Verdict::Warn && matches!(outcome, Outcome::Success) {
        lines.push(format!("warn (should-level): {}", reason(scenario)));
        lines.push(failure_details(scenario));
    }
    lines.join("\n")
}

/// Microseconds as seconds with six decimals (`0.000850`), for a testcase.
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// Microseconds as seconds with three decimals, rounded up so that a
/// suite that took time never shows `0.000`: the XSD's `SUREFIRE_TIME`
/// of `testsuite` and `testsuites` allows no more digits.
fn suite_seconds(us: u64) -> String {
    let ms = us.div_ceil(1000);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Text escaped for an attribute value (newlines kept as character references).
fn attr(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            c if is_xml_char(c) => escaped.push(c),
            _ => escaped.push('\u{FFFD}'),
        }
    }
    escaped
}

/// Text escaped for element content.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\n' | '\t' => escaped.push(c),
            '\r' => escaped.push_str("&#13;"),
            c if is_xml_char(c) => escaped.push(c),
            _ => escaped.push('\u{FFFD}'),
        }
    }
    escaped
}

/// Whether XML 1.0 allows `c` at all (control characters it does not are
/// replaced, so a target's odd bytes cannot make the file unreadable).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_microseconds() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(850), "0.000850");
        assert_eq!(seconds(12_345_678), "12.345678");
        assert_eq!(suite_seconds(0), "0.000");
        assert_eq!(suite_seconds(850), "0.001");
        assert_eq!(suite_seconds(3_500_000), "3.500");
    }

    #[test]
    fn escaping_keeps_the_xml_well_formed() {
        assert_eq!(
            attr("a<\"b\">&\n\u{1}"),
            "a&lt;&quot;b&quot;&gt;&amp;&#10;\u{FFFD}"
        );
        assert_eq!(text("<x>\n&"), "&lt;x&gt;\n&amp;");
    }
}
