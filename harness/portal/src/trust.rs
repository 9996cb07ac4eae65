//! The test JPKI CA as the portal trusts it: the 利用者証明用 root
//! (`vectors/personas/ca/auth-ca-cert.der`) and its revocation list
//! (`auth-ca.crl`, DER, signed by the root), plus the revocations the
//! test CA's status service learns at run time (the `revoke` control op).
//!
//! A login certificate is checked in the order portal-anchors.md §6 gives:
//! decode → chain to the configured CA → validity → signature → revocation
//! (fail closed: a CRL past its nextUpdate is `revocation_unavailable`).

use std::collections::BTreeSet;
use std::path::Path;

use der::{Decode, Encode};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

use crate::error::{PortalError, Problem};

/// The 利用者証明用 root's file in the CA directory.
pub const AUTH_CA_CERT: &str = "auth-ca-cert.der";
/// Its revocation list's file.
pub const AUTH_CA_CRL: &str = "auth-ca.crl";
/// `sha256WithRSAEncryption`.
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

/// The trust anchor and revocation state.
#[derive(Clone, Debug)]
pub struct TrustStore {
    ca: Certificate,
    ca_key: RsaPublicKey,
    /// Serials (hex, upper case, no leading zeros) the CRL lists.
    crl_revoked: BTreeSet<String>,
    /// The CRL's nextUpdate.
    crl_next_update: Option<OffsetDateTime>,
    /// Revoked at run time through the test CA's status service.
    revoked_now: BTreeSet<String>,
    /// The `IgnoreRevocation` defect (mutation test only).
    pub(crate) ignore_revocation: bool,
}

/// A certificate that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCert {
    /// Serial, hex upper case without leading zeros (as personas write it).
    pub serial: String,
    /// notAfter.
    pub not_after: OffsetDateTime,
}

/// Why the trust store could not be loaded (a setup error, not a request's).
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not what it should be.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The hex form of a DER INTEGER's bytes: upper case, no leading zeros.
pub fn serial_hex(bytes: &[u8]) -> String {
    let hex = hex_upper(bytes);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn time_of(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn verify_rsa_sha256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = Signature::try_from(signature) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &signature)
        .is_ok()
}

fn public_key(cert: &Certificate) -> Option<RsaPublicKey> {
    let der = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    RsaPublicKey::from_public_key_der(&der).ok()
}

impl TrustStore {
    /// Loads the root and its CRL from `ca_dir`.
    pub fn load(ca_dir: &Path) -> Result<TrustStore, TrustError> {
        let read = |name: &str| {
            let path = ca_dir.join(name);
            std::fs::read(&path).map_err(|source| TrustError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        let invalid = |name: &str, reason: String| TrustError::Invalid {
            path: ca_dir.join(name).display().to_string(),
            reason,
        };
        let ca = Certificate::from_der(&read(AUTH_CA_CERT)?)
            .map_err(|e| invalid(AUTH_CA_CERT, format!("not an X.509 certificate: {e}")))?;
        let ca_key =
            public_key(&ca).ok_or_else(|| invalid(AUTH_CA_CERT, "not an RSA public key".into()))?;
        let crl = CertificateList::from_der(&read(AUTH_CA_CRL)?)
            .map_err(|e| invalid(AUTH_CA_CRL, format!("not a DER CRL: {e}")))?;
        let tbs = crl
            .tbs_cert_list
            .to_der()
            .map_err(|e| invalid(AUTH_CA_CRL, e.to_string()))?;
        let signed = crl.signature.as_bytes().unwrap_or_default();
        if crl.tbs_cert_list.issuer != ca.tbs_certificate.subject
            || !verify_rsa_sha256(&ca_key, &tbs, signed)
        {
            return Err(invalid(
                AUTH_CA_CRL,
                "not signed by the 利用者証明用 root".into(),
            ));
        }
        let crl_revoked = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|r| serial_hex(r.serial_number.as_bytes()))
            .collect();
        Ok(TrustStore {
            ca_key,
            crl_next_update: crl.tbs_cert_list.next_update.map(time_of),
            ca,
            crl_revoked,
            revoked_now: BTreeSet::new(),
            ignore_revocation: false,
        })
    }

    /// The test CA's status service revokes `serial` (hex) from now on.
    pub fn revoke(&mut self, serial: &str) {
        self.revoked_now
            .insert(serial.trim_start_matches('0').to_ascii_uppercase());
    }

    /// Forgets run-time revocations (the CRL stays).
    pub fn reset(&mut self) {
        self.revoked_now.clear();
    }

    /// Whether `serial` is revoked (CRL or status service).
    pub fn is_revoked(&self, serial: &str) -> bool {
        !self.ignore_revocation
            && (self.crl_revoked.contains(serial) || self.revoked_now.contains(serial))
    }

    /// Checks `cert_der` and a signature over `message` at `now`, in the
    /// order of the module doc; each failure has its own code.
    pub fn verify(
        &self,
        cert_der: &[u8],
        message: &[u8],
        signature: &[u8],
        now: OffsetDateTime,
    ) -> Result<VerifiedCert, PortalError> {
        let cert = Certificate::from_der(cert_der).map_err(|e| {
            PortalError::field(
                Problem::CertificateMalformed,
                "certificate",
                format!("not a DER X.509 certificate ({e})"),
            )
        })?;
        let tbs = &cert.tbs_certificate;
        let tbs_der = tbs.to_der().unwrap_or_default();
        let issued_by_ca = tbs.issuer == self.ca.tbs_certificate.subject
            && cert.signature_algorithm.oid.to_string() == SHA256_WITH_RSA
            && verify_rsa_sha256(
                &self.ca_key,
                &tbs_der,
                cert.signature.as_bytes().unwrap_or_default(),
            );
        if !issued_by_ca {
            return Err(PortalError::new(
                Problem::CertificateUntrusted,
                "the certificate is not issued by the 利用者証明用 CA",
            ));
        }
        let not_before = time_of(tbs.validity.not_before);
        let not_after = time_of(tbs.validity.not_after);
        if now < not_before {
            return Err(PortalError::new(
                Problem::CertificateNotYetValid,
                "the certificate is not valid yet",
            ));
        }
        if now > not_after {
            return Err(PortalError::new(
                Problem::CertificateExpired,
                "the certificate has expired",
            ));
        }
        let key = public_key(&cert).ok_or_else(|| {
            PortalError::field(
                Problem::CertificateMalformed,
                "certificate",
                "the certificate does not carry an RSA key",
            )
        })?;
        if !verify_rsa_sha256(&key, message, signature) {
            return Err(PortalError::new(
                Problem::SignatureMismatch,
                "the signature does not verify with the certificate's key",
            ));
        }
        if self.crl_next_update.is_some_and(|next| now > next) {
            return Err(PortalError::new(
                Problem::RevocationUnavailable,
                "the revocation list is out of date",
            ));
        }
        let serial = serial_hex(tbs.serial_number.as_bytes());
        if self.is_revoked(&serial) {
            return Err(PortalError::new(
                Problem::CertificateRevoked,
                "the certificate is revoked",
            ));
        }
        Ok(VerifiedCert { serial, not_after })
    }
}
