//! 券面事項入力補助AP (text AP) EF images, byte-exact to card-protocol.md §1.2.

use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::cv_cert::key_id;
use super::files::TEXT_AP_KEY_ID;
use super::rsa_util::{encode_card_public_key, sign_sha256};
use super::tlv::{tlv, tlv_82, with_offset_table};

/// AID `D3 92 10 00 31 00 01 01 04 08` (card-protocol.md §1).
pub const TEXT_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// Length of EF 0001 (card-protocol.md §1.2).
pub const EF0001_LEN: usize = 17;
/// Length of EF 0003 (card-protocol.md §1.2).
pub const EF0003_LEN: usize = 336;
/// Length of the EF 0005 object (card-protocol.md §1.2).
pub const EF0005_LEN: usize = 164;
/// Physical length of EF 0005: the object plus `FF` filler. myna-go reads
/// 256 bytes and rejects fewer (`_go/libmyna/text_ap.go` ReadBasicInfo);
/// myna-card 3.3.4 `src/sm.rs` says a whole-file read returns "filler
/// included, which is what the card returns for every file this
/// application holds". Medium confidence: no fixture of the physical length.
pub const EF0005_PHYSICAL_LEN: usize = 256;

/// EF 0001 個人番号: `FF 10 0C` + 12 ASCII digits + `FF FF` (17 bytes).
pub fn ef0001_my_number(my_number: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0x10, 0x0C];
    out.extend_from_slice(my_number);
    out.extend_from_slice(&[0xFF, 0xFF]);
    out
}

/// EF 0002 基本4情報: `FF 20 <len>` { DF21 offsets of DF22..DF25, DF22 氏名,
/// DF23 住所, DF24 生年月日, DF25 性別 }.
pub fn ef0002_basic_four(
    name: &str,
    address: &str,
    birth_yyyymmdd: &str,
    sex_ascii: u8,
) -> Vec<u8> {
    let children = [
        tlv(&[0xDF, 0x22], name.as_bytes()),
        tlv(&[0xDF, 0x23], address.as_bytes()),
        tlv(&[0xDF, 0x24], birth_yyyymmdd.as_bytes()),
        tlv(&[0xDF, 0x25], &[sex_ascii]),
    ];
    with_offset_table(&[0xFF, 0x20], &[0xDF, 0x21], &children, false)
}

/// The bytes DF32 hashes: EF 0002's outer value with the DF21 TLV skipped
/// (card-protocol.md §1.2). `None` if `ef0002` is malformed.
pub fn basic_four_hashed_part(ef0002: &[u8]) -> Option<Vec<u8>> {
    let outer = crate::tlv::first(ef0002)?;
    let items = crate::tlv::all(outer.value)?;
    Some(
        items
            .iter()
            .filter(|t| t.tag != 0xDF21)
            .flat_map(|t| t.raw.iter().copied())
            .collect(),
    )
}

/// EF 0003 integrity: `FF 30 82 01 4B` { DF31 SHA-256(EF 0001), DF32
/// SHA-256(EF 0002 value without DF21), DF33 signature } = 336 bytes.
///
/// DF33 is PKCS#1 v1.5/SHA-256 over the DF31 ‖ DF32 TLVs ("signature over
/// everything before it") by the key EF 0004 certifies (myna-card 3.3.4
/// `IntegrityRecord`).
pub fn ef0003_integrity(
    ef0001: &[u8],
    ef0002: &[u8],
    data_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let hashed_part = basic_four_hashed_part(ef0002).unwrap_or_default();
    let mut signed = tlv(&[0xDF, 0x31], &Sha256::digest(ef0001));
    signed.extend(tlv(&[0xDF, 0x32], &Sha256::digest(&hashed_part)));
    let signature = sign_sha256(data_key, &signed)?;
    let mut content = signed;
    content.extend(tlv(&[0xDF, 0x33], &signature));
    Ok(tlv_82(&[0xFF, 0x30], &content))
}

/// EF 0005 AP basic info: `FF 40 82 00 9F` { DF41 `01 03 0E 01`, DF42 key
/// id, DF43 `82 00 80` 32 data + 96×FF } = 164 bytes.
pub fn ef0005_basic_info() -> Vec<u8> {
    let mut df43 = Sha256::digest(b"JPKI-TEST text AP DF43").to_vec();
    df43.resize(128, 0xFF);
    let mut content = tlv(&[0xDF, 0x41], &[0x01, 0x03, 0x0E, 0x01]);
    content.extend(tlv(&[0xDF, 0x42], &key_id(TEXT_AP_KEY_ID)));
    content.extend(tlv_82(&[0xDF, 0x43], &df43));
    tlv_82(&[0xFF, 0x40], &content)
}

/// EF 0005 as stored: the 164-byte object and `FF` filler to
/// [`EF0005_PHYSICAL_LEN`].
pub fn ef0005_physical() -> Vec<u8> {
    let mut file = ef0005_basic_info();
    file.resize(EF0005_PHYSICAL_LEN.max(file.len()), 0xFF);
    file
}

/// EF 0006 session-key encryption public key `A1 82 01 09 90 03 010001 91
/// 82 0100 <n>` (269 bytes).
pub fn ef0006_session_key(session_public: &RsaPublicKey) -> Vec<u8> {
    tlv_82(&[0xA1], &encode_card_public_key(session_public))
}

/// EF 0007 `FF 50 82 02 13` { DF51 the AP's own public key (EF 0013, the
/// key `80 2A 00 00` signs with), DF52 PKCS#1 v1.5/SHA-256 over the DF51 TLV
/// by the key EF 0004 certifies } (536 bytes; myna-card 3.3.4 fixture
/// `text-0007.bin`, `SignedPublicKey`).
pub fn ef0007_ap_key(
    ap_key: &RsaPublicKey,
    data_key: &RsaPrivateKey,
) -> Result<Vec<u8>, rsa::Error> {
    let df51 = tlv(&[0xDF, 0x51], &encode_card_public_key(ap_key));
    let signature = sign_sha256(data_key, &df51)?;
    let mut content = df51;
    content.extend(tlv(&[0xDF, 0x52], &signature));
    Ok(tlv_82(&[0xFF, 0x50], &content))
}

/// EF 0008: 16×FF (card-protocol.md §1.2, purpose unknown).
pub fn ef0008() -> Vec<u8> {
    vec![0xFF; 16]
}
