//! Scenario steps of the `oqs` family: one keyword, a JSON body and an
//! optional JSON expectation, executed against any [`OqsTarget`]. The
//! vocabulary is documented in docs/oqs.md.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::service::{CAP_CONTROL, CAP_LOOKUP, CONTROL_PATH, SEARCH_PATH};
use crate::target::{OqsTarget, TargetError};

/// Keywords that send a test-control command (the keyword is the `op`).
pub const CONTROL_KEYWORDS: &[&str] = &[
    "world",
    "seed",
    "population",
    "register",
    "reissue",
    "revoke",
    "expire",
    "qualification",
    "clock",
    "fault",
    "state",
];

/// Every keyword `execute_step` knows.
pub fn keywords() -> Vec<&'static str> {
    let mut all = vec!["lookup", "raw"];
    all.extend_from_slice(CONTROL_KEYWORDS);
    all
}

/// One exchange with the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// `GET` or `POST`.
    pub method: String,
    /// Request path.
    pub path: String,
    /// The request body (JSON, or a JSON string for non-JSON raw bodies).
    pub request_json: Value,
    /// The response body (JSON, or a JSON string when not JSON; null when none).
    pub response_json: Value,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Time from send to answer (or failure).
    pub duration: Duration,
}

/// An expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    /// Which check (`status`, `validity`, `result.Name`, …).
    pub check: String,
    /// What was expected.
    pub expected: String,
    /// What was seen.
    pub actual: String,
}

/// What a step did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepOutcome {
    /// Exchanges, in order.
    pub evidence: Vec<Evidence>,
    /// Failed expectations.
    pub failures: Vec<CheckFailure>,
    /// The transport broke (verdict `error`).
    pub transport_error: Option<String>,
    /// The target lacks a capability the step needs (verdict `not_applicable`).
    pub not_applicable: Option<String>,
}

impl StepOutcome {
    /// No failure, no transport error, applicable.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.transport_error.is_none() && self.not_applicable.is_none()
    }

    fn fail(
        &mut self,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.failures.push(CheckFailure {
            check: check.into(),
            expected: expected.into(),
            actual: actual.into(),
        });
    }
}

/// Replaces `${name}` in every string of `value` from `vars`; unknown names
/// are collected in `missing`.
pub fn substitute(
    value: &Value,
    vars: &HashMap<String, String>,
    missing: &mut Vec<String>,
) -> Value {
    match value {
        Value::String(s) => Value::String(substitute_str(s, vars, missing)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, vars, missing)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars, missing)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(text: &str, vars: &HashMap<String, String>, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        match after.find('}') {
            Some(end) => {
                let name = after.get(..end).unwrap_or("");
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        missing.push(name.to_string());
                        out.push_str(rest.get(start..start + 3 + end).unwrap_or(""));
                    }
                }
                rest = after.get(end + 1..).unwrap_or("");
            }
            None => {
                out.push_str(rest.get(start..).unwrap_or(""));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Runs one step of the `oqs` family against `target`.
pub fn execute_step(
    target: &mut dyn OqsTarget,
    keyword: &str,
    body: &Value,
    expect: Option<&Value>,
    vars: &mut HashMap<String, String>,
) -> StepOutcome {
    let mut outcome = StepOutcome::default();
    let mut missing = Vec::new();
    let body = substitute(body, vars, &mut missing);
    let expect = expect.map(|e| substitute(e, vars, &mut missing));
    for name in missing {
        outcome.fail("variables", format!("a value for ${{{name}}}"), "undefined");
    }
    if !outcome.failures.is_empty() {
        return outcome;
    }
    let capabilities = target.capabilities();
    let needs = if CONTROL_KEYWORDS.contains(&keyword) {
        CAP_CONTROL
    } else {
        CAP_LOOKUP
    };
    if !capabilities.iter().any(|c| c == needs) {
        outcome.not_applicable = Some(format!(
            "target {} lacks capability {needs}",
            target.describe()
        ));
        return outcome;
    }
    let request = match build_request(keyword, &body) {
        Ok(r) => r,
        Err(message) => {
            outcome.fail("step", "a well-formed step body", message);
            return outcome;
        }
    };
    let started = Instant::now();
    let answer = target.request(
        request.method,
        &request.path,
        &request.body,
        request.timeout,
    );
    let duration = started.elapsed();
    let expect_timeout = expect
        .as_ref()
        .and_then(|e| e.get("timeout"))
        .and_then(Value::as_bool);
    let request_json = serde_json::from_slice(&request.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
    let mut evidence = Evidence {
        method: request.method.to_string(),
        path: request.path.clone(),
        request_json,
        response_json: Value::Null,
        status: None,
        duration,
    };
    let response = match answer {
        Err(TargetError::Timeout(m)) if expect_timeout == Some(true) => {
            evidence.response_json = json!({ "timeout": m });
            outcome.evidence.push(evidence);
            return outcome;
        }
        Err(e) => {
            outcome.evidence.push(evidence);
            outcome.transport_error = Some(e.to_string());
            return outcome;
        }
        Ok(r) => r,
    };
    evidence.status = Some(response.status);
    evidence.response_json = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&response.body).into_owned()));
    let json = evidence.response_json.clone();
    outcome.evidence.push(evidence);
    if expect_timeout == Some(true) {
        outcome.fail(
            "timeout",
            "no answer within the deadline",
            format!("HTTP {}", response.status),
        );
    }
    match &expect {
        Some(e) => check_expectations(&mut outcome, e, response.status, &json),
        None => {
            if response.status != 200 {
                outcome.fail("status", "200", response.status.to_string());
            }
        }
    }
    outcome
}

struct Request {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    timeout: Option<Duration>,
}

fn timeout_of(body: &Value) -> Result<Option<Duration>, String> {
    match body.get("timeout_ms") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or_else(|| "timeout_ms must be a whole number".into()),
    }
}

fn build_request(keyword: &str, body: &Value) -> Result<Request, String> {
    if CONTROL_KEYWORDS.contains(&keyword) {
        let mut command = match body {
            Value::Null => Map::new(),
            Value::Object(m) => m.clone(),
            _ => return Err(format!("`{keyword}` takes a map")),
        };
        command.insert("op".into(), json!(keyword));
        let bytes = serde_json::to_vec(&Value::Object(command)).map_err(|e| e.to_string())?;
        return Ok(Request {
            method: "POST",
            path: CONTROL_PATH.into(),
            body: bytes,
            timeout: None,
        });
    }
    match keyword {
        "lookup" => {
            let message = lookup_message(body)?;
            let bytes = serde_json::to_vec(&message).map_err(|e| e.to_string())?;
            Ok(Request {
                method: "POST",
                path: SEARCH_PATH.into(),
                body: bytes,
                timeout: timeout_of(body)?,
            })
        }
        "raw" => {
            let method = match body.get("method").and_then(Value::as_str).unwrap_or("POST") {
                "GET" => "GET",
                "POST" => "POST",
                other => return Err(format!("raw method {other} (GET or POST)")),
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
                timeout: timeout_of(body)?,
            })
        }
        other => Err(format!(
            "unknown oqs step `{other}` (known: {})",
            keywords().join(", ")
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

fn consent_flag(consent: Option<&Value>, name: &str) -> &'static str {
    let on = match consent {
        Some(Value::String(s)) if s == "all" => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(m)) => m.get(name).and_then(Value::as_bool).unwrap_or(false),
        _ => false,
    };
    if on {
        "1"
    } else {
        "0"
    }
}

/// Builds the `XmlMsg` request of a `lookup` step (or takes `message` as is).
fn lookup_message(body: &Value) -> Result<Value, String> {
    if let Some(message) = body.get("message") {
        return Ok(message.clone());
    }
    let mut header = Map::new();
    header.insert(
        "MedicalInstitutionCode".into(),
        json!(body
            .get("institution")
            .and_then(text)
            .unwrap_or_else(|| "1310000001".into())),
    );
    if let Some(date) = body.get("date").and_then(text) {
        header.insert(
            "QualificationConfirmationDate".into(),
            json!(date.replace('-', "")),
        );
    }
    if let Some(id) = body.get("file_id").and_then(text) {
        header.insert("ArbitraryFileIdentifier".into(), json!(id));
    }
    let consent = body.get("consent");
    let mut message_body = Map::new();
    if let Some(serial) = body.get("serial") {
        message_body.insert(
            "CertificateSerialNumber".into(),
            json!(text(serial).ok_or("serial must be text")?),
        );
    }
    if let Some(card) = body.get("insurance_card") {
        let field = |k: &str| card.get(k).and_then(text);
        let mut info = Map::new();
        info.insert(
            "InsurerNumber".into(),
            json!(field("insurer_number").ok_or("insurance_card.insurer_number")?),
        );
        info.insert(
            "InsuredCardSymbol".into(),
            json!(field("symbol").unwrap_or_default()),
        );
        info.insert(
            "InsuredIdentificationNumber".into(),
            json!(field("number").ok_or("insurance_card.number")?),
        );
        if let Some(b) = field("branch") {
            info.insert("InsuredBranchNumber".into(), json!(b));
        }
        info.insert(
            "Birthdate".into(),
            json!(field("birth_date")
                .ok_or("insurance_card.birth_date")?
                .replace('-', "")),
        );
        message_body.insert("QualificationConfirmSearchInfo".into(), Value::Object(info));
    }
    for (key, name) in [
        ("LimitApplicationCertificateRelatedConsFlg", "limit"),
        ("SpecificHealthCheckupsInfoConsFlg", "health_checkups"),
        ("PharmacistsInfoConsFlg", "pharmacists"),
        ("DiagnosisInfoConsFlg", "diagnosis"),
        ("OperationInfoConsFlg", "operation"),
    ] {
        message_body.insert(key.into(), json!(consent_flag(consent, name)));
    }
    Ok(json!({ "XmlMsg": { "MessageHeader": header, "MessageBody": message_body } }))
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
fn check_value(outcome: &mut StepOutcome, check: &str, matcher: &Value, actual: Option<&Value>) {
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

fn results(json: &Value) -> Vec<Value> {
    json.pointer("/XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn check_result_fields(
    outcome: &mut StepOutcome,
    prefix: &str,
    fields: &Value,
    result: Option<&Value>,
) {
    let Some(map) = fields.as_object() else {
        outcome.fail(prefix, "a map of result fields", fields.to_string());
        return;
    };
    for (field, matcher) in map {
        let pointer = format!("/{}", field.replace('.', "/"));
        let actual = result.and_then(|r| r.pointer(&pointer));
        check_value(outcome, &format!("{prefix}.{field}"), matcher, actual);
    }
}

fn check_expectations(outcome: &mut StepOutcome, expect: &Value, status: u16, json: &Value) {
    let Some(map) = expect.as_object() else {
        outcome.fail("expect", "a map", expect.to_string());
        return;
    };
    let body = "/XmlMsg/MessageBody";
    for (key, matcher) in map {
        match key.as_str() {
            "timeout" => {}
            "status" => check_value(outcome, "status", matcher, Some(&json!(status))),
            "validity" => check_value(outcome, key, matcher, json.pointer(&format!("{body}/QualificationValidity"))),
            "result_status" => check_value(outcome, key, matcher, json.pointer(&format!("{body}/ProcessingResultStatus"))),
            "result_code" => check_value(outcome, key, matcher, json.pointer(&format!("{body}/ProcessingResultCode"))),
            "segment" => check_value(outcome, key, matcher, json.pointer("/XmlMsg/MessageHeader/SegmentOfResult")),
            "error_code" => {
                let actual = json.pointer("/error/code").or_else(|| json.pointer("/XmlMsg/MessageHeader/ErrorCode"));
                check_value(outcome, key, matcher, actual);
            }
            "results" => check_value(outcome, key, matcher, Some(&json!(results(json).len()))),
            "result" => {
                let all = results(json);
                match matcher {
                    Value::Array(each) => {
                        for (i, fields) in each.iter().enumerate() {
                            check_result_fields(outcome, &format!("result[{i}]"), fields, all.get(i));
                        }
                    }
                    fields => check_result_fields(outcome, "result", fields, all.first()),
                }
            }
            "json" => match matcher.as_object() {
                Some(pointers) => {
                    for (pointer, m) in pointers {
                        check_value(outcome, &format!("json{pointer}"), m, json.pointer(pointer));
                    }
                }
                None => outcome.fail("json", "a map of JSON pointers", matcher.to_string()),
            },
            other => outcome.fail(
                "expect",
                "one of status, timeout, validity, result_status, result_code, segment, error_code, results, result, json",
                other.to_string(),
            ),
        }
    }
}
