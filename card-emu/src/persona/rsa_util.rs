//! RSA helpers shared by the EF builders: the card's public-key encoding and
//! PKCS#1 v1.5 / SHA-256 signatures (card-protocol.md §4).

use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// Modulus length of every card key (RSA-2048, card-protocol.md §4).
pub const MODULUS_LEN: usize = 256;

/// The card's raw public-key encoding `90 03 <e> 91 82 01 00 <n>` (265 bytes
/// for e = 65537), as in the CV certificate body and text EF 0006
/// (card-protocol.md §1.2).
pub fn encode_card_public_key(key: &RsaPublicKey) -> Vec<u8> {
    let e = key.e().to_bytes_be();
    let n = modulus_bytes(key);
    let mut out = vec![0x90];
    out.extend(super::tlv::ber_length(e.len()));
    out.extend(e);
    out.push(0x91);
    out.extend(super::tlv::ber_length_82(n.len()));
    out.extend(n);
    out
}

/// The modulus, left-padded with zeros to [`MODULUS_LEN`] bytes.
pub fn modulus_bytes(key: &RsaPublicKey) -> Vec<u8> {
    let n = key.n().to_bytes_be();
    let mut out = vec![0u8; MODULUS_LEN.saturating_sub(n.len())];
    out.extend(n);
    out
}

/// Parses `90 <e> 91 <n>` back into a public key; `None` if malformed.
pub fn decode_card_public_key(bytes: &[u8]) -> Option<RsaPublicKey> {
    let items = crate::tlv::all(bytes)?;
    let e = items.iter().find(|t| t.tag == 0x90)?.value;
    let n = items.iter().find(|t| t.tag == 0x91)?.value;
    RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(n),
        rsa::BigUint::from_bytes_be(e),
    )
    .ok()
}

/// PKCS#1 v1.5 signature over SHA-256(`message`). Deterministic.
pub fn sign_sha256(key: &RsaPrivateKey, message: &[u8]) -> Result<Vec<u8>, rsa::Error> {
    let digest = Sha256::digest(message);
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
}

/// Verifies a PKCS#1 v1.5 signature over SHA-256(`message`).
pub fn verify_sha256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let digest = Sha256::digest(message);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
        .is_ok()
}
