//! Request routing shared by the HTTP server and the in-process target:
//! method + path + body bytes in, status + JSON body (+ delay) out. Both
//! targets go through this one function, so they cannot drift apart.

use serde_json::{json, Value};

use crate::control::ControlCommand;
use crate::error::ModelError;
use crate::lookup::lookup;
use crate::model::{OqsModel, RegistrationRequest, REGISTER_PATH};
use crate::wire::{CapabilitiesAnswer, ControlAnswer, ErrorBody, SearchResponse};

/// The lookup path of this reference.
pub const SEARCH_PATH: &str = "/oqs/v1/search";
/// The lookup path of the public Web API (health-insurance-system.md §4.1),
/// accepted as an alias.
pub const WEB_API_SEARCH_PATH: &str = "/oqs-api-pro/MSA01030/ILI01030SV01/search";
/// The test-control command path.
pub const CONTROL_PATH: &str = "/control/v1/command";
/// The capability list path.
pub const CAPABILITIES_PATH: &str = "/control/v1/capabilities";
/// Largest request body accepted (bytes).
pub const MAX_BODY: usize = 1 << 20;

/// Capability: eligibility lookup.
pub const CAP_LOOKUP: &str = "oqs.lookup";
/// Capability: the test-control API.
pub const CAP_CONTROL: &str = "oqs.control";

/// What the service answers.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
    /// How long to hold the answer back (the `slow` fault), milliseconds.
    pub delay_ms: u64,
}

impl ServiceResponse {
    fn ok(body: Value) -> Self {
        ServiceResponse {
            status: 200,
            body,
            delay_ms: 0,
        }
    }

    /// An error answer `{"error":{"code","message"}}` ([`ErrorBody`]).
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        ServiceResponse::error_body(status, &ErrorBody::new(code, message))
    }

    fn error_body(status: u16, body: &ErrorBody) -> Self {
        ServiceResponse {
            status,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
            delay_ms: 0,
        }
    }

    fn from_model_error(e: &ModelError) -> Self {
        let status = match e {
            ModelError::Invalid { .. } => 400,
            ModelError::Unknown { .. } => 404,
            ModelError::Conflict(_) => 409,
            ModelError::Capacity(_) => 422,
        };
        match e {
            ModelError::Invalid { field, .. } => ServiceResponse::error_body(
                status,
                &ErrorBody::with_field(e.code(), e.to_string(), *field),
            ),
            _ => ServiceResponse::error(status, e.code(), e.to_string()),
        }
    }
}

/// What the service answers, serialised: the bytes an HTTP server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAnswer {
    /// HTTP status.
    pub status: u16,
    /// JSON body bytes.
    pub body: Vec<u8>,
    /// How long to hold the answer back (the `slow` fault), milliseconds.
    pub delay_ms: u64,
}

impl RawAnswer {
    fn from_response(answer: &ServiceResponse) -> Self {
        RawAnswer {
            status: answer.status,
            body: serde_json::to_vec(&answer.body).unwrap_or_else(|_| b"{}".to_vec()),
            delay_ms: answer.delay_ms,
        }
    }
}

/// A lookup answer's usual size and then some (a registered person's is
/// about 930 bytes): the answer is written into one allocation of this
/// size instead of growing through 128, 256, 512 and 1,024 bytes.
const ANSWER_CAPACITY: usize = 2048;

fn answer_bytes(answer: &SearchResponse) -> serde_json::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(ANSWER_CAPACITY);
    serde_json::to_writer(&mut bytes, answer)?;
    Ok(bytes)
}

/// The reference OQS behind any transport.
#[derive(Clone, Debug, Default)]
pub struct OqsService {
    model: OqsModel,
}

impl OqsService {
    /// A service over a fresh model.
    pub fn new() -> Self {
        OqsService::default()
    }

    /// A service over `model`.
    pub fn with_model(model: OqsModel) -> Self {
        OqsService { model }
    }

    /// The model.
    pub fn model(&self) -> &OqsModel {
        &self.model
    }

    /// The model, mutable.
    pub fn model_mut(&mut self) -> &mut OqsModel {
        &mut self.model
    }

    /// [`OqsService::handle`] with the body serialised. The lookup answer
    /// is serialised straight from its typed form (no `serde_json::Value`
    /// in between: the lookup is the hot path of `bench lookup`); the HTTP
    /// server and the in-process target both answer with these bytes.
    pub fn handle_bytes(&mut self, method: &str, path: &str, body: &[u8]) -> RawAnswer {
        let route = path.split('?').next().unwrap_or(path);
        let is_search = method == "POST" && (route == SEARCH_PATH || route == WEB_API_SEARCH_PATH);
        if !is_search || body.len() > MAX_BODY {
            return RawAnswer::from_response(&self.handle(method, path, body));
        }
        match self.search_typed(body) {
            Ok((answer, delay_ms)) => match answer_bytes(&answer) {
                Ok(bytes) => RawAnswer {
                    status: 200,
                    body: bytes,
                    delay_ms,
                },
                Err(e) => RawAnswer::from_response(&ServiceResponse::from_model_error(
                    &ModelError::invalid("XmlMsg", e.to_string()),
                )),
            },
            Err(refused) => RawAnswer::from_response(&refused),
        }
    }

    /// Handles one request. Never panics; malformed input gives 4xx.
    pub fn handle(&mut self, method: &str, path: &str, body: &[u8]) -> ServiceResponse {
        if body.len() > MAX_BODY {
            return ServiceResponse::error(
                413,
                "OQS-PAYLOAD-TOO-LARGE",
                format!("body over {MAX_BODY} bytes"),
            );
        }
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("POST", SEARCH_PATH | WEB_API_SEARCH_PATH) => self.search(body),
            ("POST", CONTROL_PATH) => self.control(body),
            ("POST", REGISTER_PATH) => self.register(body),
            ("GET", CAPABILITIES_PATH) => ServiceResponse::ok(
                serde_json::to_value(CapabilitiesAnswer {
                    capabilities: vec![CAP_LOOKUP.to_string(), CAP_CONTROL.to_string()],
                })
                .unwrap_or(Value::Null),
            ),
            ("GET", "/healthz") => ServiceResponse::ok(json!({ "status": "ok" })),
            (
                _,
                SEARCH_PATH | WEB_API_SEARCH_PATH | CONTROL_PATH | CAPABILITIES_PATH | "/healthz",
            ) => ServiceResponse::error(
                405,
                "OQS-METHOD-NOT-ALLOWED",
                format!("{method} is not allowed on {path}"),
            ),
            _ => ServiceResponse::error(404, "OQS-NOT-FOUND", format!("no route {path}")),
        }
    }

    fn search(&mut self, body: &[u8]) -> ServiceResponse {
        match self.search_typed(body) {
            Ok((answer, delay_ms)) => match serde_json::to_value(answer) {
                Ok(v) => ServiceResponse {
                    status: 200,
                    body: v,
                    delay_ms,
                },
                Err(e) => {
                    ServiceResponse::from_model_error(&ModelError::invalid("XmlMsg", e.to_string()))
                }
            },
            Err(refused) => refused,
        }
    }

    /// The typed lookup answer and its delay, or the error answer.
    fn search_typed(&mut self, body: &[u8]) -> Result<(SearchResponse, u64), ServiceResponse> {
        let faults = self.model.faults();
        if faults.outage {
            return Err(ServiceResponse {
                delay_ms: faults.slow_ms,
                ..ServiceResponse::error(
                    503,
                    "OQS-OUTAGE",
                    "オンライン資格確認システムに接続できません",
                )
            });
        }
        if body.is_empty() {
            return Err(ServiceResponse::error(
                400,
                "OQS-EMPTY-BODY",
                "a JSON request body is required",
            ));
        }
        match lookup(&mut self.model, body) {
            Ok(answer) => Ok((answer, faults.slow_ms)),
            Err(e) => Err(ServiceResponse::from_model_error(&e)),
        }
    }

    /// `POST /oqs/v1/register`: the reader's registration by serial.
    fn register(&mut self, body: &[u8]) -> ServiceResponse {
        let request: RegistrationRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return ServiceResponse::error(400, "OQS-INVALID-FIELD", e.to_string()),
        };
        let registered = crate::serial::Serial::parse(&request.certificate_serial_number)
            .and_then(|serial| self.model.register_by_serial(serial));
        match registered {
            Ok(()) => ServiceResponse::ok(json!({ "ok": true })),
            Err(e) => ServiceResponse::from_model_error(&e),
        }
    }

    fn control(&mut self, body: &[u8]) -> ServiceResponse {
        let command: ControlCommand = match serde_json::from_slice(body) {
            Ok(c) => c,
            Err(e) => return ServiceResponse::error(400, "OQS-BAD-COMMAND", e.to_string()),
        };
        match self.model.apply(&command) {
            Ok(state) => ServiceResponse::ok(
                serde_json::to_value(ControlAnswer { ok: true, state }).unwrap_or(Value::Null),
            ),
            Err(e) => ServiceResponse::from_model_error(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_requests_get_4xx_with_a_code() {
        let mut s = OqsService::new();
        for (method, path, body) in [
            ("POST", SEARCH_PATH, &b"{not json"[..]),
            ("POST", SEARCH_PATH, b""),
            ("POST", SEARCH_PATH, b"[]"),
            (
                "POST",
                SEARCH_PATH,
                br#"{"XmlMsg":{"MessageHeader":{"MedicalInstitutionCode":"12"},"MessageBody":{}}}"#,
            ),
            ("POST", CONTROL_PATH, br#"{"op":"launch"}"#),
            ("GET", SEARCH_PATH, b""),
            ("POST", "/nowhere", b"{}"),
        ] {
            let r = s.handle(method, path, body);
            assert!(
                (400..500).contains(&r.status),
                "{method} {path}: {}",
                r.status
            );
            assert!(r
                .body
                .pointer("/error/code")
                .and_then(Value::as_str)
                .is_some_and(|c| c.starts_with("OQS-")));
        }
    }
}
