//! A scenario's element of `report.json` written straight into a buffer:
//! its fields laid out as `crate::outline` lays them out, each step a
//! compact line, byte for byte what `serde_json` writes for them with that
//! formatter (the tests hold them equal).
//!
//! Why by hand: a large run's `report.json` is some 100 MB of steps, and
//! serde's path through the formatter (a call per token, the flattened
//! evidence fields through a map serializer, every byte of the long hex
//! looked up for escapes) cost most of a run's report writing; the step's
//! shape is fixed, its strings mostly need no escape (`crate::escape`).

use std::io;

use serde::Serialize;
use serde_json::Value;

use crate::escape::{json_str, number};
use crate::outline::{indent, write_at};
use crate::schema::{Evidence, Failure, ScenarioReport, StepReport};

/// Appends one element of the `scenarios` array, at its depth (2) in the
/// file; `first` for the first.
pub(crate) fn write_scenario(
    out: &mut Vec<u8>,
    scenario: &ScenarioReport,
    first: bool,
) -> io::Result<()> {
    // Every field named, in `ScenarioReport`'s order, so a field added
    // there must be placed here.
    let ScenarioReport {
        id,
        title,
        family,
        file,
        level,
        verdict,
        message,
        blame,
        targets,
        requirements,
        tags,
        persona,
        expected_failure,
        duration_us,
        steps,
    } = scenario;
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    indent(out, 2)?;
    out.push(b'{');
    field(out, "id", id, true)?;
    field(out, "title", title, false)?;
    field(out, "family", family, false)?;
    field(out, "file", file, false)?;
    field(out, "level", level, false)?;
    field(out, "verdict", verdict, false)?;
    field(out, "message", message, false)?;
    field(out, "blame", blame, false)?;
    field(out, "targets", targets, false)?;
    field(out, "requirements", requirements, false)?;
    field(out, "tags", tags, false)?;
    field(out, "persona", persona, false)?;
    field(out, "expected_failure", expected_failure, false)?;
    field(out, "duration_us", duration_us, false)?;
    out.extend_from_slice(b",\n      \"steps\": [");
    for (at, step) in steps.iter().enumerate() {
        out.extend_from_slice(if at == 0 { b"\n" } else { b",\n" });
        indent(out, 4)?;
        write_step(out, step);
    }
    if !steps.is_empty() {
        out.push(b'\n');
        indent(out, 3)?;
    }
    out.extend_from_slice(b"]\n    }");
    Ok(())
}

/// `"key": value` of a scenario (depth 3), on a line of its own.
fn field(out: &mut Vec<u8>, key: &str, value: &impl Serialize, first: bool) -> io::Result<()> {
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    indent(out, 3)?;
    json_str(out, key);
    out.extend_from_slice(b": ");
    write_at(out, 3, value).map_err(io::Error::other)
}

fn optional_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => json_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A step as compact JSON, in `StepReport`'s field order.
fn write_step(out: &mut Vec<u8>, step: &StepReport) {
    let StepReport {
        index,
        family,
        kind,
        label,
        location,
        included_from,
        repetition,
        is_finally,
        verdict,
        failures,
        duration_us,
        evidence,
    } = step;
    out.extend_from_slice(b"{\"index\":");
    number(out, *index);
    out.extend_from_slice(b",\"family\":");
    json_str(out, family);
    out.extend_from_slice(b",\"kind\":");
    json_str(out, kind);
    out.extend_from_slice(b",\"label\":");
    json_str(out, label);
    out.extend_from_slice(b",\"location\":");
    json_str(out, location);
    out.extend_from_slice(b",\"included_from\":");
    optional_str(out, included_from.as_deref());
    out.extend_from_slice(b",\"repetition\":");
    match repetition {
        Some(n) => number(out, *n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if *is_finally {
        b",\"is_finally\":true,\"verdict\":"
    } else {
        b",\"is_finally\":false,\"verdict\":"
    });
    json_str(out, verdict.as_str());
    out.extend_from_slice(b",\"failures\":[");
    for (at, failure) in failures.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_failure(out, failure);
    }
    out.extend_from_slice(b"],\"duration_us\":");
    number(out, *duration_us);
    out.extend_from_slice(b",\"evidence\":[");
    for (at, record) in evidence.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_evidence(out, record);
    }
    out.extend_from_slice(b"]}");
}

fn write_failure(out: &mut Vec<u8>, failure: &Failure) {
    let Failure {
        location,
        check,
        expected,
        actual,
        note,
        level,
    } = failure;
    out.extend_from_slice(b"{\"location\":");
    json_str(out, location);
    out.extend_from_slice(b",\"check\":");
    json_str(out, check);
    out.extend_from_slice(b",\"expected\":");
    json_str(out, expected);
    out.extend_from_slice(b",\"actual\":");
    json_str(out, actual);
    out.extend_from_slice(b",\"note\":");
    optional_str(out, note.as_deref());
    out.extend_from_slice(b",\"level\":");
    json_str(out, level.as_str());
    out.push(b'}');
}

/// An evidence record: the common fields, then the family's fields beside
/// them (serde's `flatten`).
fn write_evidence(out: &mut Vec<u8>, evidence: &Evidence) {
    let Evidence {
        kind,
        at_us,
        target,
        duration_us,
        summary,
        fields,
    } = evidence;
    out.extend_from_slice(b"{\"type\":");
    json_str(out, kind);
    out.extend_from_slice(b",\"at_us\":");
    number(out, *at_us);
    out.extend_from_slice(b",\"target\":");
    json_str(out, target);
    if let Some(duration_us) = duration_us {
        out.extend_from_slice(b",\"duration_us\":");
        number(out, *duration_us);
    }
    if let Some(summary) = summary {
        out.extend_from_slice(b",\"summary\":");
        json_str(out, summary);
    }
    for (name, value) in fields {
        out.push(b',');
        json_str(out, name);
        out.push(b':');
        match value {
            Value::String(text) => json_str(out, text),
            // Writing into a Vec cannot fail, nor can a `Value`.
            other => {
                let _ = serde_json::to_writer(&mut *out, other);
            }
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Level, Verdict};

    const ODD: &str = "a</script>→ 数字4桁 \u{2028} 😀 \"q\" \\ \n\u{1}\u{7f}";

    fn scenarios() -> Vec<ScenarioReport> {
        let fields = serde_json::json!({
            "command": "00B00000FF", "response": "9F".repeat(255), "sw": "9000",
            "nested": {"a": [1, -2.5, null, true, ODD]}, "none": null, "n": 3, "odd": ODD,
        });
        let record = Evidence {
            kind: ODD.to_owned().into(),
            at_us: u64::MAX,
            target: "card".into(),
            duration_us: Some(0),
            summary: Some(ODD.to_owned()),
            fields: fields.as_object().cloned().unwrap().into(),
        };
        let step = StepReport {
            index: 3,
            family: ODD.to_owned().into(),
            kind: "apdu".into(),
            label: ODD.to_owned(),
            location: "f.yaml:1:1".to_owned(),
            included_from: Some(ODD.to_owned()),
            repetition: Some(u32::MAX),
            is_finally: true,
            verdict: Verdict::NotApplicable,
            failures: vec![
                Failure::default(),
                Failure {
                    note: Some(ODD.to_owned()),
                    level: Level::Should,
                    actual: ODD.to_owned(),
                    ..Failure::default()
                },
            ],
            duration_us: 17,
            evidence: vec![Evidence::default(), record],
        };
        vec![
            ScenarioReport::default(),
            ScenarioReport {
                id: ODD.to_owned(),
                message: Some(ODD.to_owned()),
                blame: Some("iut".to_owned()),
                targets: vec!["card".to_owned(), ODD.to_owned()],
                requirements: vec!["R-1".to_owned()],
                persona: Some(ODD.to_owned()),
                expected_failure: Some(String::new()),
                steps: vec![StepReport::default(), step],
                ..ScenarioReport::default()
            },
        ]
    }

    #[test]
    fn a_scenario_is_written_as_the_outline_formatter_writes_it() {
        for (at, scenario) in scenarios().iter().enumerate() {
            let mut ours = Vec::new();
            write_scenario(&mut ours, scenario, at == 0).unwrap();
            let mut theirs: Vec<u8> = if at == 0 { &b"\n"[..] } else { &b",\n"[..] }.to_vec();
            indent(&mut theirs, 2).unwrap();
            write_at(&mut theirs, 2, scenario).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }
}
