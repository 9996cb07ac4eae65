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

use super::Persona;
use crate::profile::{AppKind, CardProfile, FileContent};
use crate::Secret;

/// What the smartphone card is.
#[derive(Clone, Debug)]
pub struct PhoneOptions {
    /// The phone certificate's serial (big-endian bytes, no leading zero).
    pub serial: Vec<u8>,
    /// The スマホ用利用者証明用 PIN (4 digits).
    pub pin: Secret,
    /// The applications the phone carries.
    pub applications: Vec<AppKind>,
}

impl Persona {
    /// Default phone options: serial = the card's auth serial + 0x1000000,
    /// the card's PIN, the JPKI AP only.
    pub fn phone_options(&self) -> PhoneOptions {
        let mut value = self
            .auth()
            .serial
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        value = value.wrapping_add(0x0100_0000);
        let bytes: Vec<u8> = value
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        PhoneOptions {
            serial: bytes,
            pin: self
                .auth_pin()
                .cloned()
                .unwrap_or_else(|| Secret::new(b"0000".to_vec())),
            applications: vec![AppKind::Jpki],
        }
    }

    /// The card profile of this persona's smartphone card, and the phone
    /// certificate's serial (hex, the `auth_serial` form).
    pub fn phone_profile(&self, options: &PhoneOptions) -> Result<(CardProfile, String), String> {
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
                }
            }
        }
        let hex: String = options.serial.iter().map(|b| format!("{b:02X}")).collect();
        Ok((profile, hex.trim_start_matches('0').to_string()))
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
    fn the_phone_card_has_its_own_serial_and_pin_and_verifies_under_the_root() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/personas");
        let persona = Persona::load_named(dir.as_ref(), "taro").unwrap();
        let mut options = persona.phone_options();
        options.pin = Secret::new(b"1357".to_vec());
        let (profile, serial) = persona.phone_profile(&options).unwrap();
        assert_eq!(serial, "28C453E");
        assert_eq!(profile.applications.len(), 1);
        let jpki = &profile.applications[0];
        let FileContent::Transparent(der) =
            &jpki.files.iter().find(|f| f.fid == 0x000A).unwrap().content
        else {
            panic!("EF 000A is transparent");
        };
        let cert = Certificate::from_der(der).unwrap();
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
            Some(b"1357".to_vec())
        );
    }
}
