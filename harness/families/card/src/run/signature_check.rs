//! `signature:` expectations: the response data is a signature that
//! verifies with the public key of an X.509 certificate (`cert:`) or a card
//! key (`key:`: a CV certificate or the card's `90 ‥ 91 ‥` encoding).

use myna_family::{Mismatch, Vars};
use myna_scenario::Location;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::card_signature::card_key;
use super::cert_check;
use super::check::{hex_of, AuthorError};
use super::digest;
use crate::step::{HashAlg, SigScheme, SignatureExpect, SignerKey};

fn pkcs1(alg: HashAlg) -> Pkcs1v15Sign {
    match alg {
        HashAlg::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
        HashAlg::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        HashAlg::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlg::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    }
}

fn pss(alg: HashAlg) -> Pss {
    match alg {
        HashAlg::Sha1 => Pss::new::<Sha1>(),
        HashAlg::Sha256 => Pss::new::<Sha256>(),
        HashAlg::Sha384 => Pss::new::<Sha384>(),
        HashAlg::Sha512 => Pss::new::<Sha512>(),
    }
}

/// Verifies `signature` over `message`.
pub fn verify(
    key: &RsaPublicKey,
    scheme: SigScheme,
    alg: HashAlg,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let hashed = digest::hash(alg, message);
    let result = match scheme {
        SigScheme::Pkcs1v15 => key.verify(pkcs1(alg), &hashed, signature),
        SigScheme::Pkcs1v15BareHash => {
            key.verify(Pkcs1v15Sign::new_unprefixed(), &hashed, signature)
        }
        SigScheme::Pss => key.verify(pss(alg), &hashed, signature),
    };
    result.map_err(|e| format!("does not verify: {e}"))
}

/// Checks the signature expectation.
pub fn check(
    want: &SignatureExpect,
    at: &Location,
    data: &[u8],
    vars: &Vars,
) -> Result<Vec<Mismatch>, AuthorError> {
    let message = hex_of(vars, &want.message, at)?;
    let (key, whose) = match &want.key {
        SignerKey::Cert(cert) => (x509_key(&hex_of(vars, cert, at)?, at)?, "the certificate"),
        SignerKey::Card(card) => {
            let bytes = hex_of(vars, card, at)?;
            let key = card_key(&bytes).map_err(|why| AuthorError {
                at: at.clone(),
                message: format!("signature.key: {why}"),
            })?;
            (key.key, "the card key")
        }
    };
    let scheme_name = match want.scheme {
        SigScheme::Pkcs1v15 => "pkcs1v15",
        SigScheme::Pkcs1v15BareHash => "pkcs1v15-bare-hash",
        SigScheme::Pss => "pss",
    };
    Ok(match verify(&key, want.scheme, want.hash, &message, data) {
        Ok(()) => Vec::new(),
        Err(why) => vec![Mismatch {
            at: at.clone(),
            check: "signature".into(),
            expected: format!("a {scheme_name} signature that verifies with {whose}"),
            actual: format!("{} bytes that {why}", data.len()),
            note: None,
        }],
    })
}

/// The RSA subject public key of an X.509 certificate.
fn x509_key(cert_der: &[u8], at: &Location) -> Result<RsaPublicKey, AuthorError> {
    let cert = cert_check::parse(cert_der).map_err(|why| AuthorError {
        at: at.clone(),
        message: format!("signature.cert: {why}"),
    })?;
    let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info).map_err(|e| {
        AuthorError {
            at: at.clone(),
            message: format!("signature.cert: cannot encode the public key: {e}"),
        }
    })?;
    RsaPublicKey::from_public_key_der(&spki).map_err(|e| AuthorError {
        at: at.clone(),
        message: format!("signature.cert: not an RSA key: {e}"),
    })
}
