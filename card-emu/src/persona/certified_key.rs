//! A private key together with its X.509 certificate (JPKI 利用者証明用 /
//! 署名用, card-protocol.md §4).

use std::path::Path;

use der::{Decode, Encode};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::dates::format_utc;
use super::PersonaError;

/// A certificate and the private key it certifies.
#[derive(Clone)]
pub struct CertifiedKey {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The serial number's magnitude, big-endian, no leading zeros.
    pub serial: Vec<u8>,
    /// NotBefore.
    pub not_before: OffsetDateTime,
    /// NotAfter.
    pub not_after: OffsetDateTime,
    /// The private key.
    pub key: RsaPrivateKey,
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("serial", &self.serial_hex())
            .field("not_after", &format_utc(self.not_after))
            .field("cert_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

impl CertifiedKey {
    /// The serial as uppercase hex without leading zeros (`0` for zero).
    pub fn serial_hex(&self) -> String {
        serial_hex(&self.serial)
    }

    /// Parses `cert_path` (X.509 DER) and `key_path` (PKCS#8 DER) and checks
    /// that the key is the certificate's.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, PersonaError> {
        let cert_der = read(cert_path)?;
        let key = load_private_key(key_path)?;
        let cert = Certificate::from_der(&cert_der).map_err(|e| PersonaError::Der {
            path: cert_path.to_owned(),
            what: "X.509 certificate",
            message: e.to_string(),
        })?;
        let tbs = &cert.tbs_certificate;
        let spki_der = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| der_error(cert_path, "subject public key", e))?;
        let public =
            RsaPublicKey::from_public_key_der(&spki_der).map_err(|e| PersonaError::Der {
                path: cert_path.to_owned(),
                what: "RSA subject public key",
                message: e.to_string(),
            })?;
        if public != key.to_public_key() {
            return Err(PersonaError::Mismatch {
                path: key_path.to_owned(),
                reason: format!(
                    "private key does not match the public key of {}",
                    cert_path.display()
                ),
            });
        }
        Ok(CertifiedKey {
            serial: strip_leading_zeros(tbs.serial_number.as_bytes()),
            not_before: to_offset(cert_path, tbs.validity.not_before.to_unix_duration())?,
            not_after: to_offset(cert_path, tbs.validity.not_after.to_unix_duration())?,
            cert_der,
            key,
        })
    }
}

/// Reads a whole file, with the path in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, PersonaError> {
    std::fs::read(path).map_err(|source| PersonaError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads and parses a PKCS#8 DER RSA private key. Never generates a key.
pub(crate) fn load_private_key(path: &Path) -> Result<RsaPrivateKey, PersonaError> {
    let bytes = read(path)?;
    RsaPrivateKey::from_pkcs8_der(&bytes).map_err(|e| PersonaError::Der {
        path: path.to_owned(),
        what: "PKCS#8 RSA private key",
        message: e.to_string(),
    })
}

fn der_error(path: &Path, what: &'static str, e: der::Error) -> PersonaError {
    PersonaError::Der {
        path: path.to_owned(),
        what,
        message: e.to_string(),
    }
}

fn to_offset(
    path: &Path,
    since_epoch: std::time::Duration,
) -> Result<OffsetDateTime, PersonaError> {
    i64::try_from(since_epoch.as_secs())
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| PersonaError::Der {
            path: path.to_owned(),
            what: "certificate validity",
            message: "time out of range".to_owned(),
        })
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default().to_vec()
}

/// Uppercase hex of a big-endian magnitude without leading zeros (`0` for zero).
pub fn serial_hex(serial: &[u8]) -> String {
    let hex = hex::encode_upper(strip_leading_zeros(serial));
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_hex_strips_zeros() {
        assert_eq!(serial_hex(&[0x00, 0x01, 0x8C, 0x45, 0x3E]), "18C453E");
        assert_eq!(serial_hex(&[0x00]), "0");
        assert_eq!(serial_hex(&[0x80]), "80");
    }
}
