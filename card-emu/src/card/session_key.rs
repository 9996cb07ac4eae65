//! SET SESSION KEY (`80 AE`) (card-protocol.md §3.1, §3.3; myna-card 3.3.4
//! `src/sm.rs`, `src/ap/text.rs` module docs).

use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep};
use sha2::Sha256;

use super::dispatch::{Outcome, Session};
use super::secure_messaging::SessionKey;
use crate::apdu::StatusWord;
use crate::profile::SessionKeySupport;

/// Tag of the key delivery message and of the encryption key inside it.
const TAG_DELIVERY: u8 = 0xA0;
const TAG_ENCRYPTION_KEY: u8 = 0x80;

impl Session<'_> {
    /// The current application's [`SessionKeySupport`]. Where a session key
    /// is accepted: `6982` unless one of its `needs` is verified in this DF
    /// session (checked before anything is decrypted); P1-P2 other than
    /// `00 00` `6A86`; a cryptogram that is not one key-sized block `6700`,
    /// at or above the modulus `6F00`, not an RSA-OAEP(SHA-256) delivery of
    /// `A0 L { 80 L key(≥16) }` `6A80`. On success the first 16 key bytes
    /// become the AES-128 session key and the message counter starts at 1.
    /// At the MF no application handles it: `6D00` (our judgement).
    pub(crate) fn set_session_key(&mut self, p1: u8, p2: u8, data: &[u8]) -> Outcome {
        let Some((app, application)) = self.current_application() else {
            return Err(StatusWord::INS_NOT_SUPPORTED);
        };
        let (key, needs) = match &application.session_key {
            SessionKeySupport::Refused(sw) => return Err(StatusWord(*sw)),
            SessionKeySupport::Accepted { key, needs } => (key, needs),
        };
        if !needs.iter().any(|fid| self.volatile.is_verified_here(*fid)) {
            return Err(StatusWord::SECURITY_NOT_SATISFIED);
        }
        if (p1, p2) != (0, 0) {
            return Err(StatusWord::INCORRECT_P1P2);
        }
        if data.len() != key.size() {
            return Err(StatusWord::WRONG_LENGTH);
        }
        if BigUint::from_bytes_be(data) >= *key.n() {
            return Err(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        let message = key
            .decrypt(Oaep::new::<Sha256>(), data)
            .map_err(|_| StatusWord::WRONG_DATA)?;
        let session_key = delivered_key(&message).ok_or(StatusWord::WRONG_DATA)?;
        self.volatile.open_secure_session(app, session_key);
        Ok(Vec::new())
    }
}

/// The AES-128 key in `A0 L { 80 L key }` (one-byte lengths; the card takes
/// only the encryption-key form, myna-card 3.3.4 `src/sm.rs`).
fn delivered_key(message: &[u8]) -> Option<SessionKey> {
    let (&tag, rest) = message.split_first()?;
    let (&len, inner) = rest.split_first()?;
    if tag != TAG_DELIVERY || usize::from(len) != inner.len() {
        return None;
    }
    let (&key_tag, rest) = inner.split_first()?;
    let (&key_len, key) = rest.split_first()?;
    if key_tag != TAG_ENCRYPTION_KEY || usize::from(key_len) != key.len() {
        return None;
    }
    SessionKey::from_material(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_encryption_key_form_is_a_delivery() {
        let mut good = vec![0xA0, 0x22, 0x80, 0x20];
        good.extend_from_slice(&[7; 32]);
        assert!(delivered_key(&good).is_some());
        let mut ccs = good.clone();
        ccs[2] = 0x81;
        assert!(delivered_key(&ccs).is_none());
        assert!(delivered_key(&good[..30]).is_none());
        assert!(delivered_key(&[0xA0, 0x02, 0x80, 0x00]).is_none());
    }
}
