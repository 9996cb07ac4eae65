//! Material shared by every persona, from `vectors/personas/ca/`: the
//! JPKI-TEST root certificates, the 券面 AP keys and CV certificates, and
//! the MF-level card-verifiable chain.
//!
//! Every certificate chain the card carries is self-consistent under a
//! synthetic root, and loading checks each link (a few RSA public-key
//! operations, no signing): the CV certificates of text/surface EF 0004
//! verify under the 券面 issuer key and certify the data keys; GET DATA 00F8
//! verifies under the MF root and 7F21 under the key 00F8 certifies.

use std::path::{Path, PathBuf};

use rsa::{RsaPrivateKey, RsaPublicKey};

use super::certified_key::{load_private_key, read};
use super::cv_cert::{
    parse_cv_certificate, parse_mf_cv_object, verifies_under, CvCertificate, CV_CERT_LEN,
    MF_CV_OBJECT_LEN,
};
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
    /// The key text EF 0004 certifies: signs text EF 0003 DF33 and EF 0007 DF52.
    pub text_data_key: RsaPrivateKey,
    /// The key surface EF 0004 certifies: signs the surface records.
    pub surface_data_key: RsaPrivateKey,
    /// The text AP's own key (EF 0013, text EF 0007 DF51; answers `80 2A 00 00`).
    pub text_ap_key: RsaPrivateKey,
    /// The surface AP's own key (DF12/DF24/DF42 of its records; answers `80 2A 00 00`).
    pub surface_ap_key: RsaPrivateKey,
    /// The text AP session-key encryption key (public half in text EF 0006;
    /// the card decrypts SET SESSION KEY with it).
    pub text_session_key: RsaPrivateKey,
    /// CV certificate of the text data key (text EF 0004).
    pub text_cv_cert: Vec<u8>,
    /// CV certificate of the surface data key (surface EF 0004).
    pub surface_cv_cert: Vec<u8>,
    /// GET DATA 00F8: the MF root certifying the intermediate.
    pub mf_chain_upper: Vec<u8>,
    /// GET DATA 7F21: the intermediate certifying the key below it.
    pub mf_chain_lower: Vec<u8>,
    /// GET DATA 00F7: the intermediate's key id (7F21's issuer).
    pub mf_intermediate_key_id: Vec<u8>,
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
    /// Loads `dir` (normally `<root>/ca`). Parses DER and checks every
    /// chain link; generates and signs nothing.
    pub fn load(dir: &Path) -> Result<CaMaterial, PersonaError> {
        let key = |name: &str| load_private_key(&dir.join(name));
        let kenmen_issuer_key = key(files::KENMEN_ISSUER_KEY)?;
        let issuer = kenmen_issuer_key.to_public_key();
        let text_data_key = key(files::TEXT_DATA_KEY)?;
        let surface_data_key = key(files::SURFACE_DATA_KEY)?;
        let text_cv_cert = load_cv_cert(dir, files::TEXT_CV_CERT, &issuer, &text_data_key)?;
        let surface_cv_cert =
            load_cv_cert(dir, files::SURFACE_CV_CERT, &issuer, &surface_data_key)?;
        let root = key(files::MF_ROOT_KEY)?.to_public_key();
        let (mf_chain_upper, upper) = load_mf_object(dir, files::MF_CHAIN_UPPER, &root)?;
        let (mf_chain_lower, lower) =
            load_mf_object(dir, files::MF_CHAIN_LOWER, &upper.public_key)?;
        if lower.issuer_key_id != upper.subject_key_id {
            return Err(mismatch(
                dir.join(files::MF_CHAIN_LOWER),
                "7F21 names an issuer that 00F8 does not certify",
            ));
        }
        let common_path = dir.join(files::COMMON_KEY);
        let default_common_key = if common_path.exists() {
            Some(load_private_key(&common_path)?)
        } else {
            None
        };
        Ok(CaMaterial {
            dir: dir.to_owned(),
            auth_ca_cert: read(&dir.join(files::AUTH_CA_CERT))?,
            sign_ca_cert: read(&dir.join(files::SIGN_CA_CERT))?,
            kenmen_issuer_key,
            text_data_key,
            surface_data_key,
            text_ap_key: key(files::TEXT_AP_KEY)?,
            surface_ap_key: key(files::SURFACE_AP_KEY)?,
            text_session_key: key(files::TEXT_SESSION_KEY)?,
            text_cv_cert,
            surface_cv_cert,
            mf_chain_upper,
            mf_chain_lower,
            mf_intermediate_key_id: lower.issuer_key_id,
            default_common_key,
        })
    }

    /// Public half of the text AP session-key encryption key (text EF 0006).
    pub fn text_session_public(&self) -> RsaPublicKey {
        self.text_session_key.to_public_key()
    }
}

fn mismatch(path: PathBuf, reason: &str) -> PersonaError {
    PersonaError::Mismatch {
        path,
        reason: reason.to_owned(),
    }
}

/// A 568-byte EF 0004 certificate that verifies under the 券面 issuer and
/// certifies `subject`.
fn load_cv_cert(
    dir: &Path,
    name: &str,
    issuer: &RsaPublicKey,
    subject: &RsaPrivateKey,
) -> Result<Vec<u8>, PersonaError> {
    let path = dir.join(name);
    let bytes = read(&path)?;
    let parsed = (bytes.len() == CV_CERT_LEN)
        .then(|| parse_cv_certificate(&bytes))
        .flatten()
        .ok_or_else(|| PersonaError::Der {
            path: path.clone(),
            what: "CV certificate",
            message: format!(
                "expected the 568-byte 7F21 shape of card-protocol.md §1.2, got {} bytes",
                bytes.len()
            ),
        })?;
    if parsed.public_key != subject.to_public_key() {
        return Err(mismatch(
            path,
            "CV certificate does not certify the data key next to it",
        ));
    }
    if !verifies_under(&parsed, issuer) {
        return Err(mismatch(
            path,
            "CV certificate does not verify under the 券面 issuer key",
        ));
    }
    Ok(bytes)
}

/// A 575-byte MF-level CV object that verifies under `issuer`.
fn load_mf_object(
    dir: &Path,
    name: &str,
    issuer: &RsaPublicKey,
) -> Result<(Vec<u8>, CvCertificate), PersonaError> {
    let path = dir.join(name);
    let bytes = read(&path)?;
    let parsed = (bytes.len() == MF_CV_OBJECT_LEN)
        .then(|| parse_mf_cv_object(&bytes))
        .flatten()
        .ok_or_else(|| PersonaError::Der {
            path: path.clone(),
            what: "MF-level CV object",
            message: format!(
                "expected the 575-byte 4D ‖ 5F4E ‖ 5F37 shape of GET DATA 00F8/7F21, got {} bytes",
                bytes.len()
            ),
        })?;
    if !verifies_under(&parsed, issuer) {
        return Err(mismatch(path, "does not verify under the key above it"));
    }
    Ok((bytes, parsed))
}
