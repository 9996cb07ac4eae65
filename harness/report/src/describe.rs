//! Plain-text descriptions of failures and evidence shared by the JUnit and
//! Markdown writers, so both say the same thing the same way.

use crate::schema::{Evidence, Failure, ScenarioReport, StepReport, Verdict};

/// `file:line:col: check: expected …, got …`, and what else the target
/// said (` (note: …)`).
pub fn failure_line(failure: &Failure) -> String {
    let mut line = format!(
        "{}: {}: expected {}, got {}",
        failure.location, failure.check, failure.expected, failure.actual
    );
    if let Some(note) = &failure.note {
        line.push_str(&format!(" (note: {})", one_line(note)));
    }
    line
}

/// The first failed expectation in run order, with its step.
pub fn first_failure(scenario: &ScenarioReport) -> Option<(&StepReport, &Failure)> {
    scenario
        .steps
        .iter()
        .find_map(|step| step.failures.first().map(|failure| (step, failure)))
}

/// One line saying why the scenario has its verdict: the first failed
/// expectation, else the scenario's message, else the first transport
/// error, else the verdict's name.
pub fn reason(scenario: &ScenarioReport) -> String {
    if scenario.verdict.is_problem() && scenario.verdict != Verdict::Error {
        if let Some((_, failure)) = first_failure(scenario) {
            return failure_line(failure);
        }
    }
    if let Some(message) = &scenario.message {
        return one_line(message);
    }
    if let Some(message) = first_transport_error(scenario) {
        return format!("transport error: {}", one_line(message));
    }
    scenario.verdict.as_str().to_owned()
}

/// The first transport error in the evidence, if any.
fn first_transport_error(scenario: &ScenarioReport) -> Option<&str> {
    scenario
        .steps
        .iter()
        .flat_map(|step| &step.evidence)
        .filter(|evidence| evidence.kind == "transport_error")
        .find_map(|evidence| evidence.text("message"))
}

/// Where a step is and what it did: ``step 3 `LABEL` at file:l:c
/// (repetition 2, finally, included from file:l:c)``.
pub fn step_heading(step: &StepReport) -> String {
    let mut notes = Vec::new();
    if let Some(repetition) = step.repetition {
        notes.push(format!("repetition {repetition}"));
    }
    if step.is_finally {
        notes.push("finally".to_owned());
    }
    if let Some(include) = &step.included_from {
        notes.push(format!("included from {include}"));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    format!(
        "step {} `{}` at {}{}",
        step.index,
        one_line(&step.label),
        step.location,
        notes
    )
}

/// Longest field value shown in a text rendering; the whole value is in
/// `report.json`.
const MAX_FIELD_CHARS: usize = 160;

/// One evidence event as text, whatever family recorded it: a heading
/// (`card apdu: SELECT jpki → 9000 success`), then one line per field
/// (`  command: 00A4…`), each cut at [`MAX_FIELD_CHARS`].
pub fn evidence_line(evidence: &Evidence) -> String {
    let mut text = format!("{} {}", evidence.target, evidence.kind);
    if let Some(summary) = &evidence.summary {
        text.push_str(&format!(": {}", one_line(summary)));
    }
    for (key, value) in &evidence.fields {
        let shown = detail_text(value);
        if shown.is_empty() {
            continue;
        }
        text.push_str(&format!("\n  {key}: {}", shorten(&one_line(&shown))));
    }
    text
}

/// A detail or field value as text: strings as they are, anything else as
/// compact JSON.
pub fn detail_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_FIELD_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_FIELD_CHARS).collect();
    format!("{cut}…")
}

/// Every failed (or erroring) step of the scenario: its heading, each failed
/// expectation with its location and level, and the step's evidence.
pub fn failure_details(scenario: &ScenarioReport) -> String {
    let mut text = String::new();
    for step in &scenario.steps {
        if !step.verdict.is_problem() && step.failures.is_empty() {
            continue;
        }
        text.push_str(&step_heading(step));
        text.push_str(&format!(": {}\n", step.verdict.as_str()));
        for failure in &step.failures {
            text.push_str(&format!(
                "  {} [{}]\n",
                failure_line(failure),
                failure.level.as_str()
            ));
        }
        for evidence in &step.evidence {
            for line in evidence_line(evidence).lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
    }
    text
}

/// Newlines and tabs turned into spaces, for one-line contexts.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("a\nb\r\n\tc"), "a b c");
    }

    #[test]
    fn a_failure_line_carries_the_targets_note() {
        let failure = Failure {
            location: "o.yaml:9:15".into(),
            check: "status".into(),
            expected: "200".into(),
            actual: "400".into(),
            note: Some("invalid field `CertificateSerialNumber`\n: not hex".into()),
            level: crate::schema::Level::Must,
        };
        assert_eq!(
            failure_line(&failure),
            "o.yaml:9:15: status: expected 200, got 400 (note: invalid field `CertificateSerialNumber` : not hex)"
        );
    }

    #[test]
    fn reason_prefers_first_failure_then_message() {
        let failing_step = StepReport {
            index: 1,
            failures: vec![Failure {
                location: "f.yaml:3:5".into(),
                check: "sw".into(),
                expected: "9000".into(),
                actual: "6A82".into(),
                note: None,
                level: crate::schema::Level::Must,
            }],
            ..StepReport::default()
        };
        let mut scenario = ScenarioReport {
            verdict: Verdict::Fail,
            message: Some("summary\nline".into()),
            steps: vec![StepReport::default(), failing_step],
            ..ScenarioReport::default()
        };
        assert_eq!(reason(&scenario), "f.yaml:3:5: sw: expected 9000, got 6A82");
        scenario.steps.clear();
        assert_eq!(reason(&scenario), "summary line");
        scenario.message = None;
        assert_eq!(reason(&scenario), "fail");
    }
}
