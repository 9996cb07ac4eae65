//! Hashes and DigestInfo encodings (PKCS#1 v2.2 §9.2 note 1 prefixes).

use crate::step::HashAlg;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// `hash(message)`.
pub fn hash(alg: HashAlg, message: &[u8]) -> Vec<u8> {
    match alg {
        HashAlg::Sha1 => Sha1::digest(message).to_vec(),
        HashAlg::Sha256 => Sha256::digest(message).to_vec(),
        HashAlg::Sha384 => Sha384::digest(message).to_vec(),
        HashAlg::Sha512 => Sha512::digest(message).to_vec(),
    }
}

/// The DER DigestInfo prefix for `alg`.
pub fn digest_info_prefix(alg: HashAlg) -> &'static [u8] {
    match alg {
        HashAlg::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04,
            0x14,
        ],
        HashAlg::Sha256 => &[
            0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

/// DigestInfo(hash(message)).
pub fn digest_info(alg: HashAlg, message: &[u8]) -> Vec<u8> {
    let mut out = digest_info_prefix(alg).to_vec();
    out.extend_from_slice(&hash(alg, message));
    out
}
