//! Typed errors of the model and its request handling.

use thiserror::Error;

/// An error from a model operation or a request: the caller's input was
/// wrong, or the thing it names does not exist. Never carries secrets.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ModelError {
    /// A field is missing or malformed.
    #[error("invalid field `{field}`: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A named person, serial or record does not exist.
    #[error("unknown {what} `{name}`")]
    Unknown {
        /// Kind of thing (`person`, `serial`, …).
        what: &'static str,
        /// Its name as given.
        name: String,
    },
    /// The operation conflicts with the current state (duplicate serial, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A capacity limit of the index was reached.
    #[error("capacity exhausted: {0}")]
    Capacity(String),
}

impl ModelError {
    /// Shorthand for [`ModelError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ModelError::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`ModelError::Unknown`].
    pub fn unknown(what: &'static str, name: impl Into<String>) -> Self {
        ModelError::Unknown {
            what,
            name: name.into(),
        }
    }

    /// The API error code for this error (see docs/oqs.md).
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::Invalid { .. } => "OQS-INVALID-FIELD",
            ModelError::Unknown { .. } => "OQS-UNKNOWN-REFERENCE",
            ModelError::Conflict(_) => "OQS-CONFLICT",
            ModelError::Capacity(_) => "OQS-CAPACITY",
        }
    }
}
