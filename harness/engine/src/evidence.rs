//! Wire evidence as recorded during a step, before redaction. Rendering to
//! the report happens once the scenario ends, so secrets learnt by later
//! steps are masked in earlier evidence too.

use myna_report::Evidence;
use serde_json::json;

use crate::redact::Redactor;

/// One recorded event.
#[derive(Clone, Debug)]
pub enum RawEvidence {
    /// C-APDU and R-APDU.
    Apdu {
        /// µs since scenario start.
        at_us: u64,
        /// The C-APDU.
        command: Vec<u8>,
        /// R-APDU data (without SW).
        data: Vec<u8>,
        /// Status word.
        sw: u16,
        /// Round trip.
        duration_us: u64,
    },
    /// HTTP exchange.
    Http {
        /// µs since scenario start.
        at_us: u64,
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Status, when an answer came.
        status: Option<u16>,
        /// Request body.
        request: serde_json::Value,
        /// Response body.
        response: serde_json::Value,
        /// Round trip.
        duration_us: u64,
    },
    /// Power event.
    Power {
        /// µs since scenario start.
        at_us: u64,
        /// `off` / `on` / `reset`.
        action: &'static str,
        /// ATR after on/reset.
        atr: Option<Vec<u8>>,
    },
    /// Transport failure.
    TransportError {
        /// µs since scenario start.
        at_us: u64,
        /// What broke.
        message: String,
    },
    /// Harness note.
    Note {
        /// µs since scenario start.
        at_us: u64,
        /// Text.
        message: String,
    },
}

impl RawEvidence {
    /// The report form, secrets masked; `target` is the role it came from.
    pub fn render(&self, redactor: &Redactor, target: &str) -> Evidence {
        let (kind, at_us, duration_us, fields) = match self {
            RawEvidence::Apdu {
                at_us,
                command,
                data,
                sw,
                duration_us,
            } => (
                "apdu",
                *at_us,
                Some(*duration_us),
                json!({
                    "command": redactor.hex(command),
                    "response": redactor.hex(data),
                    "sw": format!("{sw:04X}"),
                }),
            ),
            RawEvidence::Http {
                at_us,
                method,
                path,
                status,
                request,
                response,
                duration_us,
            } => (
                "http",
                *at_us,
                Some(*duration_us),
                json!({
                    "method": method,
                    "path": path,
                    "status": status,
                    "request": redact_json(request, redactor),
                    "response": redact_json(response, redactor),
                }),
            ),
            RawEvidence::Power { at_us, action, atr } => (
                "power",
                *at_us,
                None,
                json!({ "action": action, "atr": atr.as_deref().map(hex::encode_upper) }),
            ),
            RawEvidence::TransportError { at_us, message } => (
                "transport_error",
                *at_us,
                None,
                json!({ "message": redactor.text(message) }),
            ),
            RawEvidence::Note { at_us, message } => (
                "note",
                *at_us,
                None,
                json!({ "message": redactor.text(message) }),
            ),
        };
        Evidence {
            kind: kind.to_string(),
            at_us,
            target: target.to_string(),
            duration_us,
            summary: None,
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }
}

/// A JSON value with secrets masked in its text.
fn redact_json(value: &serde_json::Value, redactor: &Redactor) -> serde_json::Value {
    if redactor.is_empty() {
        return value.clone();
    }
    let text = value.to_string();
    let masked = redactor.text(&text);
    if masked == text {
        value.clone()
    } else {
        serde_json::from_str(&masked).unwrap_or(serde_json::Value::String(masked))
    }
}
