//! The smartphone form of a persona's card (スマホ用電子証明書, seed 004,
//! health-insurance-system.md §1.5): its own 利用者証明用 certificate serial
//! and PIN, issued under the same JPKI-TEST root; which applications the
//! phone carries is not public, so it is a setting (default: JPKI only).
//!
//! The phone's certificate is the persona's auth certificate with another
//! serial, re-signed with the committed test root key (no key is
//! generated). Its expiry is the physical card's: the phone card dies with
//! it (seed 004 A18).

use der::{Decode, Encode};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::retry::Counter;
use super::Persona;
use crate::profile::{AppKind, CardProfile, FileContent};
use crate::Secret;

fn serial_text(serial: &[u8]) -> String {
    let hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }.to_string()
}

/// What the smartphone card is (persona.yaml `phone:`).
#[derive(Clone, Debug)]
pub struct PhoneOptions {
    /// The phone certificate's serial (big-endian bytes, no leading zero).
    pub serial: Vec<u8>,
    /// The スマホ用利用者証明用 PIN (4 digits): the phone's own.
    pub pin: Secret,
    /// The phone PIN's own counter (not the card's).
    pub tries: Counter,
    /// The applications the phone carries (uncertain; default JPKI only).
    pub applications: Vec<AppKind>,
}

/// The names `phone.applications` accepts, with their kinds.
pub const PHONE_APPLICATIONS: [(&str, AppKind); 5] = [
    ("jpki", AppKind::Jpki),
    ("text", AppKind::TextHelper),
    ("surface", AppKind::SurfaceCheck),
    ("common", AppKind::Common),
    ("juki", AppKind::Juki),
];

/// The default phone serial: the card's auth serial + 0x1000000 (a
/// harness convention; real phone serials are J-LIS's).
pub(super) fn default_phone_serial(auth_serial: &[u8]) -> Vec<u8> {
    let value = auth_serial
        .iter()
        .fold(0u64, |n, b| (n << 8) | u64::from(*b))
        .wrapping_add(0x0100_0000);
    value
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect()
}

impl Persona {
    /// The smartphone card, when the persona has one.
    pub fn phone(&self) -> Option<&PhoneOptions> {
        self.phone.as_ref()
    }

    /// The phone certificate's serial (hex, the `auth_serial` form), when
    /// the persona has a smartphone card.
    pub fn phone_serial_hex(&self) -> Option<String> {
        self.phone.as_ref().map(|p| serial_text(&p.serial))
    }

    /// The card profile of this persona's smartphone card, when it has one.
    pub fn phone_profile(&self) -> Result<Option<CardProfile>, String> {
        self.phone
            .as_ref()
            .map(|options| self.phone_profile_with(options))
            .transpose()
    }

    /// The card profile of a smartphone card with `options`: the card's
    /// applications that `options` names, the auth certificate re-signed
    /// with the phone's serial, the phone's PIN and counter in JPKI 0018.
    pub fn phone_profile_with(&self, options: &PhoneOptions) -> Result<CardProfile, String> {
        let cert = self.phone_certificate(&options.serial)?;
        let mut profile = self.card_profile();
        profile
            .applications
            .retain(|app| options.applications.contains(&app.kind));
        for app in &mut profile.applications {
            if app.kind != AppKind::Jpki {
                continue;
            }
            for file in &mut app.files {
                if file.fid == 0x000A {
                    file.content = FileContent::Transparent(cert.clone());
                }
            }
            for secret in &mut app.secrets {
                if secret.fid == 0x0018 {
                    secret.value = Some(options.pin.clone());
                    secret.max_tries = options.tries.max;
                    secret.tries_left = options.tries.left;
                }
            }
        }
        Ok(profile)
    }

    fn phone_certificate(&self, serial: &[u8]) -> Result<Vec<u8>, String> {
        let key_path = self.ca().dir.join("auth-ca-key.pk8.der");
        let key_der =
            std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let key =
            RsaPrivateKey::from_pkcs8_der(&key_der).map_err(|e| format!("auth CA key: {e}"))?;
        let mut cert = Certificate::from_der(&self.auth().cert_der).map_err(|e| e.to_string())?;
        cert.tbs_certificate.serial_number =
            SerialNumber::new(serial).map_err(|e| e.to_string())?;
        let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
        let signature = SigningKey::<Sha256>::new(key).sign(&tbs).to_vec();
        cert.signature = der::asn1::BitString::from_bytes(&signature).map_err(|e| e.to_string())?;
        cert.to_der().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::VerifyingKey;
    use rsa::signature::Verifier;

    #[test]
    fn the_phone_card_has_its_own_serial_pin_and_counter_and_verifies_under_the_root() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/personas");
        let persona = Persona::load_named(dir.as_ref(), "blocked").unwrap();
        let profile = persona.phone_profile().unwrap().unwrap();
        assert_eq!(
            persona.phone_serial_hex().unwrap(),
            serial_text(&default_phone_serial(&persona.auth().serial))
        );
        assert_ne!(
            persona.phone_serial_hex(),
            Some(persona.auth().serial_hex())
        );
        assert_eq!(profile.applications.len(), 1);
        let jpki = &profile.applications[0];
        let FileContent::Transparent(der) =
            &jpki.files.iter().find(|f| f.fid == 0x000A).unwrap().content
        else {
            panic!("EF 000A is transparent");
        };
        let cert = Certificate::from_der(der).unwrap();
        assert_eq!(
            serial_text(cert.tbs_certificate.serial_number.as_bytes()),
            persona.phone_serial_hex().unwrap()
        );
        let root = Certificate::from_der(&persona.ca().auth_ca_cert).unwrap();
        let spki = root
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap();
        let public =
            <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki).unwrap();
        let signature = rsa::pkcs1v15::Signature::try_from(cert.signature.raw_bytes()).unwrap();
        VerifyingKey::<Sha256>::new(public)
            .verify(&cert.tbs_certificate.to_der().unwrap(), &signature)
            .unwrap();
        let pin = jpki.secrets.iter().find(|s| s.fid == 0x0018).unwrap();
        assert_eq!(
            pin.value.as_ref().map(|s| s.expose().to_vec()),
            Some(b"7260".to_vec())
        );
        assert_ne!(persona.auth_pin().map(|s| s.expose()), Some(&b"7260"[..]));
        // The card's PIN is blocked at manufacture; the phone's is not.
        assert_eq!(persona.retries().auth_pin.left, 0);
        assert_eq!((pin.max_tries, pin.tries_left), (3, 3));
    }

    #[test]
    fn a_face_only_persona_has_no_phone() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/personas");
        let persona = Persona::load_named(dir.as_ref(), "kao").unwrap();
        assert!(persona.phone().is_none());
        assert!(persona.phone_profile().unwrap().is_none());
    }

    #[test]
    fn the_serial_text_has_no_leading_zero() {
        assert_eq!(serial_text(&[0x01, 0x8C, 0x45, 0x3E]), "18C453E");
        assert_eq!(serial_text(&[]), "0");
    }
}
