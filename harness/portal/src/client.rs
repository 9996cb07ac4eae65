//! The portal role as the `portal` family sees it: the reference in
//! process, or any server speaking the API of `openapi.yaml` over HTTP.

use std::path::Path;

use crate::eligibility::EligibilityLink;
use crate::service::{PortalConfig, PortalRequest, PortalService};
use crate::trust::TrustError;

/// An answer: status, content type, body bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAnswer {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` (without parameters).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// One request of a client.
#[derive(Clone, Copy, Debug)]
pub struct ClientRequest<'a> {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: &'a str,
    /// Path (and query) from the API root.
    pub path: &'a str,
    /// The bearer session token.
    pub session: Option<&'a str>,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<&'a str>,
    /// JSON body (empty: none).
    pub body: &'a [u8],
}

/// The portal under test.
pub trait PortalTarget {
    /// Sends one request. `link` is the eligibility service the scenario
    /// uses; an in-process reference links registrations there, a server
    /// has its own.
    fn request(
        &mut self,
        request: ClientRequest<'_>,
        link: &mut dyn EligibilityLink,
    ) -> Result<RawAnswer, String>;
    /// `builtin` or the base URL.
    fn describe(&self) -> String;
}

/// The reference, called directly.
#[derive(Clone, Debug)]
pub struct InProcessPortal {
    service: PortalService,
}

impl InProcessPortal {
    /// A fresh reference trusting the CA in `ca_dir`.
    pub fn new(ca_dir: &Path, config: PortalConfig) -> Result<Self, TrustError> {
        Ok(InProcessPortal {
            service: PortalService::new(ca_dir, config)?,
        })
    }

    /// Over an existing service.
    pub fn with_service(service: PortalService) -> Self {
        InProcessPortal { service }
    }

    /// The service (for tests).
    pub fn service(&self) -> &PortalService {
        &self.service
    }
}

fn bearer(session: Option<&str>) -> Option<String> {
    session.map(|s| format!("Bearer {s}"))
}

impl PortalTarget for InProcessPortal {
    fn request(
        &mut self,
        request: ClientRequest<'_>,
        link: &mut dyn EligibilityLink,
    ) -> Result<RawAnswer, String> {
        let authorization = bearer(request.session);
        let answer = self.service.handle(
            PortalRequest {
                method: request.method,
                path: request.path,
                authorization: authorization.as_deref(),
                idempotency_key: request.idempotency_key,
                body: request.body,
            },
            link,
        );
        Ok(RawAnswer {
            status: answer.status,
            content_type: answer.content_type.to_owned(),
            body: answer.body,
        })
    }

    fn describe(&self) -> String {
        "builtin".into()
    }
}

/// A client for any server implementing `openapi.yaml`.
#[derive(Clone, Debug)]
pub struct HttpPortal {
    base: String,
    agent: ureq::Agent,
}

impl HttpPortal {
    /// A client of `base_url` (e.g. `http://127.0.0.1:8090`) with default
    /// settings; nothing is sent yet.
    pub fn new(base_url: &str) -> Result<Self, myna_http::ClientSetupError> {
        Self::with_options(base_url, &myna_http::ClientOptions::default())
    }

    /// A client with `options` (timeouts, TLS), built by myna-http.
    pub fn with_options(
        base_url: &str,
        options: &myna_http::ClientOptions,
    ) -> Result<Self, myna_http::ClientSetupError> {
        Ok(HttpPortal {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: myna_http::agent(options)?,
        })
    }
}

impl PortalTarget for HttpPortal {
    fn request(
        &mut self,
        request: ClientRequest<'_>,
        _link: &mut dyn EligibilityLink,
    ) -> Result<RawAnswer, String> {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        if let Some(auth) = bearer(request.session) {
            builder = builder.header("authorization", auth);
        }
        if let Some(key) = request.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if !request.body.is_empty() {
            builder = builder.header("content-type", "application/json");
        }
        let http_request = builder
            .body(request.body.to_vec())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let mut response = self
            .agent
            .run(http_request)
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(RawAnswer {
            status,
            content_type,
            body,
        })
    }

    fn describe(&self) -> String {
        self.base.clone()
    }
}
