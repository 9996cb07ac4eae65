//! The OQS role as the engine sees it: anything that answers the lookup and
//! (optionally) the test-control API. Two implementations: the model in
//! process, and an HTTP client for any server speaking the same API.

use std::fmt;
use std::time::Duration;

use crate::service::{OqsService, CAPABILITIES_PATH, CAP_CONTROL, CAP_LOOKUP, SEARCH_PATH};
use crate::wire::{CapabilitiesAnswer, ErrorBody};

/// An answer: HTTP status and body bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes (JSON for every route of this API).
    pub body: Vec<u8>,
}

/// The transport failed: verdict `error`, never an assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// No answer within the deadline.
    Timeout(String),
    /// Could not connect.
    Connect(String),
    /// The server answers, but not as this API (a wrong base path, another
    /// kind of server).
    NotThisApi(String),
    /// Anything else.
    Other(String),
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Timeout(m) => write!(f, "timed out: {m}"),
            TargetError::Connect(m) => write!(f, "cannot connect: {m}"),
            TargetError::NotThisApi(m) => f.write_str(m),
            TargetError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TargetError {}

/// The eligibility service under test.
pub trait OqsTarget {
    /// Sends one request (`method` `GET`/`POST`, `path` from the API root).
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RawResponse, TargetError>;
    /// Capabilities for `applies_if`: `oqs.lookup`, `oqs.control`.
    fn capabilities(&self) -> Vec<String>;
    /// `builtin` or the base URL, for the report.
    fn describe(&self) -> String;
}

/// The reference model, called directly. The `slow` fault is virtual: an
/// answer later than the caller's deadline is a timeout, without sleeping.
#[derive(Clone, Debug, Default)]
pub struct InProcessTarget {
    service: OqsService,
}

impl InProcessTarget {
    /// A target over a fresh model.
    pub fn new() -> Self {
        InProcessTarget::default()
    }

    /// The service (to inspect the model in tests).
    pub fn service(&self) -> &OqsService {
        &self.service
    }
}

impl OqsTarget for InProcessTarget {
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RawResponse, TargetError> {
        let answer = self.service.handle_bytes(method, path, body);
        if let Some(limit) = timeout {
            if Duration::from_millis(answer.delay_ms) > limit {
                return Err(TargetError::Timeout(format!(
                    "no answer within {} ms (virtual delay {} ms)",
                    limit.as_millis(),
                    answer.delay_ms
                )));
            }
        }
        Ok(RawResponse {
            status: answer.status,
            body: answer.body,
        })
    }

    fn capabilities(&self) -> Vec<String> {
        vec![CAP_LOOKUP.to_string(), CAP_CONTROL.to_string()]
    }

    fn describe(&self) -> String {
        "builtin".into()
    }
}

/// Default deadline of an HTTP request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for any server implementing the API of docs/oqs.md.
#[derive(Clone, Debug)]
pub struct HttpTarget {
    base: String,
    agent: ureq::Agent,
    capabilities: Vec<String>,
}

impl HttpTarget {
    /// Connects to `base_url` (e.g. `http://127.0.0.1:8080`) with the
    /// default client settings; see [`HttpTarget::connect_with`].
    pub fn connect(base_url: &str) -> Result<HttpTarget, TargetError> {
        Self::connect_with(base_url, &myna_http::ClientOptions::default())
    }

    /// Connects to `base_url` with `options` (timeouts, TLS) and asks for
    /// its capabilities; a server without the control API reports
    /// `oqs.lookup` only. A server that answers neither the capabilities nor
    /// the lookup path as this API does (a wrong base path, another kind of
    /// server) is an error naming what was probed, not a service without
    /// capabilities.
    pub fn connect_with(
        base_url: &str,
        options: &myna_http::ClientOptions,
    ) -> Result<HttpTarget, TargetError> {
        let agent = myna_http::agent(options).map_err(|e| TargetError::Other(e.to_string()))?;
        let mut target = HttpTarget {
            base: base_url.trim_end_matches('/').to_string(),
            agent,
            capabilities: vec![CAP_LOOKUP.to_string()],
        };
        let answer = target.request("GET", CAPABILITIES_PATH, &[], None)?;
        match serde_json::from_slice::<CapabilitiesAnswer>(&answer.body) {
            Ok(listed) if answer.status == 200 => {
                for cap in listed.capabilities {
                    if cap.starts_with("oqs.") && !target.capabilities.contains(&cap) {
                        target.capabilities.push(cap);
                    }
                }
            }
            _ => target.probe_lookup(answer.status)?,
        }
        Ok(target)
    }

    /// Without the control API, the lookup path must answer an empty
    /// request as this API does: not 404, and a JSON error body
    /// (`{"error":{…}}`) or a JSON answer.
    fn probe_lookup(&mut self, capabilities_status: u16) -> Result<(), TargetError> {
        let answer = self.request("POST", SEARCH_PATH, b"{}", None)?;
        // A 404 is the wrong path even when its body is JSON.
        let is_api_answer = answer.status != 404
            && (serde_json::from_slice::<ErrorBody>(&answer.body).is_ok()
                || (answer.status == 200
                    && serde_json::from_slice::<serde_json::Value>(&answer.body).is_ok()));
        if is_api_answer {
            return Ok(());
        }
        let not_this_api = myna_http::NotThisApi {
            base: self.base.clone(),
            api: "an eligibility service of this API",
            answers: vec![
                format!("GET {CAPABILITIES_PATH} answered {capabilities_status}"),
                format!(
                    "POST {SEARCH_PATH} answered {} without the API's JSON",
                    answer.status
                ),
            ],
            doc: "docs/oqs.md",
        };
        Err(TargetError::NotThisApi(not_this_api.to_string()))
    }
}

fn map_error(e: ureq::Error) -> TargetError {
    match e {
        ureq::Error::Timeout(t) => TargetError::Timeout(t.to_string()),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            TargetError::Connect(e.to_string())
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            TargetError::Connect(io.to_string())
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            TargetError::Timeout(io.to_string())
        }
        other => TargetError::Other(other.to_string()),
    }
}

impl OqsTarget for HttpTarget {
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RawResponse, TargetError> {
        let url = format!("{}{}", self.base, path);
        let deadline = Some(timeout.unwrap_or(DEFAULT_TIMEOUT));
        let result = match method {
            "GET" => self
                .agent
                .get(&url)
                .config()
                .timeout_global(deadline)
                .build()
                .call(),
            "POST" => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .config()
                .timeout_global(deadline)
                .build()
                .send(body),
            other => {
                return Err(TargetError::Other(format!(
                    "method {other} is not used by this API"
                )))
            }
        };
        let mut response = result.map_err(map_error)?;
        let status = response.status().as_u16();
        let bytes = response.body_mut().read_to_vec().map_err(map_error)?;
        Ok(RawResponse {
            status,
            body: bytes,
        })
    }

    fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    fn describe(&self) -> String {
        self.base.clone()
    }
}
