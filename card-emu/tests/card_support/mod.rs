//! Shared by the card tests and the benchmark: a complete test
//! [`CardProfile`] (TEST ONLY keys and PINs) and APDU helpers.

#![allow(dead_code)]

use myna_card_emu::{
    Access, AppKind, Application, Card, CardProfile, DataObject, ElementaryFile, FileContent,
    ObjectScope, PrivateKeyEf, Quirks, ResponseApdu, Secret, SecretEf, SessionKeySupport,
    StatusWord,
};
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;

/// TEST ONLY key (tests/data/README.md).
pub const KEY1_DER: &[u8] = include_bytes!("../data/TEST-ONLY-rsa2048-key1.pk8.der");
/// TEST ONLY key (tests/data/README.md).
pub const KEY2_DER: &[u8] = include_bytes!("../data/TEST-ONLY-rsa2048-key2.pk8.der");

pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
pub const AID_TEXT: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
pub const AID_SURFACE: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];
pub const AID_COMMON: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00];
pub const AID_JUKI: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01];

pub const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
pub const SELECT_TEXT: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
pub const SELECT_SURFACE: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02";
pub const SELECT_COMMON: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
pub const SELECT_JUKI: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01";
pub const SELECT_ISD: &str = "00 A4 04 0C 07 A0 00 00 01 51 00 00";

/// TEST ONLY secrets of the test profile.
pub const AUTH_PIN: &[u8] = b"1234";
pub const SIGN_PASSWORD: &[u8] = b"ABC123";
pub const TEXT_PIN: &[u8] = b"2468";
pub const COMMON_PIN: &[u8] = b"1357";
pub const JUKI_PIN: &[u8] = b"9753";
pub const MATCH_A: &[u8] = b"537686677188";
pub const MATCH_B: &[u8] = b"55021720352285";
pub const BIRTH_KEY: &[u8] = b"550217";

pub const AUTH_CERT_LEN: usize = 1590;
pub const SIGN_CERT_LEN: usize = 1758;

pub fn key1() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_der(KEY1_DER).expect("test key 1 parses")
}

pub fn key2() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_der(KEY2_DER).expect("test key 2 parses")
}

/// A DER-looking blob: `30 82 HH LL` then a deterministic pattern.
pub fn der_blob(total: usize, seed: u8) -> Vec<u8> {
    let body = total - 4;
    let mut out = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    out.extend((0..body).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    out
}

pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

fn file(fid: u16, content: Vec<u8>, read: Access) -> ElementaryFile {
    ElementaryFile {
        fid,
        sfi: None,
        content: FileContent::Transparent(content),
        read,
    }
}

fn secret(fid: u16, label: &'static str, value: &[u8], max: u8, changeable: bool) -> SecretEf {
    SecretEf {
        fid,
        label,
        value: Some(Secret::new(value.to_vec())),
        max_tries: max,
        tries_left: max,
        changeable,
    }
}

fn key(fid: u16, key: &RsaPrivateKey, use_access: Access, sign: bool, ia: bool) -> PrivateKeyEf {
    PrivateKeyEf {
        fid,
        key: key.clone(),
        use_access,
        sign,
        internal_authenticate: ia,
    }
}

pub fn token_info() -> Vec<u8> {
    let mut token = b"JPKIAPICCTOKEN2                 ".to_vec();
    token.extend(pattern(128, 3));
    token
}

pub fn common_record() -> Vec<u8> {
    let mut record = vec![0x01, 0x1C];
    record.extend_from_slice(b"4000000127198431322120350217");
    record
}

/// The 個人番号 EF of the text AP (card-protocol.md §1.2), 17 bytes.
pub fn my_number_ef() -> Vec<u8> {
    let mut ef = vec![0xFF, 0x10, 0x0C];
    ef.extend_from_slice(MATCH_A);
    ef.extend_from_slice(&[0xFF, 0xFF]);
    ef
}

pub fn large_mf_object() -> Vec<u8> {
    pattern(600, 9)
}

/// The complete test profile: five applications, MF files and objects.
pub fn profile() -> CardProfile {
    let k1 = key1();
    let k2 = key2();
    let jpki = Application {
        kind: AppKind::Jpki,
        aid: AID_JPKI.to_vec(),
        files: vec![
            file(
                0x0001,
                der_blob(SIGN_CERT_LEN, 1),
                Access::AnyOf(vec![0x001B]),
            ),
            file(0x0002, der_blob(1333, 2), Access::Always),
            file(0x000A, der_blob(AUTH_CERT_LEN, 3), Access::Always),
            file(0x000B, der_blob(1333, 4), Access::Always),
            file(0x0006, token_info(), Access::Always),
            file(0x0008, vec![0x8F, 0x8F, 0x00], Access::Always),
        ],
        secrets: vec![
            secret(0x0018, "利用者証明用 PIN", AUTH_PIN, 3, true),
            secret(0x001B, "署名用パスワード", SIGN_PASSWORD, 5, true),
        ],
        keys: vec![
            key(0x0017, &k1, Access::AnyOf(vec![0x0018]), true, false),
            key(0x001A, &k2, Access::AnyOf(vec![0x001B]), true, false),
        ],
        session_key: SessionKeySupport::Refused(0x6982),
    };
    let mut blocked = secret(0x0012, "blocked key reference", b"00000000", 3, false);
    blocked.tries_left = 0;
    let text = Application {
        kind: AppKind::TextHelper,
        aid: AID_TEXT.to_vec(),
        files: vec![
            file(0x0001, my_number_ef(), Access::AnyOf(vec![0x0011, 0x0014])),
            file(0x0002, pattern(104, 5), Access::AnyOf(vec![0x0011, 0x0015])),
            file(0x0004, pattern(568, 6), Access::Always),
            file(0x0005, pattern(164, 7), Access::Always),
        ],
        secrets: vec![
            secret(0x0011, "券面事項入力補助用 PIN", TEXT_PIN, 3, true),
            blocked,
            secret(0x0014, "照合番号A", MATCH_A, 10, false),
            secret(0x0015, "照合番号B", MATCH_B, 10, false),
        ],
        keys: vec![key(0x0013, &k1, Access::Always, true, false)],
        session_key: SessionKeySupport::Accepted {
            key: Box::new(k2.clone()),
            needs: vec![0x0011],
        },
    };
    let surface = Application {
        kind: AppKind::SurfaceCheck,
        aid: AID_SURFACE.to_vec(),
        files: vec![
            file(0x0001, pattern(547, 8), Access::AnyOf(vec![0x0011])),
            file(
                0x0002,
                pattern(3070, 9),
                Access::AnyOf(vec![0x0012, 0x0013]),
            ),
            file(0x0003, pattern(320, 10), Access::Always),
            file(0x0005, pattern(686, 11), Access::AnyOf(vec![0x0013])),
        ],
        secrets: vec![
            secret(0x0011, "生年月日", BIRTH_KEY, 10, false),
            secret(0x0012, "照合番号B", MATCH_B, 10, false),
            secret(0x0013, "照合番号A", MATCH_A, 10, false),
        ],
        keys: vec![key(0x0014, &k2, Access::Always, true, false)],
        session_key: SessionKeySupport::Refused(0x66F1),
    };
    let common = Application {
        kind: AppKind::Common,
        aid: AID_COMMON.to_vec(),
        files: vec![ElementaryFile {
            fid: 0x0001,
            sfi: Some(1),
            content: FileContent::Records(vec![common_record()]),
            read: Access::Always,
        }],
        secrets: vec![secret(0x001C, "住民基本台帳用 PIN", COMMON_PIN, 3, true)],
        keys: vec![key(0x0019, &k1, Access::Always, false, true)],
        session_key: SessionKeySupport::Refused(0x66F1),
    };
    let juki = Application {
        kind: AppKind::Juki,
        aid: AID_JUKI.to_vec(),
        files: vec![ElementaryFile {
            fid: 0x0002,
            sfi: Some(2),
            content: FileContent::Transparent(pattern(16, 12)),
            read: Access::AnyOf(vec![0x001C]),
        }],
        secrets: vec![secret(0x001C, "住民基本台帳用 PIN", JUKI_PIN, 3, true)],
        keys: vec![],
        session_key: SessionKeySupport::Refused(0x6982),
    };
    CardProfile {
        atr: ATR.to_vec(),
        applications: vec![jpki, text, surface, common, juki],
        mf_objects: vec![
            DataObject {
                tag: 0x00F0,
                value: b"13221".to_vec(),
                scope: ObjectScope::Mf,
            },
            DataObject {
                tag: 0x5F51,
                value: ATR[1..].to_vec(),
                scope: ObjectScope::Everywhere,
            },
            DataObject {
                tag: 0x7F21,
                value: large_mf_object(),
                scope: ObjectScope::Mf,
            },
        ],
        mf_files: vec![file(0x001E, pattern(32, 13), Access::Never(0x6981))],
        quirks: Quirks::default(),
    }
}

/// [`profile`], built once per test binary.
pub fn shared_profile() -> CardProfile {
    static PROFILE: std::sync::OnceLock<CardProfile> = std::sync::OnceLock::new();
    PROFILE.get_or_init(profile).clone()
}

pub fn card() -> Card {
    Card::with_seed(shared_profile(), 7)
}

pub fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text.replace(' ', "")).expect("test APDU hex is valid")
}

/// Sends `apdu_hex`, returns the response.
pub fn send(card: &mut Card, apdu_hex: &str) -> ResponseApdu {
    send_bytes(card, &bytes(apdu_hex))
}

pub fn send_bytes(card: &mut Card, apdu: &[u8]) -> ResponseApdu {
    let raw = card.transmit(apdu).expect("card is powered");
    ResponseApdu::parse(&raw).expect("R-APDU has a status word")
}

/// Sends `apdu_hex`, returns only the status word (asserting no data came
/// with a non-9000 status).
pub fn sw(card: &mut Card, apdu_hex: &str) -> StatusWord {
    let response = send(card, apdu_hex);
    if !response.sw.is_success() {
        assert!(response.data.is_empty(), "no data with {:?}", response.sw);
    }
    response.sw
}

/// `00 20 00 P2 Lc value`.
pub fn verify_apdu(p2: u8, value: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, p2, value.len() as u8];
    apdu.extend_from_slice(value);
    apdu
}

pub fn verify(card: &mut Card, p2: u8, value: &[u8]) -> StatusWord {
    send_bytes(card, &verify_apdu(p2, value)).sw
}

/// `CLA INS P1 P2 Lc data [00]`.
pub fn apdu(header: [u8; 4], data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = header.to_vec();
    out.push(data.len() as u8);
    out.extend_from_slice(data);
    out.extend(le);
    out
}
