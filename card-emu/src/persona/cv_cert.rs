//! Card-verifiable (CV) certificates of the 券面 APs (card-protocol.md §1.2
//! EF 0004): `7F21 82 02 33 { 5F4E 82 01 29 <body 297 B> 5F37 82 01 00 <sig> }`
//! = 568 bytes, body = issuerKeyId(16) ‖ subjectKeyId(16) ‖ `90 03 010001 91
//! 82 0100 <n>`.
//!
//! The MF-level objects GET DATA 00F8 / 7F21 hold the same certificate
//! without the `7F21` template and with a header list in front: `4D 0A { 42
//! 10, 5F20 10, 5F49 82 01 09 }` ‖ `5F4E 82 01 29 <body>` ‖ `5F37 82 01 00
//! <sig>` = 575 bytes (myna-card 3.3.4 `tests/fixtures/mf-do-F8.bin`).
//!
//! The signature is PKCS#1 v1.5 over SHA-256(body) by the issuer key
//! (myna-card 3.3.4 `CardVerifiableCertificate::verify_with`).

use rsa::{RsaPrivateKey, RsaPublicKey};

use super::rsa_util::{decode_card_public_key, encode_card_public_key, sign_sha256, verify_sha256};
use super::tlv::tlv_82;
use crate::tlv;

/// Length of a CV certificate (card-protocol.md §1.2 EF 0004).
pub const CV_CERT_LEN: usize = 568;

/// Length of a CV certificate body (card-protocol.md §4).
pub const CV_BODY_LEN: usize = 297;

/// Length of an MF-level CV object (GET DATA 00F8 / 7F21).
pub const MF_CV_OBJECT_LEN: usize = 575;

/// The header list in front of an MF-level CV object: the three body
/// fields' tags and lengths (issuer key id 16, subject key id 16, public key
/// 265), as on the test card.
pub const MF_CV_HEADER_LIST: [u8; 12] = [
    0x4D, 0x0A, 0x42, 0x10, 0x5F, 0x20, 0x10, 0x5F, 0x49, 0x82, 0x01, 0x09,
];

/// A 16-byte key identifier in the shape of card-protocol.md §1.2 DF42:
/// 7 ASCII digits ‖ `08 05` ‖ `"001"` ‖ 4 zero bytes, e.g. `"6000034"` on the test card
/// (synthetic ids: `persona::files`).
pub fn key_id(seven_digits: &str) -> [u8; 16] {
    key_id_numbered(seven_digits, "001")
}

/// [`key_id`] with another 3-digit number (`1322121/000`, `1322130/002` on
/// the test card, myna-card 3.3.4 `KeyId`).
pub fn key_id_numbered(seven_digits: &str, three_digits: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (slot, byte) in id.iter_mut().zip(seven_digits.bytes().take(7)) {
        *slot = byte;
    }
    id[7] = 0x08;
    id[8] = 0x05;
    for (slot, byte) in id[9..12].iter_mut().zip(three_digits.bytes()) {
        *slot = byte;
    }
    id
}

/// The signed body and the signature of a CV certificate.
fn signed_parts(
    issuer_key_id: &[u8; 16],
    subject_key_id: &[u8; 16],
    subject_key: &RsaPublicKey,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let mut body = issuer_key_id.to_vec();
    body.extend_from_slice(subject_key_id);
    body.extend(encode_card_public_key(subject_key));
    let signature = sign_sha256(issuer_key, &body)?;
    let mut content = tlv_82(&[0x5F, 0x4E], &body);
    content.extend(tlv_82(&[0x5F, 0x37], &signature));
    Ok(content)
}

/// Builds and signs an MF-level CV object (GET DATA 00F8 / 7F21).
pub fn build_mf_cv_object(
    issuer_key_id: &[u8; 16],
    subject_key_id: &[u8; 16],
    subject_key: &RsaPublicKey,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let mut out = MF_CV_HEADER_LIST.to_vec();
    out.extend(signed_parts(
        issuer_key_id,
        subject_key_id,
        subject_key,
        issuer_key,
    )?);
    Ok(out)
}

/// Builds and signs a CV certificate.
pub fn build_cv_certificate(
    issuer_key_id: &[u8; 16],
    subject_key_id: &[u8; 16],
    subject_key: &RsaPublicKey,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let content = signed_parts(issuer_key_id, subject_key_id, subject_key, issuer_key)?;
    Ok(tlv_82(&[0x7F, 0x21], &content))
}

/// A parsed CV certificate.
#[derive(Clone, Debug)]
pub struct CvCertificate {
    /// The issuer key id (16 bytes).
    pub issuer_key_id: Vec<u8>,
    /// The subject key id (16 bytes).
    pub subject_key_id: Vec<u8>,
    /// The certified public key.
    pub public_key: RsaPublicKey,
    /// The signed body (`5F4E` value).
    pub body: Vec<u8>,
    /// The issuer's signature (`5F37` value).
    pub signature: Vec<u8>,
}

/// Parses a CV certificate; `None` if it is not in the §1.2 shape.
pub fn parse_cv_certificate(bytes: &[u8]) -> Option<CvCertificate> {
    let outer = tlv::first(bytes)?;
    if outer.tag != 0x7F21 {
        return None;
    }
    parse_contents(outer.value)
}

/// Parses an MF-level CV object (header list, body, signature, no
/// template); `None` if it is not in that shape.
pub fn parse_mf_cv_object(bytes: &[u8]) -> Option<CvCertificate> {
    let rest = bytes.strip_prefix(&MF_CV_HEADER_LIST[..])?;
    parse_contents(rest)
}

/// Verifies a CV certificate's signature under `issuer`.
pub fn verifies_under(certificate: &CvCertificate, issuer: &RsaPublicKey) -> bool {
    verify_sha256(issuer, &certificate.body, &certificate.signature)
}

fn parse_contents(contents: &[u8]) -> Option<CvCertificate> {
    let items = tlv::all(contents)?;
    let body = items.iter().find(|t| t.tag == 0x5F4E)?.value;
    let signature = items.iter().find(|t| t.tag == 0x5F37)?.value;
    Some(CvCertificate {
        issuer_key_id: body.get(..16)?.to_vec(),
        subject_key_id: body.get(16..32)?.to_vec(),
        public_key: decode_card_public_key(body.get(32..)?)?,
        body: body.to_vec(),
        signature: signature.to_vec(),
    })
}
