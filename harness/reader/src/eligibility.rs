//! The reader's eligibility check (health-insurance-system.md §1.2 S4,
//! §4): one lookup by the 利用者証明用 certificate serial through any
//! [`OqsTarget`], with myna-oqs's typed wire structs, and what its answer
//! means for the next screen.

use std::time::Duration;

use myna_oqs::service::SEARCH_PATH;
use myna_oqs::wire::{
    ErrorBody, RequestBody, RequestHeader, RequestMsg, SearchRequest, SearchResponse,
};
use myna_oqs::{OqsTarget, RegistrationRequest, TargetError, REGISTER_PATH};

/// The holder as the eligibility answer names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holder {
    /// `Name`.
    pub name: Option<String>,
    /// `Birthdate` `YYYYMMDD`.
    pub birthdate: Option<String>,
    /// 保険者番号 of the first result.
    pub insurer_number: Option<String>,
}

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Eligibility {
    /// A qualification in force; `warning` is a normal-end result code
    /// (`OQS-W-CERT-EXPIRING`, `OQS-W-CERT-GRACE`).
    Valid {
        /// The holder.
        holder: Holder,
        /// The result code on a normal end, if any.
        warning: Option<String>,
    },
    /// No qualification in force (`QualificationValidity` other than 1).
    NoQualification {
        /// The validity code.
        validity: String,
        /// The holder, when answered.
        holder: Holder,
    },
    /// Not registered for 保険証利用 (or the registration was cancelled).
    NotRegistered {
        /// `OQS-E-NOT-REGISTERED` or `OQS-E-REGISTRATION-CANCELLED`.
        code: String,
    },
    /// The certificate was revoked.
    Revoked,
    /// The certificate expired beyond grace.
    Expired,
    /// The service is down (503, or no connection).
    Outage,
    /// No answer within the reader's deadline.
    Timeout,
    /// Any other error answer.
    Error {
        /// The code answered.
        code: String,
    },
}

impl Eligibility {
    /// The result code the record keeps.
    pub fn code(&self) -> Option<String> {
        match self {
            Eligibility::Valid { warning, .. } => warning.clone(),
            Eligibility::NotRegistered { code } | Eligibility::Error { code } => Some(code.clone()),
            Eligibility::Revoked => Some("OQS-E-CERT-REVOKED".into()),
            Eligibility::Expired => Some("OQS-E-CERT-EXPIRED".into()),
            Eligibility::NoQualification { .. } | Eligibility::Outage | Eligibility::Timeout => {
                None
            }
        }
    }
}

/// Looks `serial` up at `target` within `deadline`.
pub fn check(
    target: &mut dyn OqsTarget,
    serial: &str,
    institution: &str,
    deadline: Duration,
) -> Eligibility {
    let request = SearchRequest {
        xml_msg: RequestMsg {
            message_header: RequestHeader {
                medical_institution_code: institution.to_string(),
                ..RequestHeader::default()
            },
            message_body: RequestBody {
                certificate_serial_number: Some(serial.to_string()),
                ..RequestBody::default()
            },
        },
    };
    let body = match serde_json::to_vec(&request) {
        Ok(b) => b,
        Err(e) => {
            return Eligibility::Error {
                code: format!("request: {e}"),
            }
        }
    };
    match target.request("POST", SEARCH_PATH, &body, Some(deadline)) {
        Err(TargetError::Timeout(_)) => Eligibility::Timeout,
        Err(TargetError::Connect(_)) => Eligibility::Outage,
        Err(TargetError::Other(message) | TargetError::NotThisApi(message)) => {
            Eligibility::Error { code: message }
        }
        Ok(answer) if answer.status == 503 => Eligibility::Outage,
        Ok(answer) if answer.status != 200 => Eligibility::Error {
            code: error_code(&answer.body).unwrap_or_else(|| format!("HTTP {}", answer.status)),
        },
        Ok(answer) => match serde_json::from_slice::<SearchResponse>(&answer.body) {
            Ok(response) => classify(&response),
            Err(e) => Eligibility::Error {
                code: format!("malformed answer: {e}"),
            },
        },
    }
}

fn error_code(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error.code)
}

/// What a lookup answer means (docs/oqs.md "Processing result codes").
pub fn classify(response: &SearchResponse) -> Eligibility {
    let header = &response.xml_msg.message_header;
    let body = &response.xml_msg.message_body;
    if let Some(code) = &header.error_code {
        return Eligibility::Error { code: code.clone() };
    }
    let code = body.processing_result_code.clone();
    if body.processing_result_status.as_deref() == Some("2") {
        return match code.as_deref() {
            Some(c @ ("OQS-E-NOT-REGISTERED" | "OQS-E-REGISTRATION-CANCELLED")) => {
                Eligibility::NotRegistered {
                    code: c.to_string(),
                }
            }
            Some("OQS-E-CERT-REVOKED") => Eligibility::Revoked,
            Some("OQS-E-CERT-EXPIRED") => Eligibility::Expired,
            other => Eligibility::Error {
                code: other.unwrap_or("no ProcessingResultCode").to_string(),
            },
        };
    }
    let first = body
        .result_list
        .as_ref()
        .and_then(|l| l.result_of_qualification_confirmation.first());
    let holder = Holder {
        name: first.and_then(|r| r.name.clone()),
        birthdate: first.and_then(|r| r.birthdate.clone()),
        insurer_number: first.and_then(|r| r.insurer_number.clone()),
    };
    match body.qualification_validity.as_deref() {
        Some("1") => Eligibility::Valid {
            holder,
            warning: code,
        },
        other => Eligibility::NoQualification {
            validity: other.unwrap_or("").to_string(),
            holder,
        },
    }
}

/// Registers `serial`'s holder for 保険証利用 (seed 003's registration at
/// the reader); the error text on failure.
pub fn register(
    target: &mut dyn OqsTarget,
    serial: &str,
    deadline: Duration,
) -> Result<(), String> {
    let request = RegistrationRequest {
        certificate_serial_number: serial.to_string(),
    };
    let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    match target.request("POST", REGISTER_PATH, &body, Some(deadline)) {
        Ok(answer) if answer.status == 200 => Ok(()),
        Ok(answer) => {
            Err(error_code(&answer.body).unwrap_or_else(|| format!("HTTP {}", answer.status)))
        }
        Err(e) => Err(e.to_string()),
    }
}
