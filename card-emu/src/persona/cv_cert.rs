//! Card-verifiable (CV) certificates of the 券面 APs (card-protocol.md §1.2
//! EF 0004): `7F21 82 02 33 { 5F4E 82 01 29 <body 297 B> 5F37 82 01 00 <sig> }`
//! = 568 bytes, body = issuerKeyId(16) ‖ subjectKeyId(16) ‖ `90 03 010001 91
//! 82 0100 <n>`.
//!
//! The signature scheme of real CV certificates is not in the sources; these
//! TEST certificates use PKCS#1 v1.5 over SHA-256(body) by the issuer key.

use rsa::{RsaPrivateKey, RsaPublicKey};

use super::rsa_util::{decode_card_public_key, encode_card_public_key, sign_sha256};
use super::tlv::{parse_all, parse_tlv, tlv_82};

/// Length of a CV certificate (card-protocol.md §1.2 EF 0004).
pub const CV_CERT_LEN: usize = 568;

/// Length of a CV certificate body (card-protocol.md §4).
pub const CV_BODY_LEN: usize = 297;

/// A 16-byte key identifier in the shape of card-protocol.md §1.2 DF42:
/// 7 ASCII digits ‖ `08 05` ‖ `"001"` ‖ 4 zero bytes, e.g. `"6000034"`.
pub fn key_id(seven_digits: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (slot, byte) in id.iter_mut().zip(seven_digits.bytes().take(7)) {
        *slot = byte;
    }
    id[7] = 0x08;
    id[8] = 0x05;
    id[9..12].copy_from_slice(b"001");
    id
}

/// Builds and signs a CV certificate.
pub fn build_cv_certificate(
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
    let outer = parse_tlv(bytes)?;
    if outer.tag != [0x7F, 0x21] {
        return None;
    }
    let items = parse_all(outer.value)?;
    let body = items.iter().find(|t| t.tag == [0x5F, 0x4E])?.value;
    let signature = items.iter().find(|t| t.tag == [0x5F, 0x37])?.value;
    Some(CvCertificate {
        issuer_key_id: body.get(..16)?.to_vec(),
        subject_key_id: body.get(16..32)?.to_vec(),
        public_key: decode_card_public_key(body.get(32..)?)?,
        body: body.to_vec(),
        signature: signature.to_vec(),
    })
}
