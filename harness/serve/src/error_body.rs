//! The one JSON error shape of every reference server:
//! `{"error":{"code":"…","message":"…","field":"…"?}}` (the eligibility
//! service's and the portal's API and control errors, and what this layer
//! answers itself).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Every API error: `{"error":{"code":"…","message":"…","field":"…"?}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable code, `<SERVER>-…` (each server's docs list its codes).
    pub code: String,
    /// For people: the reason.
    pub message: String,
    /// The request field at fault, when one is (a JSON key or a dotted
    /// path into the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// An error body.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
            },
        }
    }

    /// An error body naming the request field at fault.
    pub fn with_field(
        code: impl Into<String>,
        message: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        let mut body = ErrorBody::new(code, message);
        body.error.field = Some(field.into());
        body
    }
}

/// A JSON response of `status` with an [`ErrorBody`].
pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &ErrorBody::new(code, message))
}

/// A JSON response of `status` with `body` serialised.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}
