//! The committed certificates have the card-protocol.md §4 shapes, their
//! serials equal persona.yaml, and the private keys match them.

use std::path::{Path, PathBuf};

use der::asn1::Utf8StringRef;
use der::{Decode, Encode};
use myna_card_emu::persona::{self, PersonaDocument};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use spki::ObjectIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    CertificatePolicies, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::Certificate;

const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(path: &Path) -> Certificate {
    Certificate::from_der(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn document(id: &str) -> PersonaDocument {
    let text = std::fs::read_to_string(root().join(id).join("persona.yaml")).expect("yaml");
    PersonaDocument::from_yaml(&text).expect("valid yaml")
}

fn public_key(cert: &Certificate) -> RsaPublicKey {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("spki");
    RsaPublicKey::from_public_key_der(&spki).expect("RSA key")
}

fn extension<'a>(cert: &'a Certificate, oid: &str) -> Option<&'a x509_cert::ext::Extension> {
    let oid = ObjectIdentifier::new(oid).expect("oid");
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
}

fn serial_hex(cert: &Certificate) -> String {
    persona::serial_hex(cert.tbs_certificate.serial_number.as_bytes())
}

fn not_after_hms(cert: &Certificate) -> String {
    let t = cert.tbs_certificate.validity.not_after.to_date_time();
    format!("{:02}:{:02}:{:02}", t.hour(), t.minutes(), t.seconds())
}

fn check_common(id: &str, cert: &Certificate, key_path: &Path, issuer: &str, policy: &str) {
    assert_eq!(
        cert.signature_algorithm.oid.to_string(),
        SHA256_WITH_RSA,
        "{id}"
    );
    assert_eq!(cert.tbs_certificate.issuer.to_string(), issuer, "{id}");
    assert_eq!(not_after_hms(cert), "14:59:59", "{id}");
    let key = RsaPrivateKey::from_pkcs8_der(&read(key_path)).expect("PKCS#8");
    assert_eq!(
        key.to_public_key(),
        public_key(cert),
        "{id}: key does not match certificate"
    );
    assert_eq!(rsa::traits::PublicKeyParts::size(&key.to_public_key()), 256);
    let policies = extension(cert, "2.5.29.32").expect("certificate policies");
    let policies = CertificatePolicies::from_der(policies.extn_value.as_bytes()).expect("policies");
    assert_eq!(policies.0[0].policy_identifier.to_string(), policy);
}

#[test]
fn auth_certificates() {
    let issuer = "OU=Japan Agency for Local Authority Information Systems,\
OU=JPKI for user authentication,O=JPKI-TEST,C=JP";
    for id in persona::list(&root()).expect("list") {
        let dir = root().join(&id);
        let cert = cert(&dir.join("auth-cert.der"));
        check_common(
            &id,
            &cert,
            &dir.join("auth-key.pk8.der"),
            issuer,
            "1.2.392.200149.8.5.1.0.30",
        );
        let doc = document(&id);
        assert_eq!(serial_hex(&cert), doc.auth_cert.serial, "{id}");
        let subject = cert.tbs_certificate.subject.to_string();
        let cn = subject
            .strip_prefix("CN=")
            .and_then(|s| s.strip_suffix(",C=JP"))
            .expect("C=JP, CN=…");
        assert_eq!(cn.len(), 23, "{id}");
        assert!(cn
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(cn, doc.auth_cert.subject_cn);
        let ku = extension(&cert, "2.5.29.15").expect("key usage");
        assert!(ku.critical);
        let ku = KeyUsage::from_der(ku.extn_value.as_bytes()).expect("KU");
        assert!(ku.digital_signature() && !ku.non_repudiation());
        let eku = extension(&cert, "2.5.29.37").expect("EKU");
        let eku = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes()).expect("EKU");
        assert_eq!(eku.0[0].to_string(), "1.3.6.1.5.5.7.3.2");
    }
}

#[test]
fn sign_certificates() {
    let issuer = "OU=Japan Agency for Local Authority Information Systems,\
OU=JPKI for digital signature,O=JPKI-TEST,C=JP";
    for id in persona::list(&root()).expect("list") {
        let dir = root().join(&id);
        let doc = document(&id);
        let Some(entry) = doc.sign_cert else {
            assert!(!dir.join("sign-cert.der").exists(), "{id}");
            assert!(!dir.join("sign-key.pk8.der").exists(), "{id}");
            continue;
        };
        let cert = cert(&dir.join("sign-cert.der"));
        check_common(
            &id,
            &cert,
            &dir.join("sign-key.pk8.der"),
            issuer,
            "1.2.392.200149.8.5.1.0.20",
        );
        assert_eq!(serial_hex(&cert), entry.serial, "{id}");
        let subject = cert.tbs_certificate.subject.to_string();
        let expected_tail = format!(
            ",L={},L={},C=JP",
            doc.locality_romaji.city, doc.locality_romaji.prefecture
        );
        let cn = subject
            .strip_prefix("CN=")
            .and_then(|s| s.strip_suffix(&expected_tail))
            .expect("subject shape");
        assert_eq!(cn.len(), 28, "{id}");
        let ku = KeyUsage::from_der(
            extension(&cert, "2.5.29.15")
                .expect("KU")
                .extn_value
                .as_bytes(),
        )
        .expect("KU");
        assert_eq!(
            ku.0,
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
        );
        let san = SubjectAltName::from_der(
            extension(&cert, "2.5.29.17")
                .expect("SAN")
                .extn_value
                .as_bytes(),
        )
        .expect("SAN");
        let other = |suffix: &str| -> String {
            san.0
                .iter()
                .find_map(|name| match name {
                    GeneralName::OtherName(o)
                        if o.type_id.to_string() == format!("1.2.392.200149.8.5.5.{suffix}") =>
                    {
                        Some(
                            Utf8StringRef::try_from(&o.value)
                                .expect("UTF8String")
                                .to_string(),
                        )
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{id}: otherName .{suffix} missing"))
        };
        assert_eq!(other("1"), doc.name);
        assert_eq!(other("3"), doc.sex.to_string());
        assert_eq!(&other("4")[1..], doc.birth_date);
        assert_eq!(other("5"), doc.address);
    }
    let taro = document("taro");
    assert_eq!(taro.sign_cert.map(|c| c.serial).as_deref(), Some("18C453F"));
}

#[test]
fn expired_certificates_end_on_2024_12_07() {
    for file in ["auth-cert.der", "sign-cert.der"] {
        let cert = cert(&root().join("expired").join(file));
        let t = cert.tbs_certificate.validity.not_after.to_date_time();
        assert_eq!((t.year(), t.month(), t.day()), (2024, 12, 7), "{file}");
    }
}

#[test]
fn ca_certificates_are_self_signed_roots() {
    for (file, ou) in [
        ("auth-ca-cert.der", "JPKI for user authentication"),
        ("sign-ca-cert.der", "JPKI for digital signature"),
    ] {
        let cert = cert(&root().join("ca").join(file));
        assert_eq!(cert.tbs_certificate.issuer, cert.tbs_certificate.subject);
        assert!(cert.tbs_certificate.subject.to_string().contains(ou));
        let tbs = cert.tbs_certificate.to_der().expect("tbs");
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&tbs);
        public_key(&cert)
            .verify(
                rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                &digest,
                cert.signature.raw_bytes(),
            )
            .expect("self-signature verifies");
    }
}
