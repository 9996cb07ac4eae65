//! Running `oqs` steps against any [`OqsTarget`]: the request a step
//! describes, its evidence, its expectations and captures.

use std::time::{Duration, Instant};

use myna_family::{json_has_template, FieldValue, Mismatch, RawEvidence, StepCtx, StepEnd};
use myna_oqs::service::{CONTROL_PATH, SEARCH_PATH};
use myna_oqs::{OqsTarget, TargetError};
use myna_scenario::Location;
use serde_json::{json, Value};

use myna_oqs::wire::{
    ErrorBody, RequestBody, RequestHeader, RequestMsg, SearchInfo, SearchRequest,
};

use crate::step::{
    CaptureSource, Consent, ConsentFlags, Expectation, LookupStep, OqsCapture, OqsRequest, OqsStep,
};
use crate::vocabulary::{is_control, CAP_CONTROL, CAP_LOOKUP, FAMILY};

/// Failed checks of one step, at the expectation being checked.
pub(crate) struct Checks {
    at: Location,
    found: Vec<Mismatch>,
}

impl Checks {
    fn fail(
        &mut self,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.found
            .push(Mismatch::new(self.at.clone(), check, expected, actual));
    }
}

/// 医療機関コード of a lookup that names none (docs/oqs.md).
const DEFAULT_INSTITUTION: &str = "1310000001";

/// The request of a step, templates filled in.
struct Request {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    /// The body as the evidence shows it, when it was built as JSON (else
    /// the bytes are read back).
    json: Option<Value>,
    timeout: Option<Duration>,
}

fn timeout_of(body: &Value) -> Option<Duration> {
    body.get("timeout_ms")
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
}

fn build_request(step: &OqsStep, body: &Value) -> Result<Request, String> {
    match &step.request {
        OqsRequest::Control(_) => {
            let mut command = body.as_object().cloned().unwrap_or_default();
            command.insert("op".into(), json!(step.keyword));
            let command: myna_oqs::ControlCommand =
                serde_json::from_value(Value::Object(command)).map_err(|e| e.to_string())?;
            Ok(Request {
                method: "POST",
                path: CONTROL_PATH.into(),
                body: serde_json::to_vec(&command).map_err(|e| e.to_string())?,
                // The same JSON as the bytes, without reading them back.
                json: serde_json::to_value(&command).ok(),
                timeout: None,
            })
        }
        OqsRequest::Lookup(_) => {
            let message = lookup_message(body)?;
            Ok(Request {
                method: "POST",
                path: SEARCH_PATH.into(),
                body: serde_json::to_vec(&message).map_err(|e| e.to_string())?,
                // The bytes are this value's serialisation: the same JSON.
                json: Some(message),
                timeout: timeout_of(body),
            })
        }
        OqsRequest::Raw(_) => {
            let method = match body.get("method").and_then(Value::as_str) {
                Some("GET") => "GET",
                _ => "POST",
            };
            let path = body
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or(SEARCH_PATH)
                .to_string();
            let bytes = match body.get("body") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(s)) => s.clone().into_bytes(),
                Some(other) => serde_json::to_vec(other).map_err(|e| e.to_string())?,
            };
            Ok(Request {
                method,
                path,
                body: bytes,
                json: None,
                timeout: timeout_of(body),
            })
        }
    }
}

fn as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

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
    let body = match &step.request {
        OqsRequest::Lookup(b) | OqsRequest::Raw(b) | OqsRequest::Control(b) => b,
    };
    let body = match cx.fill_json_cow(body) {
        Ok(b) => b,
        Err(end) => return end,
    };
    let mut expectations = Vec::new();
    for e in step.expect.iter().flatten() {
        match fill_expectation(&e.value, cx) {
            Ok(filled) => expectations.push((filled, &e.at)),
            Err(end) => return end,
        }
    }
    let request = match build_request(step, &body) {
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
    let mut evidence = RawEvidence::new(FAMILY, "http", at_us)
        .with("method", FieldValue::text(request.method))
        .with("path", FieldValue::text(&request.path));
    evidence.duration_us = Some(duration_us);
    let request_json = match request.json {
        Some(json) => json,
        None => as_json(&request.body),
    };
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
    expectations: &[(std::borrow::Cow<'_, Expectation>, &Location)],
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
    for (expectation, at) in expectations {
        checks.at = (*at).clone();
        check(&mut checks, expectation, status, json);
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
) -> Result<std::borrow::Cow<'e, Expectation>, StepEnd> {
    if !expectation_has_template(expectation) {
        return Ok(std::borrow::Cow::Borrowed(expectation));
    }
    fill_expectation_owned(expectation, cx).map(std::borrow::Cow::Owned)
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
        CaptureSource::Pointer(pointer) => json.pointer(pointer).and_then(|v| match v {
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

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `"1"` or `"0"`, as the wire carries consent flags.
fn flag(on: bool) -> Option<String> {
    Some(if on { "1" } else { "0" }.to_string())
}

/// The request of a `lookup` step: the typed step turned into the typed
/// wire request (or `message` sent as written).
fn lookup_message(body: &Value) -> Result<Value, String> {
    let step: LookupStep = serde::Deserialize::deserialize(body).map_err(|e| e.to_string())?;
    if let Some(message) = step.message {
        return Ok(message);
    }
    let consents = match step.consent {
        None => ConsentFlags::default(),
        Some(Consent::All(_)) => ConsentFlags {
            limit: true,
            specific_diseases: true,
            health_checkups: true,
            pharmacists: true,
            diagnosis: true,
            operation: true,
        },
        Some(Consent::Flags(flags)) => flags,
    };
    let request = SearchRequest {
        xml_msg: RequestMsg {
            message_header: RequestHeader {
                qualification_confirmation_date: step.date.map(|d| d.replace('-', "")),
                medical_institution_code: step
                    .institution
                    .unwrap_or_else(|| DEFAULT_INSTITUTION.to_string()),
                arbitrary_file_identifier: step.file_id,
            },
            message_body: RequestBody {
                certificate_serial_number: step.serial,
                qualification_confirm_search_info: step.insurance_card.map(|card| SearchInfo {
                    insurer_number: card.insurer_number,
                    insured_card_symbol: card.symbol,
                    insured_identification_number: card.number,
                    insured_branch_number: card.branch,
                    birthdate: card.birth_date.replace('-', ""),
                    limit_application_certificate_related_cons_flg: None,
                }),
                limit_application_certificate_related_cons_flg: flag(consents.limit),
                specific_diseases_certificate_related_cons_flg: flag(consents.specific_diseases),
                specific_health_checkups_info_cons_flg: flag(consents.health_checkups),
                pharmacists_info_cons_flg: flag(consents.pharmacists),
                diagnosis_info_cons_flg: flag(consents.diagnosis),
                operation_info_cons_flg: flag(consents.operation),
            },
        },
    };
    serde_json::to_value(request).map_err(|e| e.to_string())
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
fn check_value(outcome: &mut Checks, check: &str, matcher: &Value, actual: Option<&Value>) {
    match matcher {
        Value::Null => {
            if actual.is_some_and(|a| !a.is_null()) {
                outcome.fail(check, "(absent)", render(actual));
            }
        }
        Value::Object(m) => {
            for (op, arg) in m {
                match op.as_str() {
                    "present" => {
                        let want = arg.as_bool().unwrap_or(true);
                        if actual.is_some_and(|a| !a.is_null()) != want {
                            outcome.fail(
                                check,
                                if want { "present" } else { "(absent)" },
                                render(actual),
                            );
                        }
                    }
                    "contains" => {
                        let needle = text(arg).unwrap_or_default();
                        if !actual.and_then(text).is_some_and(|a| a.contains(&needle)) {
                            outcome.fail(check, format!("contains {needle:?}"), render(actual));
                        }
                    }
                    "one_of" => {
                        let options: Vec<String> = arg
                            .as_array()
                            .map(|a| a.iter().filter_map(text).collect())
                            .unwrap_or_default();
                        if !actual.and_then(text).is_some_and(|a| options.contains(&a)) {
                            outcome.fail(check, format!("one of {options:?}"), render(actual));
                        }
                    }
                    "not" => {
                        if actual.and_then(text) == text(arg) {
                            outcome.fail(
                                check,
                                format!("not {}", render(Some(arg))),
                                render(actual),
                            );
                        }
                    }
                    "len" => {
                        let len = actual.and_then(Value::as_array).map(Vec::len);
                        if len.map(|l| l as u64) != arg.as_u64() {
                            outcome.fail(
                                check,
                                format!("length {}", render(Some(arg))),
                                format!("{len:?}"),
                            );
                        }
                    }
                    other => outcome.fail(
                        check,
                        "a matcher (present, contains, one_of, not, len)",
                        other.to_string(),
                    ),
                }
            }
        }
        expected => {
            let want = text(expected).unwrap_or_else(|| expected.to_string());
            let got = actual
                .and_then(text)
                .or_else(|| actual.map(Value::to_string));
            if got.as_deref() != Some(want.as_str()) {
                outcome.fail(check, want, render(actual));
            }
        }
    }
}

fn results(json: &Value) -> &[Value] {
    json.pointer("/XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn check_result_fields(
    outcome: &mut Checks,
    prefix: &str,
    fields: &[(String, Value)],
    result: Option<&Value>,
) {
    for (field, matcher) in fields {
        let pointer = format!("/{}", field.replace('.', "/"));
        let actual = result.and_then(|r| r.pointer(&pointer));
        check_value(outcome, &format!("{prefix}.{field}"), matcher, actual);
    }
}

fn check(outcome: &mut Checks, expectation: &Expectation, status: u16, json: &Value) {
    let body = "/XmlMsg/MessageBody";
    match expectation {
        Expectation::Timeout(_) => {}
        Expectation::Status(m) => check_value(outcome, "status", m, Some(&json!(status))),
        Expectation::Validity(m) => check_value(
            outcome,
            "validity",
            m,
            json.pointer(&format!("{body}/QualificationValidity")),
        ),
        Expectation::ResultStatus(m) => check_value(
            outcome,
            "result_status",
            m,
            json.pointer(&format!("{body}/ProcessingResultStatus")),
        ),
        Expectation::ResultCode(m) => check_value(
            outcome,
            "result_code",
            m,
            json.pointer(&format!("{body}/ProcessingResultCode")),
        ),
        Expectation::Segment(m) => check_value(
            outcome,
            "segment",
            m,
            json.pointer("/XmlMsg/MessageHeader/SegmentOfResult"),
        ),
        Expectation::ErrorCode(m) => {
            let actual = json
                .pointer("/error/code")
                .or_else(|| json.pointer("/XmlMsg/MessageHeader/ErrorCode"));
            check_value(outcome, "error_code", m, actual);
        }
        Expectation::Results(m) => {
            check_value(outcome, "results", m, Some(&json!(results(json).len())))
        }
        Expectation::Result(each) => {
            let all = results(json);
            let prefix = |i: usize| {
                if each.len() == 1 {
                    "result".to_string()
                } else {
                    format!("result[{i}]")
                }
            };
            for (i, fields) in each.iter().enumerate() {
                check_result_fields(outcome, &prefix(i), fields, all.get(i));
            }
        }
        Expectation::Json(pointers) => {
            for (pointer, m) in pointers {
                check_value(outcome, &format!("json{pointer}"), m, json.pointer(pointer));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evidence shows the JSON the bytes on the wire hold, whether it
    /// was built as a value or read back from the bytes.
    #[test]
    fn a_requests_evidence_is_the_json_of_its_bytes() {
        let world = json!({
            "clock": "2025-04-01T09:00",
            "persons": [{
                "id": "hanako", "name": "山田 花子", "kana": "ﾔﾏﾀﾞ ﾊﾅｺ",
                "birth_date": "1985-06-15", "sex": "2",
                "certificate": { "serial": "1A0001", "not_after": "2029-06-15" },
                "qualifications": [{
                    "insurer_number": "06130012", "symbol": "1234", "number": "5678",
                    "insurer_name": "試験健康保険組合", "qualification_date": "2020-04-01",
                    "contribution_ratio": "030"
                }]
            }]
        });
        let lookup = json!({ "serial": "1A0001", "consent": "all", "date": "2025-04-01" });
        for (keyword, request) in [
            ("world", OqsRequest::Control(world.clone())),
            ("lookup", OqsRequest::Lookup(lookup.clone())),
        ] {
            let step = OqsStep {
                keyword,
                request,
                expect: None,
                captures: Vec::new(),
            };
            let body = match &step.request {
                OqsRequest::Control(b) | OqsRequest::Lookup(b) | OqsRequest::Raw(b) => b,
            };
            let built = build_request(&step, body).unwrap();
            let json = built.json.expect("built as JSON");
            assert_eq!(json, as_json(&built.body), "{keyword}");
        }
    }
}
