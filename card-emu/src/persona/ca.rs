//! Material shared by every persona, from `vectors/personas/ca/`: the
//! JPKI-TEST root certificates, the 券面 AP issuer key, the 券面 APs' own
//! keys and their CV certificates.

use std::path::{Path, PathBuf};

use rsa::{RsaPrivateKey, RsaPublicKey};

use super::certified_key::{load_private_key, read};
use super::cv_cert::{parse_cv_certificate, CV_CERT_LEN};
use super::files;
use super::PersonaError;

/// The shared CA directory's contents.
#[derive(Clone)]
pub struct CaMaterial {
    /// Where it was loaded from.
    pub dir: PathBuf,
    /// JPKI-TEST 利用者証明用 root certificate, DER (JPKI EF 000B).
    pub auth_ca_cert: Vec<u8>,
    /// JPKI-TEST 署名用 root certificate, DER (JPKI EF 0002).
    pub sign_ca_cert: Vec<u8>,
    /// Issuer key of the 券面 AP CV certificates.
    pub kenmen_issuer_key: RsaPrivateKey,
    /// The text AP's own key (signs text EF 0003 DF33, answers `80 2A 00 00`).
    pub text_ap_key: RsaPrivateKey,
    /// The surface AP's own key (signs surface EF images, answers `80 2A 00 00`).
    pub surface_ap_key: RsaPrivateKey,
    /// Public half of the text AP session-key encryption key (text EF 0006).
    pub text_session_public: RsaPublicKey,
    /// CV certificate of the text AP key (text EF 0004).
    pub text_cv_cert: Vec<u8>,
    /// CV certificate of the surface AP key (surface EF 0004).
    pub surface_cv_cert: Vec<u8>,
    /// Fallback 共通AP key for personas without their own.
    pub default_common_key: Option<RsaPrivateKey>,
}

impl std::fmt::Debug for CaMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaMaterial")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl CaMaterial {
    /// Loads `dir` (normally `<root>/ca`). Parses DER only; generates nothing.
    pub fn load(dir: &Path) -> Result<CaMaterial, PersonaError> {
        let text_cv_cert = load_cv_cert(&dir.join(files::TEXT_CV_CERT))?;
        let surface_cv_cert = load_cv_cert(&dir.join(files::SURFACE_CV_CERT))?;
        let common_path = dir.join(files::COMMON_KEY);
        let default_common_key = if common_path.exists() {
            Some(load_private_key(&common_path)?)
        } else {
            None
        };
        let text_ap_key = load_private_key(&dir.join(files::TEXT_AP_KEY))?;
        let surface_ap_key = load_private_key(&dir.join(files::SURFACE_AP_KEY))?;
        check_cv_subject(&dir.join(files::TEXT_CV_CERT), &text_cv_cert, &text_ap_key)?;
        check_cv_subject(
            &dir.join(files::SURFACE_CV_CERT),
            &surface_cv_cert,
            &surface_ap_key,
        )?;
        Ok(CaMaterial {
            dir: dir.to_owned(),
            auth_ca_cert: read(&dir.join(files::AUTH_CA_CERT))?,
            sign_ca_cert: read(&dir.join(files::SIGN_CA_CERT))?,
            kenmen_issuer_key: load_private_key(&dir.join(files::KENMEN_ISSUER_KEY))?,
            text_ap_key,
            surface_ap_key,
            text_session_public: load_private_key(&dir.join(files::TEXT_SESSION_KEY))?
                .to_public_key(),
            text_cv_cert,
            surface_cv_cert,
            default_common_key,
        })
    }
}

fn load_cv_cert(path: &Path) -> Result<Vec<u8>, PersonaError> {
    let bytes = read(path)?;
    if bytes.len() != CV_CERT_LEN || parse_cv_certificate(&bytes).is_none() {
        return Err(PersonaError::Der {
            path: path.to_owned(),
            what: "CV certificate",
            message: format!(
                "expected the 568-byte 7F21 shape of card-protocol.md §1.2, got {} bytes",
                bytes.len()
            ),
        });
    }
    Ok(bytes)
}

fn check_cv_subject(path: &Path, cv: &[u8], key: &RsaPrivateKey) -> Result<(), PersonaError> {
    let matches = parse_cv_certificate(cv).is_some_and(|c| c.public_key == key.to_public_key());
    if matches {
        Ok(())
    } else {
        Err(PersonaError::Mismatch {
            path: path.to_owned(),
            reason: "CV certificate does not certify the AP key next to it".to_owned(),
        })
    }
}
