//! Signatures by card keys: the keys the 券面 APs and the MF chain carry
//! (card-verifiable certificates and the card's `90 ‥ 91 ‥` public-key
//! encoding) and the `signed:` expectation, which finds the signature and
//! the bytes it covers in a CV certificate, a signed record or the card
//! face (card-protocol.md §1.2, §1.3, §1.5; myna-card 3.3.4
//! `tests/signatures.rs`, whose fixtures were read from a J-LIS test card).
//! Every such signature is RSASSA-PKCS1-v1_5 with SHA-256 (§4).

use myna_card_emu::persona::cv_cert::{parse_cv_certificate, parse_mf_cv_object};
use myna_card_emu::persona::rsa_util::decode_card_public_key;
use myna_card_emu::tlv;
use myna_family::{Mismatch, Vars};
use myna_scenario::Location;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::check::{hex_of, AuthorError};
use crate::step::{SignedExpect, SignedLayout, TlvPath};

/// A card key and, when it came from a CV certificate, that certificate's
/// subject key id (what a certificate it issued names as its issuer).
pub(crate) struct CardKey {
    pub key: RsaPublicKey,
    pub subject_key_id: Option<Vec<u8>>,
}

/// Reads a card key: a CV certificate (`7F21` template, or the MF form
/// with its `4D` header list), the card's public-key encoding `90 ‥ 91 ‥`,
/// or that encoding inside one template (text EF 0006: `A1 ‥ { 90 91 }`).
pub(crate) fn card_key(bytes: &[u8]) -> Result<CardKey, String> {
    if let Some(cv) = parse_cv_certificate(bytes).or_else(|| parse_mf_cv_object(bytes)) {
        return Ok(CardKey {
            key: cv.public_key,
            subject_key_id: Some(cv.subject_key_id),
        });
    }
    let inner = match tlv::first(bytes) {
        Some(outer) if outer.tag != 0x90 => outer.value,
        _ => bytes,
    };
    decode_card_public_key(inner)
        .or_else(|| decode_card_public_key(bytes))
        .map(|key| CardKey {
            key,
            subject_key_id: None,
        })
        .ok_or_else(|| "neither a CV certificate nor a card public key (`90 e 91 n`)".to_string())
}

/// `true` when `signature` is the PKCS#1 v1.5 SHA-256 signature of `message`.
fn verifies(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(message),
        signature,
    )
    .is_ok()
}

/// The DigestInfo prefix of the card face: SEQUENCE { sha256, OCTET STRING
/// of 96 bytes } (myna-card 3.3.4 `CardFace::verify`).
const CARD_FACE_DIGEST_INFO: [u8; 19] = [
    0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x60,
];

/// What one layout found in the data: the signature, what it signs, and
/// the issuer key id a CV certificate names.
struct Signed {
    signature: Vec<u8>,
    /// The bytes hashed (or, for the card face, the whole DigestInfo).
    covered: Vec<u8>,
    prehashed: bool,
    issuer_key_id: Option<Vec<u8>>,
}

fn path_text(path: &TlvPath) -> String {
    path.0
        .iter()
        .map(|t| format!("{t:X}"))
        .collect::<Vec<_>>()
        .join("/")
}

/// The element at `path` and its siblings before it, as encoded.
fn record(data: &[u8], path: &TlvPath) -> Result<Signed, String> {
    let Some((last, parents)) = path.0.split_last() else {
        return Err("an empty signature path".into());
    };
    let parent = if parents.is_empty() {
        data
    } else {
        tlv::find(data, parents).ok_or_else(|| format!("no element at {}", path_text(path)))?
    };
    let siblings = tlv::elements(parent);
    let at = siblings
        .iter()
        .position(|e| e.tag == *last)
        .ok_or_else(|| format!("no element at {}", path_text(path)))?;
    Ok(Signed {
        signature: siblings
            .get(at)
            .map(|e| e.value.to_vec())
            .unwrap_or_default(),
        covered: siblings
            .iter()
            .take(at)
            .flat_map(|e| e.raw.iter().copied())
            .collect(),
        prehashed: false,
        issuer_key_id: None,
    })
}

fn cv_certificate(data: &[u8]) -> Result<Signed, String> {
    let cv = parse_cv_certificate(data)
        .or_else(|| parse_mf_cv_object(data))
        .ok_or("not a card-verifiable certificate (7F21 { 5F4E, 5F37 } or 4D ‥ 5F4E ‥ 5F37 ‥)")?;
    Ok(Signed {
        signature: cv.signature,
        covered: cv.body,
        prehashed: false,
        issuer_key_id: Some(cv.issuer_key_id),
    })
}

fn card_face(data: &[u8]) -> Result<Signed, String> {
    let face = tlv::find(data, &[0xFF20]).ok_or("no card face FF20")?;
    let items = tlv::elements(face);
    let element = |tag: u32| {
        items
            .iter()
            .find(|e| e.tag == tag)
            .ok_or_else(|| format!("the card face has no {tag:X}"))
    };
    let mut digest_info = CARD_FACE_DIGEST_INFO.to_vec();
    for group in [&[0xDF22, 0xDF23, 0xDF24][..], &[0xDF25, 0xDF26], &[0xDF27]] {
        let mut hasher = Sha256::new();
        for tag in group {
            hasher.update(element(*tag)?.raw);
        }
        digest_info.extend_from_slice(&hasher.finalize());
    }
    Ok(Signed {
        signature: element(0xDF28)?.value.to_vec(),
        covered: digest_info,
        prehashed: true,
        issuer_key_id: None,
    })
}

/// Checks a `signed:` expectation against the step's data.
pub fn check(
    want: &SignedExpect,
    at: &Location,
    data: &[u8],
    vars: &Vars,
) -> Result<Vec<Mismatch>, AuthorError> {
    let by = hex_of(vars, &want.by, at)?;
    let signer = card_key(&by).map_err(|why| AuthorError {
        at: at.clone(),
        message: format!("signed.by: {why}"),
    })?;
    let (what, found) = match (want.layout, &want.signature) {
        (SignedLayout::CvCertificate, _) => ("a CV certificate", cv_certificate(data)),
        (SignedLayout::CardFace, _) => ("the card face", card_face(data)),
        (SignedLayout::Record, Some(path)) => ("a signed record", record(data, path)),
        (SignedLayout::Record, None) => {
            return Err(AuthorError {
                at: at.clone(),
                message: "signed: a record needs `signature`".into(),
            })
        }
    };
    let mismatch = |expected: String, actual: String| Mismatch {
        at: at.clone(),
        check: "signed".into(),
        expected,
        actual,
        note: None,
    };
    let signed = match found {
        Ok(signed) => signed,
        Err(why) => return Ok(vec![mismatch(what.to_string(), why)]),
    };
    let mut out = Vec::new();
    if let (Some(issuer), Some(subject)) = (&signed.issuer_key_id, &signer.subject_key_id) {
        if issuer != subject {
            out.push(mismatch(
                format!(
                    "a certificate issued by key id {}",
                    hex::encode_upper(subject)
                ),
                format!("issuer key id {}", hex::encode_upper(issuer)),
            ));
        }
    }
    let ok = if signed.prehashed {
        signer
            .key
            .verify(
                Pkcs1v15Sign::new_unprefixed(),
                &signed.covered,
                &signed.signature,
            )
            .is_ok()
    } else {
        verifies(&signer.key, &signed.covered, &signed.signature)
    };
    if !ok {
        out.push(mismatch(
            format!("{what} whose signature verifies under the given key (PKCS#1 v1.5, SHA-256)"),
            format!(
                "a {}-byte signature over {} bytes that does not verify",
                signed.signature.len(),
                signed.covered.len()
            ),
        ));
    }
    Ok(out)
}
