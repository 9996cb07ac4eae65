//! Generates the test 利用者証明用 CA's revocation list,
//! `vectors/personas/ca/auth-ca.crl` (DER, v2, signed sha256WithRSA by the
//! root's committed key). Run once after `gen_personas`:
//!
//! ```text
//! cargo run -p myna-portal --example gen_crl -- vectors/personas
//! ```
//!
//! It lists the `revoked` persona's 利用者証明用 serial. TEST ONLY.

use std::path::PathBuf;

use der::asn1::BitString;
use der::{Decode, Encode};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Certificate;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The serials revoked: `revoked`'s 利用者証明用 certificate.
const REVOKED: &[u64] = &[0x8A7_0601];

fn time(secs: u64) -> Result<Time> {
    Ok(Time::UtcTime(der::asn1::UtcTime::from_unix_duration(
        std::time::Duration::from_secs(secs),
    )?))
}

fn main() -> Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: gen_crl <personas dir, e.g. vectors/personas>")?;
    let ca_dir = root.join("ca");
    let ca = Certificate::from_der(&std::fs::read(ca_dir.join("auth-ca-cert.der"))?)?;
    let key = RsaPrivateKey::from_pkcs8_der(&std::fs::read(ca_dir.join("auth-ca-key.pk8.der"))?)?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: der::oid::ObjectIdentifier::new("1.2.840.113549.1.1.11")?,
        parameters: Some(der::asn1::Null.into()),
    };
    // thisUpdate 2024-01-01, nextUpdate 2044-12-31 (the root's lifetime).
    let this_update = time(1_704_067_200)?;
    let next_update = time(2_366_755_200)?;
    let revoked = REVOKED
        .iter()
        .map(|serial| {
            Ok(RevokedCert {
                serial_number: SerialNumber::from(*serial),
                revocation_date: time(1_735_689_600)?,
                crl_entry_extensions: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: ca.tbs_certificate.subject.clone(),
        this_update,
        next_update: Some(next_update),
        revoked_certificates: Some(revoked),
        crl_extensions: None,
    };
    let signer = SigningKey::<Sha256>::new(key);
    let signature = signer.sign(&tbs.to_der()?).to_vec();
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    std::fs::write(ca_dir.join("auth-ca.crl"), crl.to_der()?)?;
    println!("wrote {}", ca_dir.join("auth-ca.crl").display());
    Ok(())
}
