//! COMPUTE DIGITAL SIGNATURE (`80 2A`) and INTERNAL AUTHENTICATE (`00 88`)
//! with the application's RSA keys (card-protocol.md §2.1, §2.2).

use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256};

use super::dispatch::{Outcome, Session};
use super::resolve::KeyUse;
use crate::apdu::{KeyTarget, Le, SignatureScheme, StatusWord};
use crate::profile::Access;

/// SHA-256 output length: the data of P1 `02` / `04` (card-protocol.md §2.2).
const SHA256_LEN: usize = 32;
/// PKCS#1 v1.5 type-1 padding overhead: `00 01 FF…FF(≥8) 00`.
const PKCS1_OVERHEAD: usize = 11;

/// `6700` when Le asks for less than the signature.
fn check_le(le: Option<Le>, key: &RsaPrivateKey) -> Result<(), StatusWord> {
    match le {
        Some(le) if usize::try_from(le.effective()).unwrap_or(usize::MAX) < key.size() => {
            Err(StatusWord::WRONG_LENGTH)
        }
        _ => Ok(()),
    }
}

/// A failure inside the RSA primitive: no precise diagnosis.
fn rsa_failed(_: rsa::Error) -> StatusWord {
    StatusWord::NO_PRECISE_DIAGNOSIS
}

impl Session<'_> {
    /// `80 2A P1 P2 Lc data [Le]`: the key by P2 (see
    /// [`Session::resolve_key`]), `6985` if it is not a signing key, `6982`
    /// if its PIN is not verified, `6700` if Le < the signature length,
    /// then the scheme of P1; wrong input length `6985` (§3.1).
    pub(crate) fn compute_digital_signature(
        &mut self,
        scheme: SignatureScheme,
        target: KeyTarget,
        data: &[u8],
        le: Option<Le>,
    ) -> Outcome {
        let key_ef = self.resolve_key(target, KeyUse::Sign)?;
        if !key_ef.sign {
            return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        self.check_access(&key_ef.use_access)?;
        let key = &key_ef.key;
        check_le(le, key)?;
        let hash_of_data = || Sha256::digest(data).to_vec();
        let exact_hash = || {
            if data.len() == SHA256_LEN {
                Ok(data.to_vec())
            } else {
                Err(StatusWord::CONDITIONS_NOT_SATISFIED)
            }
        };
        match scheme {
            SignatureScheme::Pkcs1Raw => {
                if data.len() + PKCS1_OVERHEAD > key.size() {
                    return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
                }
                key.sign(Pkcs1v15Sign::new_unprefixed(), data)
                    .map_err(rsa_failed)
            }
            SignatureScheme::Pkcs1BareSha256 => key
                .sign(Pkcs1v15Sign::new_unprefixed(), &hash_of_data())
                .map_err(rsa_failed),
            SignatureScheme::Pkcs1Sha256OfHash => key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &exact_hash()?)
                .map_err(rsa_failed),
            SignatureScheme::Pkcs1Sha256 => key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &hash_of_data())
                .map_err(rsa_failed),
            SignatureScheme::PssOfHash => key
                .sign_with_rng(self.rng, Pss::new::<Sha256>(), &exact_hash()?)
                .map_err(rsa_failed),
            SignatureScheme::Pss => key
                .sign_with_rng(self.rng, Pss::new::<Sha256>(), &hash_of_data())
                .map_err(rsa_failed),
        }
    }

    /// `00 88 00 P2 Lc challenge [Le]`: only keys marked
    /// `internal_authenticate` answer (共通AP `0019`): PKCS#1 v1.5 signature
    /// of DigestInfo(SHA-256(challenge)), deterministic. Other keys: `6982`
    /// when PIN-protected, `6985` otherwise (card-protocol.md §2.1).
    pub(crate) fn internal_authenticate(
        &mut self,
        target: KeyTarget,
        challenge: &[u8],
        le: Option<Le>,
    ) -> Outcome {
        let key_ef = self.resolve_key(target, KeyUse::InternalAuthenticate)?;
        if !key_ef.internal_authenticate {
            return Err(match key_ef.use_access {
                Access::AnyOf(_) => StatusWord::SECURITY_NOT_SATISFIED,
                Access::Always | Access::Never(_) => StatusWord::CONDITIONS_NOT_SATISFIED,
            });
        }
        self.check_access(&key_ef.use_access)?;
        check_le(le, &key_ef.key)?;
        key_ef
            .key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(challenge))
            .map_err(rsa_failed)
    }
}
