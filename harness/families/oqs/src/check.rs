//! An `oqs` step's expectations against the answer: each matcher against
//! the value at its place. A check's name (`result[1].InsurerNumber`) is
//! written only when the check fails.

use std::borrow::Cow;
use std::fmt;

use myna_family::Mismatch;
use myna_scenario::Location;
use serde_json::Value;

use crate::pointer::{at_path, at_pointer};
use crate::step::Expectation;

/// Failed checks of one step, at the expectation being checked.
pub(crate) struct Checks {
    pub(crate) at: Location,
    pub(crate) found: Vec<Mismatch>,
}

impl Checks {
    pub(crate) fn fail(
        &mut self,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.found
            .push(Mismatch::new(self.at.clone(), check, expected, actual));
    }
}

/// The lookup answer's body, where most checks look.
const BODY: &str = "/XmlMsg/MessageBody";
/// Where, in the body, the lookup answer keeps its results.
const RESULTS: &str = "/ResultList/ResultOfQualificationConfirmation";
const SEGMENT: &str = "/XmlMsg/MessageHeader/SegmentOfResult";

/// An answer with the places most checks read found once, not per check.
pub(crate) struct Answer<'a> {
    json: &'a Value,
    /// `/XmlMsg/MessageBody`.
    body: Option<&'a Value>,
    /// `/XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation`
    /// (none when it is not a list).
    results: &'a [Value],
}

impl<'a> Answer<'a> {
    /// The answer `json`.
    pub(crate) fn new(json: &'a Value) -> Self {
        let body = at_pointer(json, BODY);
        let results = body
            .and_then(|b| at_pointer(b, RESULTS))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        Answer {
            json,
            body,
            results,
        }
    }

    /// `/XmlMsg/MessageBody/<name>`.
    fn in_body(&self, name: &str) -> Option<&'a Value> {
        self.body.and_then(|b| b.get(name))
    }
}

fn text(v: &Value) -> Option<String> {
    scalar(v).map(Cow::into_owned)
}

/// A string or a number as text (borrowed when a string).
fn scalar(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// A value as a scalar matcher compares it: strings and numbers as text,
/// anything else as its JSON.
fn compared(v: &Value) -> Cow<'_, str> {
    scalar(v).unwrap_or_else(|| Cow::Owned(v.to_string()))
}

fn render(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Checks one value against a matcher: a scalar (compared as text), `null`
/// (absent), or `{present}`, `{contains}`, `{one_of}`, `{not}`, `{len}`.
/// `check` names the check when it fails.
fn check_value(
    outcome: &mut Checks,
    check: &dyn fmt::Display,
    matcher: &Value,
    actual: Option<&Value>,
) {
    match matcher {
        Value::Null => {
            if actual.is_some_and(|a| !a.is_null()) {
                outcome.fail(check.to_string(), "(absent)", render(actual));
            }
        }
        Value::Object(m) => {
            for (op, arg) in m {
                check_op(outcome, check, op, arg, actual);
            }
        }
        expected => {
            let want = compared(expected);
            if actual.map(compared).as_deref() != Some(want.as_ref()) {
                outcome.fail(check.to_string(), want.into_owned(), render(actual));
            }
        }
    }
}

/// One operator of a matcher map.
fn check_op(
    outcome: &mut Checks,
    check: &dyn fmt::Display,
    op: &str,
    arg: &Value,
    actual: Option<&Value>,
) {
    match op {
        "present" => {
            let want = arg.as_bool().unwrap_or(true);
            if actual.is_some_and(|a| !a.is_null()) != want {
                outcome.fail(
                    check.to_string(),
                    if want { "present" } else { "(absent)" },
                    render(actual),
                );
            }
        }
        "contains" => {
            let needle = text(arg).unwrap_or_default();
            if !actual.and_then(scalar).is_some_and(|a| a.contains(&needle)) {
                outcome.fail(
                    check.to_string(),
                    format!("contains {needle:?}"),
                    render(actual),
                );
            }
        }
        "one_of" => {
            let options: Vec<String> = arg
                .as_array()
                .map(|a| a.iter().filter_map(text).collect())
                .unwrap_or_default();
            if !actual
                .and_then(scalar)
                .is_some_and(|a| options.iter().any(|o| *o == a))
            {
                outcome.fail(
                    check.to_string(),
                    format!("one of {options:?}"),
                    render(actual),
                );
            }
        }
        "not" => {
            if actual.and_then(scalar) == scalar(arg) {
                outcome.fail(
                    check.to_string(),
                    format!("not {}", render(Some(arg))),
                    render(actual),
                );
            }
        }
        "len" => {
            let len = actual.and_then(Value::as_array).map(Vec::len);
            if len.map(|l| l as u64) != arg.as_u64() {
                outcome.fail(
                    check.to_string(),
                    format!("length {}", render(Some(arg))),
                    format!("{len:?}"),
                );
            }
        }
        other => outcome.fail(
            check.to_string(),
            "a matcher (present, contains, one_of, not, len)",
            other.to_string(),
        ),
    }
}

/// The name of a result field's check: `result.X`, or `result[i].X` when
/// the expectation lists several results.
struct ResultCheck<'a> {
    index: Option<usize>,
    field: &'a str,
}

impl fmt::Display for ResultCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            None => write!(f, "result.{}", self.field),
            Some(i) => write!(f, "result[{i}].{}", self.field),
        }
    }
}

/// The name of a `json:` check: `json` + the pointer.
struct JsonCheck<'a>(&'a str);

impl fmt::Display for JsonCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json{}", self.0)
    }
}

/// Checks `expectation` against the answer (`status`, `json`).
pub(crate) fn check(
    outcome: &mut Checks,
    expectation: &Expectation,
    status: u16,
    answer: &Answer<'_>,
) {
    let json = answer.json;
    match expectation {
        Expectation::Timeout(_) => {}
        Expectation::Status(m) => check_value(outcome, &"status", m, Some(&Value::from(status))),
        Expectation::Validity(m) => check_value(
            outcome,
            &"validity",
            m,
            answer.in_body("QualificationValidity"),
        ),
        Expectation::ResultStatus(m) => check_value(
            outcome,
            &"result_status",
            m,
            answer.in_body("ProcessingResultStatus"),
        ),
        Expectation::ResultCode(m) => check_value(
            outcome,
            &"result_code",
            m,
            answer.in_body("ProcessingResultCode"),
        ),
        Expectation::Segment(m) => check_value(outcome, &"segment", m, at_pointer(json, SEGMENT)),
        Expectation::ErrorCode(m) => {
            let actual = at_pointer(json, "/error/code")
                .or_else(|| at_pointer(json, "/XmlMsg/MessageHeader/ErrorCode"));
            check_value(outcome, &"error_code", m, actual);
        }
        Expectation::Results(m) => check_value(
            outcome,
            &"results",
            m,
            Some(&Value::from(answer.results.len())),
        ),
        Expectation::Result(each) => {
            let all = answer.results;
            for (i, fields) in each.iter().enumerate() {
                let result = all.get(i);
                for (field, matcher) in fields {
                    let name = ResultCheck {
                        index: (each.len() != 1).then_some(i),
                        field,
                    };
                    let actual = result.and_then(|r| at_path(r, field));
                    check_value(outcome, &name, matcher, actual);
                }
            }
        }
        Expectation::Json(pointers) => {
            for (pointer, m) in pointers {
                check_value(outcome, &JsonCheck(pointer), m, at_pointer(json, pointer));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checks() -> Checks {
        Checks {
            at: Location {
                file: "t.yaml".into(),
                line: 1,
                col: 1,
            },
            found: Vec::new(),
        }
    }

    /// Every matcher passes on what it names and fails, named and
    /// explained, on what it does not.
    #[test]
    fn matchers_pass_and_fail_with_their_names() {
        let answer = json!({ "XmlMsg": { "MessageBody": {
            "QualificationValidity": "1",
            "ResultList": { "ResultOfQualificationConfirmation": [
                { "InsurerNumber": "06130012", "Elderly": { "Ratio": "020" } },
                { "InsurerNumber": "138016" }
            ] }
        } } });
        let passing = [
            Expectation::Status(json!(200)),
            Expectation::Validity(json!("1")),
            Expectation::Validity(json!(1)),
            Expectation::Results(json!(2)),
            Expectation::Results(json!({ "not": 3 })),
            Expectation::Validity(json!({ "one_of": ["1", "5"], "contains": "1" })),
            Expectation::Segment(Value::Null),
            Expectation::Result(vec![
                vec![("Elderly.Ratio".into(), json!("020"))],
                vec![("InsurerNumber".into(), json!({ "present": true }))],
            ]),
            Expectation::Json(vec![(
                "/XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation".into(),
                json!({ "len": 2 }),
            )]),
        ];
        let mut c = checks();
        let view = Answer::new(&answer);
        for e in &passing {
            check(&mut c, e, 200, &view);
        }
        assert_eq!(c.found, Vec::new());

        let failing = [
            Expectation::Status(json!(404)),
            Expectation::Result(vec![vec![("InsurerNumber".into(), json!("x"))]]),
            Expectation::Result(vec![
                vec![],
                vec![("InsurerNumber".into(), json!({ "present": false }))],
            ]),
            Expectation::Json(vec![("/nowhere".into(), json!("y"))]),
            Expectation::Validity(json!({ "one_of": ["5"] })),
        ];
        for e in &failing {
            check(&mut c, e, 200, &view);
        }
        let seen: Vec<(&str, &str, &str)> = c
            .found
            .iter()
            .map(|m| (m.check.as_str(), m.expected.as_str(), m.actual.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("status", "404", "200"),
                ("result.InsurerNumber", "x", "06130012"),
                ("result[1].InsurerNumber", "(absent)", "138016"),
                ("json/nowhere", "y", "(absent)"),
                ("validity", "one of [\"5\"]", "1"),
            ]
        );
    }
}
