//! JPKI login: the challenge the portal issues, the DigestInfo the card
//! signs with its 利用者証明用 key (after the 4-digit PIN), and the checks of
//! a [`CardProof`] (portal-anchors.md §6: single-use challenge with a short
//! life, then the certificate's chain, validity, signature, revocation).
//!
//! The same proof re-reads the card in the 公金受取口座 flow (seed 000 4-A:
//! 「マイナンバーカードを読み取り本人確認に進みます」).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::{PortalError, Problem};
use crate::trust::{TrustStore, VerifiedCert};
use crate::wire::{b64, CardProof};

/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1).
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Challenge length in bytes (256 bits, portal-anchors.md §3 Web eID).
pub const CHALLENGE_LEN: usize = 32;

/// What the card signs for `challenge`: the SHA-256 DigestInfo of its bytes.
/// The server verifies RSASSA-PKCS1-v1_5/SHA-256 over the same bytes, so
/// client and server share this one definition.
pub fn digest_info(challenge: &[u8]) -> Vec<u8> {
    let mut out = SHA256_DIGEST_INFO_PREFIX.to_vec();
    out.extend_from_slice(&Sha256::digest(challenge));
    out
}

/// One issued challenge.
#[derive(Clone, Debug)]
struct Issued {
    bytes: Vec<u8>,
    expires_at: OffsetDateTime,
    used: bool,
}

/// The challenges issued and not yet forgotten.
#[derive(Clone, Debug, Default)]
pub struct Challenges {
    issued: HashMap<String, Issued>,
    /// The `ReusableChallenges` defect (mutation test only).
    pub(crate) reusable: bool,
}

impl Challenges {
    /// Records a challenge.
    pub fn issue(&mut self, id: String, bytes: Vec<u8>, expires_at: OffsetDateTime) {
        // Forget the long-expired ones, so the map stays small.
        self.issued
            .retain(|_, c| crate::service::after_minutes(c.expires_at, 60) > expires_at);
        self.issued.insert(
            id,
            Issued {
                bytes,
                expires_at,
                used: false,
            },
        );
    }

    /// Takes the challenge `id` for one verification: unknown, expired and
    /// already used challenges are refused, and a taken one is used up
    /// whatever the verification then finds.
    pub fn consume(&mut self, id: &str, now: OffsetDateTime) -> Result<Vec<u8>, PortalError> {
        let Some(issued) = self.issued.get_mut(id) else {
            return Err(PortalError::field(
                Problem::ChallengeUnknown,
                "challenge_id",
                "no such challenge",
            ));
        };
        if issued.used {
            return Err(PortalError::field(
                Problem::ChallengeUsed,
                "challenge_id",
                "the challenge was used already",
            ));
        }
        issued.used = !self.reusable;
        if now > issued.expires_at {
            return Err(PortalError::field(
                Problem::ChallengeExpired,
                "challenge_id",
                "the challenge has expired",
            ));
        }
        Ok(issued.bytes.clone())
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.issued.clear();
    }
}

/// Checks `proof`: the challenge first, then the certificate and signature.
pub fn verify_proof(
    challenges: &mut Challenges,
    trust: &TrustStore,
    proof: &CardProof,
    now: OffsetDateTime,
) -> Result<VerifiedCert, PortalError> {
    let certificate = b64::decode(&proof.certificate)
        .ok_or_else(|| PortalError::invalid("certificate", "expected base64url without padding"))?;
    let signature = b64::decode(&proof.signature)
        .ok_or_else(|| PortalError::invalid("signature", "expected base64url without padding"))?;
    let challenge = challenges.consume(&proof.challenge_id, now)?;
    trust.verify(&certificate, &challenge, &signature, now)
}
