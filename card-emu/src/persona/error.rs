//! Why a persona could not be loaded: every error names the file and what is
//! wrong, and never carries a secret value.

use std::path::PathBuf;

/// A persona (or the shared CA material) could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PersonaError {
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `persona.yaml` is not valid YAML for the persona schema.
    #[error("{path}: invalid persona YAML: {message}")]
    Yaml {
        /// The YAML file.
        path: PathBuf,
        /// The parser's message (with line/column); never contains a secret value.
        message: String,
    },
    /// A field has a value outside its format.
    #[error("{path}: field `{field}`: {reason}")]
    InvalidField {
        /// The YAML file.
        path: PathBuf,
        /// The field name.
        field: &'static str,
        /// What is wrong (never the secret value itself).
        reason: String,
    },
    /// A DER file (certificate or PKCS#8 key) could not be parsed.
    #[error("{path}: invalid {what}: {message}")]
    Der {
        /// The DER file.
        path: PathBuf,
        /// What the file should hold, e.g. "X.509 certificate".
        what: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// A certificate does not agree with `persona.yaml` or with its key.
    #[error("{path}: {reason}")]
    Mismatch {
        /// The file that disagrees.
        path: PathBuf,
        /// What disagrees.
        reason: String,
    },
    /// A signature over a derived EF image could not be computed.
    #[error("{path}: cannot sign {what}: {message}")]
    Signing {
        /// The key file used.
        path: PathBuf,
        /// What was being signed.
        what: &'static str,
        /// The RSA error.
        message: String,
    },
    /// No persona with this id exists under the root.
    #[error("{root}: no persona named `{id}`")]
    UnknownPersona {
        /// The personas root directory.
        root: PathBuf,
        /// The id asked for.
        id: String,
    },
}
