//! The request an `oqs` step sends: its body (templates filled in) turned
//! into the wire request. A step whose body holds no `${…}` sends the same
//! request every time it runs, so the loader builds it once
//! ([`prepare`]); a run then sends those bytes and shows that JSON, exactly
//! what building it again would give.

use std::time::Duration;

use myna_family::json_has_template;
use myna_oqs::service::{CONTROL_PATH, SEARCH_PATH};
use myna_oqs::wire::{RequestBody, RequestHeader, RequestMsg, SearchInfo, SearchRequest};
use serde_json::{json, Value};

use crate::step::{Consent, ConsentFlags, LookupStep, OqsRequest, OqsStep};

/// 医療機関コード of a lookup that names none (docs/oqs.md).
const DEFAULT_INSTITUTION: &str = "1310000001";

/// The request of a step, templates filled in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Request {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) body: Vec<u8>,
    /// The body as the evidence shows it: the JSON the bytes hold (built
    /// as a value beside them, or read back from them).
    pub(crate) json: Value,
    pub(crate) timeout: Option<Duration>,
}

/// The request of a step whose body holds no template, built at load; `None`
/// when it has templates, or when building fails (the run then says why, as
/// it does for a body filled in).
pub(crate) fn prepare(keyword: &'static str, request: &OqsRequest) -> Option<Request> {
    let body = request.body();
    if json_has_template(body) {
        return None;
    }
    build_request(keyword, request, body).ok()
}

/// The step's request: prepared at load, or built from `body` (the step's
/// body with its templates filled in) into `built`; with the JSON of a
/// built one moved out of it (the evidence owns it; a prepared one's is
/// copied).
pub(crate) fn request_of<'s>(
    step: &'s OqsStep,
    body: &Value,
    built: &'s mut Option<Request>,
) -> Result<(&'s Request, Value), String> {
    if let Some(prepared) = &step.prepared {
        return Ok((prepared, prepared.json.clone()));
    }
    let mut request = build_request(step.keyword, &step.request, body)?;
    let json = std::mem::take(&mut request.json);
    Ok((built.insert(request), json))
}

fn timeout_of(body: &Value) -> Option<Duration> {
    body.get("timeout_ms")
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
}

/// The bytes read as JSON, or as text when they are not JSON. The bytes are
/// checked as UTF-8 once, whole, rather than string by string as
/// `from_slice` does (bytes that are not UTF-8 are not JSON either way).
pub(crate) fn as_json(bytes: &[u8]) -> Value {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

pub(crate) fn build_request(
    keyword: &'static str,
    request: &OqsRequest,
    body: &Value,
) -> Result<Request, String> {
    match request {
        OqsRequest::Control(_) => {
            let mut command = body.as_object().cloned().unwrap_or_default();
            command.insert("op".into(), json!(keyword));
            let command: myna_oqs::ControlCommand =
                serde_json::from_value(Value::Object(command)).map_err(|e| e.to_string())?;
            let bytes = serde_json::to_vec(&command).map_err(|e| e.to_string())?;
            // The same JSON as the bytes, without reading them back.
            let json = serde_json::to_value(&command)
                .ok()
                .unwrap_or_else(|| as_json(&bytes));
            Ok(Request {
                method: "POST",
                path: CONTROL_PATH.into(),
                body: bytes,
                json,
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
                json: message,
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
                json: as_json(&bytes),
                body: bytes,
                timeout: timeout_of(body),
            })
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> Value {
        json!({
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
        })
    }

    /// The evidence shows the JSON the bytes on the wire hold, whether it
    /// was built as a value or read back from the bytes.
    #[test]
    fn a_requests_evidence_is_the_json_of_its_bytes() {
        let lookup = json!({ "serial": "1A0001", "consent": "all", "date": "2025-04-01" });
        let raw = json!({ "body": { "XmlMsg": {} } });
        for (keyword, request) in [
            ("world", OqsRequest::Control(world())),
            ("lookup", OqsRequest::Lookup(lookup)),
            ("raw", OqsRequest::Raw(raw)),
        ] {
            let built = build_request(keyword, &request, request.body()).unwrap();
            assert_eq!(built.json, as_json(&built.body), "{keyword}");
        }
    }

    /// JSON is read as `from_slice` reads it; anything else is its text.
    #[test]
    fn an_answer_is_what_from_slice_reads_or_its_text() {
        for bytes in [
            &br#"{"b":{"z":1,"a":[true,null,-3,1.5,1e400]},"a":"\u00e9\n","b2":{}}"#[..],
            br#"{"k":1,"k":2,"j":[],"i":[[{"x":"y"}]]}"#,
            r#"{"名":"山田","XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"}}}"#.as_bytes(),
            br#"  [1, "two", {"three": 3}]  "#,
            br#""text""#,
            b"18446744073709551615",
            b"{\"a\":\"\xff\"}",
            br#"{"a":1} trailing"#,
            br#"{"a":"#,
            b"not json",
            b"",
        ] {
            let want = serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()));
            assert_eq!(as_json(bytes), want, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    /// A body without templates is built at load into the very request a
    /// run would build; one with a template is left to the run.
    #[test]
    fn a_prepared_request_is_the_one_a_run_builds() {
        let lookup = json!({ "serial": "1A0001", "timeout_ms": 50 });
        for (keyword, request) in [
            ("world", OqsRequest::Control(world())),
            ("lookup", OqsRequest::Lookup(lookup)),
            (
                "raw",
                OqsRequest::Raw(json!({ "method": "GET", "path": "/healthz" })),
            ),
        ] {
            let prepared = prepare(keyword, &request).expect("no template: prepared");
            let built = build_request(keyword, &request, request.body()).unwrap();
            assert_eq!(prepared, built, "{keyword}");
        }
        let templated = OqsRequest::Lookup(json!({ "serial": "${serial}" }));
        assert_eq!(prepare("lookup", &templated), None);
        // A body the service cannot read is left to the run, which says so.
        let wrong = OqsRequest::Control(json!({ "persons": "nobody" }));
        assert_eq!(prepare("world", &wrong), None);
    }
}
