//! Running `oqs` steps against any [`OqsTarget`]: the request a step
//! describes, its evidence, its expectations and captures.

use std::borrow::Cow;
use std::time::Instant;

use myna_family::{json_has_template, FieldValue, Mismatch, RawEvidence, StepCtx, StepEnd};
use myna_oqs::wire::ErrorBody;
use myna_oqs::{OqsTarget, TargetError};
use myna_scenario::Location;
use serde_json::{json, Value};

use crate::check::{check, Answer, Checks};
use crate::pointer::at_pointer;
use crate::request::{as_json, request_of};
use crate::step::{CaptureSource, Expectation, OqsCapture, OqsRequest, OqsStep};
use crate::vocabulary::{is_control, CAP_CONTROL, CAP_LOOKUP, FAMILY};

/// Runs one step against `target`.
pub(crate) fn run(target: &mut dyn OqsTarget, step: &OqsStep, cx: &mut StepCtx<'_>) -> StepEnd {
    let needs = if is_control(step.keyword) {
        CAP_CONTROL
    } else {
        CAP_LOOKUP
    };
    if !target.capabilities().iter().any(|c| c == needs) {
        return StepEnd::NotApplicable(format!(
            "target {} lacks capability {needs}",
            target.describe()
        ));
    }
    // A prepared request has no template to fill in.
    let body = match &step.prepared {
        Some(_) => Cow::Borrowed(step.request.body()),
        None => match cx.fill_json_cow(step.request.body()) {
            Ok(b) => b,
            Err(end) => return end,
        },
    };
    let mut expectations = Vec::new();
    for e in step.expect.iter().flatten() {
        match fill_expectation(&e.value, cx) {
            Ok(filled) => expectations.push((filled, &e.at)),
            Err(end) => return end,
        }
    }
    let mut built = None;
    let (request, request_json) = match request_of(step, &body, &mut built) {
        Ok(r) => r,
        Err(message) => {
            return StepEnd::author(format!(
                "{}: the step's body, filled in, is not a request: {message}",
                cx.at
            ))
        }
    };
    let at_us = cx.evidence.now_us();
    let started = Instant::now();
    let answer = target.request(
        request.method,
        &request.path,
        &request.body,
        request.timeout,
    );
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let expect_timeout = expectations.iter().find_map(|(e, _)| match **e {
        Expectation::Timeout(t) => Some(t),
        _ => None,
    });
    let mut evidence = RawEvidence::new(FAMILY, "http", at_us);
    // method, path, status, request and response: one allocation.
    evidence.fields.reserve_exact(5);
    let mut evidence = evidence
        .with("method", FieldValue::text(request.method))
        .with("path", FieldValue::text(&request.path));
    evidence.duration_us = Some(duration_us);
    let response = match answer {
        Err(TargetError::Timeout(m)) if expect_timeout == Some(true) => {
            evidence.summary = Some(format!(
                "{} {} → no answer (timeout, as expected)",
                request.method, request.path
            ));
            cx.evidence.push(
                evidence
                    .with("status", FieldValue::Null)
                    .with("request", FieldValue::Json(request_json))
                    .with("response", FieldValue::Json(json!({ "timeout": m }))),
            );
            return StepEnd::pass();
        }
        Err(e) => {
            evidence.summary = Some(format!("{} {} → no answer", request.method, request.path));
            cx.evidence.push(
                evidence
                    .with("status", FieldValue::Null)
                    .with("request", FieldValue::Json(request_json))
                    .with("response", FieldValue::Null),
            );
            return StepEnd::environment(format!("{}: transport error: {e}", cx.at));
        }
        Ok(r) => r,
    };
    let json = as_json(&response.body);
    evidence.summary = Some(format!(
        "{} {} → {}",
        request.method, request.path, response.status
    ));
    let evidence = evidence
        .with("status", FieldValue::Number(u64::from(response.status)))
        .with("request", FieldValue::Json(request_json));
    let end = judge(
        step,
        &expectations,
        expect_timeout,
        response.status,
        &json,
        cx,
    );
    // The answer goes to the evidence once it is checked: moved, not copied.
    cx.evidence
        .push(evidence.with("response", FieldValue::Json(json)));
    end
}

/// The step's expectations and captures against the answer.
fn judge(
    step: &OqsStep,
    expectations: &[(Cow<'_, Expectation>, &Location)],
    expect_timeout: Option<bool>,
    status: u16,
    json: &Value,
    cx: &mut StepCtx<'_>,
) -> StepEnd {
    let mut checks = Checks {
        at: cx.at.clone(),
        found: Vec::new(),
    };
    if expect_timeout == Some(true) {
        checks.fail(
            "timeout",
            "no answer within the deadline",
            format!("HTTP {status}"),
        );
    }
    if step.expect.is_none() && status != 200 {
        checks.fail("status", "200", status.to_string());
    }
    let answer = Answer::new(json);
    for (expectation, at) in expectations {
        checks.at = (*at).clone();
        check(&mut checks, expectation, status, &answer);
    }
    for capture in &step.captures {
        take(capture, status, json, &mut checks, cx);
    }
    // The server's reason for a 4xx answer goes with every failed check.
    let refusal = (400..500)
        .contains(&status)
        .then(|| <ErrorBody as serde::Deserialize>::deserialize(json).ok())
        .flatten();
    // A control command the service refuses as malformed (an argument out
    // of its documented range, a clock moved past the calendar) is the
    // author's mistake, not a failure of the service (issue 9).
    if let (OqsRequest::Control(_), None, Some(refused)) = (&step.request, &step.expect, &refusal) {
        if matches!(
            refused.error.code.as_str(),
            "OQS-INVALID-FIELD" | "OQS-BAD-COMMAND"
        ) {
            return StepEnd::author(format!(
                "{}: the control API refused the command ({}): {}",
                cx.at, refused.error.code, refused.error.message
            ));
        }
    }
    let reason = refusal.map(|e| e.error.message);
    if let Some(reason) = reason {
        for mismatch in &mut checks.found {
            mismatch.note = Some(format!("the service answered: {reason}"));
        }
    }
    StepEnd::Done(checks.found)
}

/// `expectation` with its templates filled in; borrowed when it has none.
fn fill_expectation<'e>(
    expectation: &'e Expectation,
    cx: &mut StepCtx<'_>,
) -> Result<Cow<'e, Expectation>, StepEnd> {
    if !expectation_has_template(expectation) {
        return Ok(Cow::Borrowed(expectation));
    }
    fill_expectation_owned(expectation, cx).map(Cow::Owned)
}

/// Whether a string of `expectation` may hold a `${name}`.
fn expectation_has_template(expectation: &Expectation) -> bool {
    let any = |pairs: &Vec<(String, Value)>| pairs.iter().any(|(_, v)| json_has_template(v));
    match expectation {
        Expectation::Timeout(_) => false,
        Expectation::Status(m)
        | Expectation::Validity(m)
        | Expectation::ResultStatus(m)
        | Expectation::ResultCode(m)
        | Expectation::Segment(m)
        | Expectation::ErrorCode(m)
        | Expectation::Results(m) => json_has_template(m),
        Expectation::Result(each) => each.iter().any(any),
        Expectation::Json(pairs) => any(pairs),
    }
}

fn fill_expectation_owned(
    expectation: &Expectation,
    cx: &mut StepCtx<'_>,
) -> Result<Expectation, StepEnd> {
    let fill_pairs = |pairs: &Vec<(String, Value)>, cx: &mut StepCtx<'_>| {
        pairs
            .iter()
            .map(|(k, v)| Ok((k.clone(), cx.fill_json(v)?)))
            .collect::<Result<Vec<_>, StepEnd>>()
    };
    Ok(match expectation {
        Expectation::Status(m) => Expectation::Status(cx.fill_json(m)?),
        Expectation::Timeout(t) => Expectation::Timeout(*t),
        Expectation::Validity(m) => Expectation::Validity(cx.fill_json(m)?),
        Expectation::ResultStatus(m) => Expectation::ResultStatus(cx.fill_json(m)?),
        Expectation::ResultCode(m) => Expectation::ResultCode(cx.fill_json(m)?),
        Expectation::Segment(m) => Expectation::Segment(cx.fill_json(m)?),
        Expectation::ErrorCode(m) => Expectation::ErrorCode(cx.fill_json(m)?),
        Expectation::Results(m) => Expectation::Results(cx.fill_json(m)?),
        Expectation::Result(each) => Expectation::Result(
            each.iter()
                .map(|pairs| fill_pairs(pairs, cx))
                .collect::<Result<_, _>>()?,
        ),
        Expectation::Json(pairs) => Expectation::Json(fill_pairs(pairs, cx)?),
    })
}

fn take(
    capture: &OqsCapture,
    status: u16,
    json: &Value,
    checks: &mut Checks,
    cx: &mut StepCtx<'_>,
) {
    let value = match &capture.source {
        CaptureSource::Status => Some(status.to_string()),
        CaptureSource::Pointer(pointer) => at_pointer(json, pointer).and_then(|v| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }),
    };
    match value {
        Some(text) => {
            if capture.secret {
                cx.redactor.add_value(&text);
            }
            cx.vars.set(capture.name.clone(), text, capture.secret);
        }
        None => checks.found.push(Mismatch::new(
            capture.at.clone(),
            format!("capture {}", capture.name),
            "a value to capture",
            "nothing at that place of the answer",
        )),
    }
}
