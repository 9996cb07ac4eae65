//! Signed reports (DESIGN §5): `report.json.sig` is an ECDSA P-256 /
//! SHA-256 signature, ASN.1 DER as `openssl dgst -sha256 -sign` writes it,
//! over the exact bytes of `report.json`; `report.json` lists the SHA-256
//! of the other files of its set (`files[]`), so the signature covers
//! them too. Keys are PEM: PKCS#8 for the private key, SPKI for the public
//! one (`openssl pkey -pubin -in key.pub.pem` reads it).

use std::path::{Path, PathBuf};

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use sha2::{Digest, Sha256};

use crate::error::ReportError;
use crate::json::parse_json;

/// The signature's file name.
pub const SIGNATURE_FILE: &str = "report.json.sig";

/// A private key read from a PKCS#8 PEM file.
#[derive(Clone)]
pub struct ReportSigner {
    key: SigningKey,
}

impl std::fmt::Debug for ReportSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportSigner(<private key>)")
    }
}

fn key_error(path: &Path, message: impl Into<String>) -> ReportError {
    ReportError::Key {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl ReportSigner {
    /// Reads a P-256 private key (PKCS#8 PEM, as `report keygen` writes).
    pub fn from_pem_file(path: &Path) -> Result<ReportSigner, ReportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| key_error(path, format!("cannot read the signing key: {e}")))?;
        // The key's bytes never go into a message.
        let key = SigningKey::from_pkcs8_pem(&pem_as_written(&text)).map_err(|_| {
            key_error(
                path,
                "not a P-256 private key in PKCS#8 PEM (`myna-conform report keygen` makes one)",
            )
        })?;
        Ok(ReportSigner { key })
    }

    /// The key, for signing a digest computed as the file was written.
    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The DER signature of `bytes`.
    pub fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        let signature: Signature = self.key.sign(bytes);
        signature.to_der().as_bytes().to_vec()
    }
}

/// A fresh key pair as (PKCS#8 private PEM, SPKI public PEM).
pub fn generate_key_pair() -> Result<(String, String), ReportError> {
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let none = PathBuf::from("<new key>");
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| key_error(&none, e.to_string()))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| key_error(&none, e.to_string()))?;
    Ok((private.to_string(), public))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What [`verify_dir`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A file of the set is missing or unreadable.
    #[error("{file}: cannot read it: {reason}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The signature does not verify over `report.json` with the key.
    #[error("{SIGNATURE_FILE}: the signature does not match report.json under this key (report.json or the signature was changed, or it was signed with another key)")]
    BadSignature,
    /// A listed file's content differs from its hash in `report.json`.
    #[error("{file}: its SHA-256 is {found}, report.json lists {expected}: the file was changed after signing")]
    HashMismatch {
        /// The file.
        file: String,
        /// The hash report.json lists.
        expected: String,
        /// The file's hash.
        found: String,
    },
    /// `report.json` does not parse (after its signature verified).
    #[error("report.json: {0}")]
    Report(String),
    /// A listed name is not a plain file name in the directory.
    #[error("report.json lists `{0}`, which is not a file name inside the report directory")]
    BadName(String),
}

/// A PEM as `report keygen` writes it, from one a person or a CI secret
/// store passed on: CRLF line ends become LF and blank lines around the
/// armour go (a secret pasted with `printf '%s\n'` ends in one more
/// newline, which the strict PEM reader refuses).
fn pem_as_written(text: &str) -> String {
    let mut pem = text.replace("\r\n", "\n").trim().to_string();
    pem.push('\n');
    pem
}

/// Reads an SPKI PEM public key.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, ReportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| key_error(path, format!("cannot read the public key: {e}")))?;
    VerifyingKey::from_public_key_pem(&pem_as_written(&text))
        .map_err(|_| key_error(path, "not a P-256 public key in SPKI PEM"))
}

/// Checks `dir`'s signature over `report.json` with `key`, then each file
/// `report.json` lists against its SHA-256. Returns the names checked.
pub fn verify_dir(dir: &Path, key: &VerifyingKey) -> Result<Vec<String>, VerifyError> {
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| VerifyError::Unreadable {
            file: name.to_owned(),
            reason: e.to_string(),
        })
    };
    let json = read("report.json")?;
    let signature = read(SIGNATURE_FILE)?;
    let signature = DerSignature::try_from(signature.as_slice())
        .and_then(|der| Signature::from_der(der.as_bytes()))
        .map_err(|_| VerifyError::BadSignature)?;
    key.verify(&json, &signature)
        .map_err(|_| VerifyError::BadSignature)?;
    let text = String::from_utf8(json).map_err(|e| VerifyError::Report(e.to_string()))?;
    let report = parse_json(&text, Path::new("report.json"))
        .map_err(|e| VerifyError::Report(e.to_string()))?;
    let mut checked = vec!["report.json".to_owned(), SIGNATURE_FILE.to_owned()];
    for listed in &report.files {
        let plain = Path::new(&listed.path)
            .file_name()
            .is_some_and(|n| n == listed.path.as_str());
        if !plain {
            return Err(VerifyError::BadName(listed.path.clone()));
        }
        let found = sha256_hex(&read(&listed.path)?);
        if found != listed.sha256 {
            return Err(VerifyError::HashMismatch {
                file: listed.path.clone(),
                expected: listed.sha256.clone(),
                found,
            });
        }
        checked.push(listed.path.clone());
    }
    Ok(checked)
}
