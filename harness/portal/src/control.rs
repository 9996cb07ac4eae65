//! The portal reference's test-control commands (`POST
//! /control/v1/command`, tag `control` in the OpenAPI document): move the
//! portal's clock, change the terms version, revoke a certificate at the
//! test CA's status service, change a holder's 本人情報 at the test J-LIS,
//! read the 確認コード the portal "mailed", reset.

use serde::{Deserialize, Serialize};

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
