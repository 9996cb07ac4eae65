//! The portal reference's test-control commands (`POST
//! /control/v1/command`, tag `control` in the OpenAPI document): move the
//! portal's clock, change the terms version, revoke a certificate at the
//! test CA's status service, change a holder's 本人情報 at the test J-LIS,
//! read the 確認コード the portal "mailed", reset.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::PortalError;

/// A test-control command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PortalControl {
    /// Forgets every session, user, application and account, and restores
    /// the clock, the terms version and the revocations of the start.
    Reset {},
    /// Moves the portal's clock forward.
    Clock {
        /// Minutes to move (at most a year).
        #[serde(deserialize_with = "whole_number")]
        advance_minutes: u32,
    },
    /// Puts a new terms version in force (re-acceptance needed).
    Terms {
        /// The new version.
        version: String,
    },
    /// The test CA's status service revokes a certificate serial (hex).
    Revoke {
        /// The serial.
        serial: String,
    },
    /// The test J-LIS records another reading of the name of a serial's
    /// holder (本人情報: a change of name, or a namesake).
    HolderName {
        /// The certificate serial (hex).
        serial: String,
        /// The reading, full-width katakana.
        name_kana: String,
    },
    /// The last 確認コード sent to an e-mail address.
    Outbox {
        /// The address.
        email: String,
    },
    /// Clock and terms version.
    State {},
}

/// A JSON Schema `integer`: a number without a fractional part, `6.0`
/// included (JSON Schema 2020-12 §6.1.1 counts it as one), within `u32`.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match (number.as_u64(), number.as_f64()) {
        (Some(n), _) => u32::try_from(n).ok(),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            // Checked: integral and within u32.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(f as u32)
        }
        _ => None,
    };
    whole.ok_or_else(|| {
        serde::de::Error::custom(format!(
            "expected a whole number of minutes, found {number}"
        ))
    })
}

/// The answer to every control command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlAnswer {
    /// The portal's clock (RFC 3339).
    pub clock: String,
    /// The terms version in force.
    pub terms_version: String,
    /// The code `outbox` asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl PortalControl {
    /// Reads a command body; a wrong one names the field at fault.
    ///
    /// serde reads an internally tagged enum from a buffer, so a wrong
    /// value (`"advance_minutes": -1`) is reported without its path; the
    /// field is then the key that, alone beside `op`, gives the same error.
    pub fn parse(body: &[u8]) -> Result<PortalControl, PortalError> {
        let value: Value = crate::service::parse_body(body)?;
        let error = match serde_json::from_value::<PortalControl>(value.clone()) {
            Ok(command) => return Ok(command),
            Err(e) => e.to_string(),
        };
        let Some(map) = value.as_object() else {
            return crate::service::parse_body(body);
        };
        let alone = |key: &str, v: &Value| {
            let mut one = Map::new();
            if let Some(op) = map.get("op") {
                one.insert("op".to_owned(), op.clone());
            }
            one.insert(key.to_owned(), v.clone());
            serde_json::from_value::<PortalControl>(Value::Object(one))
                .err()
                .is_some_and(|e| e.to_string() == error)
        };
        match map.iter().find(|(k, v)| k.as_str() != "op" && alone(k, v)) {
            Some((key, _)) => Err(PortalError::invalid(
                key.clone(),
                error.split(" at line").next().unwrap_or(&error).to_owned(),
            )),
            None => crate::service::parse_body(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_value_is_named_by_its_key() {
        let field = |body: &str| {
            PortalControl::parse(body.as_bytes())
                .err()
                .and_then(|e| e.field)
        };
        assert_eq!(
            field(r#"{"op":"clock","advance_minutes":-1}"#).as_deref(),
            Some("advance_minutes")
        );
        assert_eq!(
            field(r#"{"op":"terms","version":7}"#).as_deref(),
            Some("version")
        );
        assert_eq!(
            field(r#"{"op":"clock"}"#).as_deref(),
            Some("advance_minutes")
        );
        assert_eq!(field(r#"{"op":"state","x":1}"#).as_deref(), Some("x"));
        assert_eq!(field(r#"{"op":"warp"}"#).as_deref(), Some("op"));
        assert_eq!(
            PortalControl::parse(br#"{"op":"clock","advance_minutes":5}"#).ok(),
            Some(PortalControl::Clock { advance_minutes: 5 })
        );
        // A JSON Schema integer may be written 6.0.
        assert_eq!(
            PortalControl::parse(br#"{"op":"clock","advance_minutes":6.0}"#).ok(),
            Some(PortalControl::Clock { advance_minutes: 6 })
        );
        assert_eq!(
            field(r#"{"op":"clock","advance_minutes":6.5}"#).as_deref(),
            Some("advance_minutes")
        );
    }
}
