//! The checks of a step's answer, and its captures.

use myna_family::{Mismatch, StepCtx, StepEnd};
use myna_scenario::Location;
use serde_json::Value;

use super::Produced;
use crate::step::{Expectation, PortalCapture};

pub(crate) fn fill_expectation(
    e: &Expectation,
    cx: &mut StepCtx<'_>,
) -> Result<Expectation, StepEnd> {
    Ok(match e {
        Expectation::Status(m) => Expectation::Status(cx.fill_json(m)?),
        Expectation::ErrorCode(m) => Expectation::ErrorCode(cx.fill_json(m)?),
        Expectation::ErrorField(m) => Expectation::ErrorField(cx.fill_json(m)?),
        Expectation::Json(pairs) => Expectation::Json(
            pairs
                .iter()
                .map(|(p, m)| Ok((p.clone(), cx.fill_json(m)?)))
                .collect::<Result<_, StepEnd>>()?,
        ),
        other => other.clone(),
    })
}

fn render(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(absent)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Checks `actual` against a matcher.
fn check_value(
    found: &mut Vec<Mismatch>,
    at: &Location,
    what: &str,
    matcher: &Value,
    actual: Option<&Value>,
) {
    let actual = actual.filter(|v| !v.is_null());
    let mut fail = |expected: String| {
        found.push(Mismatch::new(at.clone(), what, expected, render(actual)));
    };
    match matcher {
        Value::Null => {
            if actual.is_some() {
                fail("(absent)".into());
            }
        }
        Value::Object(ops) => {
            for (op, arg) in ops {
                let text = actual.and_then(as_text);
                let ok = match op.as_str() {
                    "present" => actual.is_some() == (arg == &Value::Bool(true)),
                    "contains" => text
                        .as_deref()
                        .zip(as_text(arg))
                        .is_some_and(|(t, n)| t.contains(&n)),
                    "one_of" => arg.as_array().is_some_and(|opts| {
                        opts.iter().filter_map(as_text).any(|o| Some(o) == text)
                    }),
                    "not" => text != as_text(arg),
                    "len" => actual
                        .and_then(Value::as_array)
                        .is_some_and(|a| Some(a.len() as u64) == arg.as_u64()),
                    _ => false,
                };
                if !ok {
                    fail(format!("{op} {}", render(Some(arg))));
                }
            }
        }
        expected => {
            let same = match actual {
                Some(a) => a == expected || as_text(a).is_some() && as_text(a) == as_text(expected),
                None => false,
            };
            if !same {
                fail(render(Some(expected)));
            }
        }
    }
}

pub(crate) fn check(
    found: &mut Vec<Mismatch>,
    at: &Location,
    e: &Expectation,
    produced: &Produced,
) {
    let answer = produced.answer.as_ref();
    let json = answer.map(|a| &a.json);
    match e {
        Expectation::Status(m) => {
            let status = answer.map(|a| Value::from(a.status));
            check_value(found, at, "status", m, status.as_ref());
        }
        Expectation::ErrorCode(m) => {
            check_value(
                found,
                at,
                "error_code",
                m,
                json.and_then(|j| j.pointer("/error/code")),
            );
        }
        Expectation::ErrorField(m) => {
            check_value(
                found,
                at,
                "error_field",
                m,
                json.and_then(|j| j.pointer("/error/field")),
            );
        }
        Expectation::Json(pairs) => {
            for (pointer, m) in pairs {
                check_value(
                    found,
                    at,
                    &format!("json {pointer}"),
                    m,
                    json.and_then(|j| j.pointer(pointer)),
                );
            }
        }
        Expectation::Outcome(want) => {
            let got = produced.login.map_or("(no login)", |(o, _)| o);
            if got != *want {
                found.push(Mismatch::new(at.clone(), "outcome", *want, got));
            }
        }
        Expectation::TriesLeft(want) => {
            let got = produced.login.and_then(|(_, t)| t);
            if got.map(u64::from) != Some(*want) {
                found.push(Mismatch::new(
                    at.clone(),
                    "tries_left",
                    want.to_string(),
                    got.map_or("(unknown)".into(), |t| t.to_string()),
                ));
            }
        }
    }
}

/// Without `expect`: a login must log in, any other step must succeed (2xx).
pub(crate) fn default_check(
    found: &mut Vec<Mismatch>,
    at: &Location,
    keyword: &str,
    produced: &Produced,
) {
    if keyword == "login" {
        check(found, at, &Expectation::Outcome("logged_in"), produced);
        return;
    }
    let status = produced.answer.as_ref().map(|a| a.status);
    if !status.is_some_and(|s| (200..300).contains(&s)) {
        found.push(Mismatch::new(
            at.clone(),
            "status",
            "2xx",
            status.map_or("(no answer)".into(), |s| s.to_string()),
        ));
    }
}

/// A 4xx/5xx answer's reason travels with the step's failures.
pub(crate) fn note_error(found: &mut [Mismatch], produced: &Produced) {
    let Some(answer) = &produced.answer else {
        return;
    };
    let Some(code) = answer.json.pointer("/error/code").and_then(Value::as_str) else {
        return;
    };
    let message = answer
        .json
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("");
    for m in found.iter_mut() {
        m.note.get_or_insert_with(|| {
            format!("the portal answered {} {code}: {message}", answer.status)
        });
    }
}

pub(crate) fn capture(
    capture: &PortalCapture,
    produced: &Produced,
    found: &mut Vec<Mismatch>,
    cx: &mut StepCtx<'_>,
) {
    let answer = produced.answer.as_ref();
    let value = match &capture.pointer {
        None => answer.map(|a| a.status.to_string()),
        Some(pointer) => answer
            .and_then(|a| a.json.pointer(pointer))
            .and_then(|v| match v {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }),
    };
    match value {
        Some(text) => {
            if capture.secret {
                cx.redactor.add_text(&text);
            }
            cx.vars.set(capture.name.clone(), text, capture.secret);
        }
        None => found.push(Mismatch::new(
            capture.at.clone(),
            format!("capture {}", capture.name),
            "a value to capture",
            "nothing at that place of the answer",
        )),
    }
}
