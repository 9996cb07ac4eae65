//! 券面事項確認AP (surface AP) EF images, in the shapes of card-protocol.md §1.3.
//!
//! As on the J-LIS test card (myna-card 3.3.4 fixtures `surface-000{1,2,4,5}.bin`,
//! `tests/signatures.rs`, `src/ap/surface.rs`): every record is signed by the
//! key EF 0004 certifies (the data key) and carries the card's own key
//! (DF12, DF24, DF42), which signs challenges with `80 2A 00 00`. EF 0001 and
//! EF 0005 sign the TLVs before their signature with PKCS#1 v1.5/SHA-256;
//! the card face's DF28 signs a 115-byte DigestInfo of three SHA-256 digests
//! (of DF22‖DF23‖DF24, of DF25‖DF26 and of DF27). EF 0003's DF35 is opaque
//! on the card; here a key id and the card key's signature over DF31..DF34.

use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::cv_cert::key_id;
use super::files::{SURFACE_AP_KEY_ID, SURFACE_ISSUER_KEY_ID};
use super::images::{synthetic_jp2, synthetic_png};
use super::rsa_util::{encode_card_public_key, sign_sha256};
use super::tlv::{tlv, tlv_82, with_offset_table};

/// AID `D3 92 10 00 31 00 01 01 04 02` (card-protocol.md §1).
pub const SURFACE_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// Length of EF 0001 (card-protocol.md §1.3).
pub const EF0001_LEN: usize = 547;
/// Length of EF 0003 (card-protocol.md §1.3).
pub const EF0003_LEN: usize = 320;

/// What the card face shows (inputs of EF 0002).
#[derive(Clone, Copy, Debug)]
pub struct CardFace<'a> {
    /// Seed for the synthetic images (the persona id; never a secret).
    pub image_seed: &'a str,
    /// 生年月日 `YYYYMMDD`.
    pub birth_yyyymmdd: &'a str,
    /// 性別 ASCII digit.
    pub sex_ascii: u8,
    /// Card expiry `YYYYMMDD`.
    pub expiry_yyyymmdd: &'a str,
}

/// The keys of the surface records: the signer and the key they carry.
#[derive(Clone, Copy, Debug)]
pub struct SurfaceKeys<'a> {
    /// The key EF 0004 certifies; signs every record.
    pub data_key: &'a RsaPrivateKey,
    /// The card's own key (public half), carried in DF12/DF24/DF42.
    pub card_key: &'a RsaPublicKey,
}

/// The DigestInfo DF28 signs: SHA-256 AlgorithmIdentifier and an OCTET
/// STRING of `digests` (96 bytes for the card face: 115 bytes in all).
fn sha256_digest_info(digests: &[u8]) -> Vec<u8> {
    const ALGORITHM: [u8; 15] = [
        0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ];
    let octets = tlv(&[0x04], digests);
    let mut inner = ALGORITHM.to_vec();
    inner.extend(octets);
    tlv(&[0x30], &inner)
}

/// EF 0001 age record `FF 10 82 02 1E` { DF11 生年月日, DF12 card key,
/// DF13 signature } = 547 bytes.
pub fn ef0001_age(birth_yyyymmdd: &str, keys: SurfaceKeys<'_>) -> Result<Vec<u8>, rsa::Error> {
    let mut signed = tlv(&[0xDF, 0x11], birth_yyyymmdd.as_bytes());
    signed.extend(tlv(&[0xDF, 0x12], &encode_card_public_key(keys.card_key)));
    let signature = sign_sha256(keys.data_key, &signed)?;
    let mut content = signed;
    content.extend(tlv(&[0xDF, 0x13], &signature));
    Ok(tlv_82(&[0xFF, 0x10], &content))
}

/// EF 0002 card face `FF 20 82 …` { DF21 9 offsets, DF22 birth, DF23 sex,
/// DF24 card key, DF25 氏名 PNG, DF26 住所 PNG, DF27 JP2 photo, DF28
/// signature, DF29 expiry, DF2A security-code PNG 24×12 }.
pub fn ef0002_face(face: &CardFace<'_>, keys: SurfaceKeys<'_>) -> Result<Vec<u8>, rsa::Error> {
    let seed = |what: &str| format!("{}/{what}", face.image_seed).into_bytes();
    let covered = [
        tlv(&[0xDF, 0x22], face.birth_yyyymmdd.as_bytes()),
        tlv(&[0xDF, 0x23], &[face.sex_ascii]),
        tlv(&[0xDF, 0x24], &encode_card_public_key(keys.card_key)),
        tlv(&[0xDF, 0x25], &synthetic_png(96, 16, &seed("name"))),
        tlv(&[0xDF, 0x26], &synthetic_png(160, 24, &seed("address"))),
        tlv(&[0xDF, 0x27], &synthetic_jp2(48, 60)),
    ];
    let mut digests = Vec::with_capacity(96);
    for segment in [&covered[0..3], &covered[3..5], &covered[5..6]] {
        digests.extend_from_slice(&Sha256::digest(segment.concat()));
    }
    let signature = keys.data_key.sign(
        Pkcs1v15Sign::new_unprefixed(),
        &sha256_digest_info(&digests),
    )?;
    let mut children = covered.to_vec();
    children.push(tlv(&[0xDF, 0x28], &signature));
    children.push(tlv(&[0xDF, 0x29], face.expiry_yyyymmdd.as_bytes()));
    children.push(tlv(
        &[0xDF, 0x2A],
        &synthetic_png(24, 12, &seed("security-code")),
    ));
    Ok(with_offset_table(
        &[0xFF, 0x20],
        &[0xDF, 0x21],
        &children,
        true,
    ))
}

/// EF 0003 AP basic info `FF 30 82 01 3B` { DF31 `06 03 0E 01`, DF32 key id,
/// DF33 version (`00` on the test card, myna-card 3.3.4 fixture
/// `surface-0003.bin`), DF34 municipality code, DF35 16 + 256 opaque } = 320
/// bytes. DF35 here = issuer key id ‖ signature over DF31..DF34.
pub fn ef0003_basic_info(
    municipality_code: &str,
    ap_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let mut signed = tlv(&[0xDF, 0x31], &[0x06, 0x03, 0x0E, 0x01]);
    signed.extend(tlv(&[0xDF, 0x32], &key_id(SURFACE_AP_KEY_ID)));
    signed.extend(tlv(&[0xDF, 0x33], &[0x00]));
    signed.extend(tlv(&[0xDF, 0x34], municipality_code.as_bytes()));
    let mut df35 = key_id(SURFACE_ISSUER_KEY_ID).to_vec();
    df35.extend(sign_sha256(ap_key, &signed)?);
    let mut content = signed;
    content.extend(tlv(&[0xDF, 0x35], &df35));
    Ok(tlv_82(&[0xFF, 0x30], &content))
}

/// EF 0005 個人番号 image `FF 40 82 …` { DF41 PNG 72×12, DF42 card key,
/// DF43 signature }.
pub fn ef0005_my_number_image(
    image_seed: &str,
    keys: SurfaceKeys<'_>,
) -> Result<Vec<u8>, rsa::Error> {
    let png = synthetic_png(72, 12, format!("{image_seed}/my-number").as_bytes());
    let mut signed = tlv(&[0xDF, 0x41], &png);
    signed.extend(tlv(&[0xDF, 0x42], &encode_card_public_key(keys.card_key)));
    let signature = sign_sha256(keys.data_key, &signed)?;
    let mut content = signed;
    content.extend(tlv(&[0xDF, 0x43], &signature));
    Ok(tlv_82(&[0xFF, 0x40], &content))
}
