//! Every key and name of the card step vocabulary, in one place: the parser
//! checks against these tables and the JSON Schema is built from them, so
//! the two cannot drift. Descriptions are docs/scenario-format.md's words.

use myna_scenario::{Doc, VarDoc};

use crate::step::{HashAlg, PinChange, PowerAction, ReadStrategy, SigScheme, SignedLayout};

/// The family's name.
pub const FAMILY: &str = "card";

/// Card action keys (docs/scenario-format.md "Card actions").
pub const CARD_ACTIONS: &[Doc] = &[
    Doc { name: "apdu", doc: "a raw C-APDU in hex (spaces free, `${…}` allowed)" },
    Doc { name: "select", doc: "SELECT an application (`00 A4 04 0C 0A <AID>`) by name (jpki, text, surface, common, juki, isd) or hex AID" },
    Doc { name: "select_ef", doc: "SELECT an EF (`00 A4 02 0C 02 <FID>`) of the current application by name or 4 hex digits" },
    Doc { name: "verify", doc: "VERIFY (`00 20 00 80 Lc <ASCII>`): `{ pin }`, or `{}` for the empty status query; optional `p2` (hex)" },
    Doc { name: "change_pin", doc: "CHANGE REFERENCE DATA (`00 24 01 80 Lc <new>`): `{ new }`; `command: change_key` sends JICSAP CHANGE KEY `80 32 00 80` (共通/住基 AP)" },
    Doc { name: "read_binary", doc: "one READ BINARY: `{ offset, le, extended }`" },
    Doc { name: "read_file", doc: "read the whole current EF: `{ strategy }`" },
    Doc { name: "sign", doc: "COMPUTE DIGITAL SIGNATURE (`80 2A P1 P2 Lc <data> 00`): `{ p1, p2, data | digest_info | hash }`" },
    Doc { name: "get_challenge", doc: "GET CHALLENGE (`00 84 00 00 Le`): `{ le }`" },
    Doc { name: "power", doc: "`off` (cold power-off), `on` (power-on) or `reset` (warm reset)" },
    Doc { name: "session_key", doc: "SET SESSION KEY (`80 AE 00 00`, extended Lc): a fresh AES-128 key, RSA-OAEP(SHA-256) under `{ key }` (text EF 0006 as read); on 9000 secure messaging starts" },
    Doc { name: "secure", doc: "one command under the session's secure messaging (CLA 08, AES-128-CBC): `{ verify: { pin, p2 } }`, `{ select_ef: EF }` or `{ read_binary: { offset, le } }`; the data is the decrypted answer" },
];

/// Capabilities a card target may declare.
pub const CAPABILITIES: &[Doc] = &[
    Doc { name: "card.jpki", doc: "the 公的個人認証AP" },
    Doc { name: "card.text", doc: "the 券面事項入力補助AP" },
    Doc { name: "card.surface", doc: "the 券面事項確認AP" },
    Doc { name: "card.common", doc: "the 共通カードAP" },
    Doc { name: "card.juki", doc: "the 住基AP" },
    Doc { name: "card.power", doc: "the target can power the card off and on" },
    Doc { name: "card.persona", doc: "the card's persona values (PINs, fields) are known" },
    Doc { name: "card.extended-apdu", doc: "extended-length APDUs reach the card" },
    Doc { name: "card.factory-reset", doc: "the harness can factory-reset the card between scenarios (`emu serve --test-control`)" },
    Doc { name: "card.destructive", doc: "scenarios that change the card for good may run (factory reset, or `--allow-destructive`)" },
    Doc { name: "card.smartphone", doc: "the target is the smartphone form (スマホ用電子証明書), not a plastic card" },
    Doc { name: "card.phone", doc: "beside the card, the target has the holder's smartphone card (own serial, PIN and counter; the emulator: personas with `phone:`)" },
];

/// `${persona.*}` variables (docs/scenario-format.md "Variables").
pub const PERSONA_VARS: &[VarDoc] = &[
    VarDoc {
        name: "persona.auth_pin",
        doc: "利用者証明用 PIN (JPKI 0018)",
        secret: true,
    },
    VarDoc {
        name: "persona.sign_password",
        doc: "署名用パスワード (JPKI 001B)",
        secret: true,
    },
    VarDoc {
        name: "persona.text_pin",
        doc: "券面事項入力補助用 PIN (text 0011)",
        secret: true,
    },
    VarDoc {
        name: "persona.juki_pin",
        doc: "住民基本台帳用 PIN (共通AP and 住基AP 001C)",
        secret: true,
    },
    VarDoc {
        name: "persona.my_number",
        doc: "個人番号 = 照合番号A",
        secret: true,
    },
    VarDoc {
        name: "persona.check_b",
        doc: "照合番号B",
        secret: true,
    },
    VarDoc {
        name: "persona.birth_key",
        doc: "券面AP 生年月日 key",
        secret: true,
    },
    VarDoc {
        name: "persona.security_code",
        doc: "the card's security code",
        secret: true,
    },
    VarDoc {
        name: "persona.name",
        doc: "氏名",
        secret: false,
    },
    VarDoc {
        name: "persona.name_kana",
        doc: "氏名 (kana)",
        secret: false,
    },
    VarDoc {
        name: "persona.address",
        doc: "住所",
        secret: false,
    },
    VarDoc {
        name: "persona.birth_date",
        doc: "生年月日, YYYYMMDD",
        secret: false,
    },
    VarDoc {
        name: "persona.sex",
        doc: "性別, JIS X 0303 digit",
        secret: false,
    },
    VarDoc {
        name: "persona.card_expiry",
        doc: "the card's expiry, YYYYMMDD",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_serial",
        doc: "利用者証明用 certificate serial, uppercase hex without leading zeros",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_serial",
        doc: "署名用 certificate serial, uppercase hex without leading zeros",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_cert",
        doc: "利用者証明用 certificate, DER hex",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_cert",
        doc: "署名用 certificate, DER hex",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_ca_cert",
        doc: "利用者証明用 CA certificate, DER hex",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_ca_cert",
        doc: "署名用 CA certificate, DER hex",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_cert_len",
        doc: "length of the auth certificate, decimal",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_cert_len",
        doc: "length of the sign certificate, decimal",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_not_after",
        doc: "auth certificate NotAfter, YYYY-MM-DDTHH:MM:SSZ",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_not_after",
        doc: "sign certificate NotAfter, YYYY-MM-DDTHH:MM:SSZ",
        secret: false,
    },
    VarDoc {
        name: "persona.token_label",
        doc: "JPKI token label",
        secret: false,
    },
    VarDoc {
        name: "persona.auth_pin_tries",
        doc: "auth PIN tries left at manufacture",
        secret: false,
    },
    VarDoc {
        name: "persona.sign_password_tries",
        doc: "sign password tries left at manufacture",
        secret: false,
    },
    VarDoc {
        name: "persona.text_pin_tries",
        doc: "text PIN tries left at manufacture",
        secret: false,
    },
    VarDoc {
        name: "persona.juki_pin_tries",
        doc: "住民基本台帳用 PIN tries left at manufacture",
        secret: false,
    },
    VarDoc {
        name: "persona.check_a_tries",
        doc: "照合番号A tries left at manufacture (the persona's; no source states a real card's limit)",
        secret: false,
    },
    VarDoc {
        name: "persona.municipality_code",
        doc: "municipality code",
        secret: false,
    },
    VarDoc {
        name: "persona.wrong_auth_pin",
        doc: "a well-formed auth PIN that is not the right one",
        secret: false,
    },
    VarDoc {
        name: "persona.wrong_sign_password",
        doc: "a well-formed sign password that is not the right one",
        secret: false,
    },
    VarDoc {
        name: "persona.wrong_text_pin",
        doc: "a well-formed text PIN that is not the right one",
        secret: false,
    },
    VarDoc {
        name: "persona.wrong_juki_pin",
        doc: "a well-formed 住民基本台帳用 PIN that is not the right one",
        secret: false,
    },
    VarDoc {
        name: "persona.phone_auth_pin",
        doc: "the smartphone card's own 利用者証明用 PIN (seed 004; the Android PIN typed on the reader); empty without a smartphone card",
        secret: true,
    },
    VarDoc {
        name: "persona.phone_serial",
        doc: "the smartphone card's 利用者証明用 certificate serial, uppercase hex; empty without a smartphone card",
        secret: false,
    },
    VarDoc {
        name: "persona.phone_auth_pin_tries",
        doc: "the smartphone card's PIN tries left at manufacture (its own counter)",
        secret: false,
    },
    VarDoc {
        name: "persona.wrong_phone_auth_pin",
        doc: "a well-formed phone PIN that is not the smartphone card's",
        secret: false,
    },
];

/// Keys of `verify:`.
pub const VERIFY_KEYS: &[&str] = &["pin", "p2"];
/// Keys of `change_pin:`.
pub const CHANGE_PIN_KEYS: &[&str] = &["new", "command"];
/// `change_pin` commands (card-protocol.md §2.1).
pub const PIN_CHANGES: &[(&str, PinChange)] = &[
    ("change_reference_data", PinChange::ReferenceData),
    ("change_key", PinChange::ChangeKey),
];
/// Keys of `session_key:`.
pub const SESSION_KEY_KEYS: &[&str] = &["key"];
/// Commands of `secure:` (exactly one).
pub const SECURE_COMMANDS: &[&str] = &["verify", "select_ef", "read_binary"];
/// Keys of `secure: { read_binary: … }`.
pub const SECURE_READ_KEYS: &[&str] = &["offset", "le"];
/// Keys of `read_binary:`.
pub const READ_BINARY_KEYS: &[&str] = &["offset", "le", "extended"];
/// Keys of `read_file:`.
pub const READ_FILE_KEYS: &[&str] = &["strategy"];
/// Keys of `sign:`.
pub const SIGN_KEYS: &[&str] = &["p1", "p2", "data", "digest_info", "hash"];
/// Keys of `sign: { digest_info | hash: {…} }`.
pub const HASH_INPUT_KEYS: &[&str] = &["hash", "message"];
/// Keys of `get_challenge:`.
pub const GET_CHALLENGE_KEYS: &[&str] = &["le"];

/// Keys of `expect:` on a card step (docs/scenario-format.md "Expectations").
pub const EXPECT_KEYS: &[Doc] = &[
    Doc {
        name: "sw",
        doc: "any of these status words; `X` matches any nibble (`63CX`)",
    },
    Doc {
        name: "data",
        doc: "exact data, hex",
    },
    Doc {
        name: "data_len",
        doc: "data length: N or `{ min, max }`",
    },
    Doc {
        name: "data_prefix",
        doc: "the data starts with, hex",
    },
    Doc {
        name: "data_regex",
        doc: "regex over the data as uppercase hex",
    },
    Doc {
        name: "tlv",
        doc: "BER-TLV path (`FF20/DF22`) → `{ hex | text | len | present }`",
    },
    Doc {
        name: "cert",
        doc: "the data is a DER certificate with these fields",
    },
    Doc {
        name: "signature",
        doc: "the data is a signature that verifies with a certificate's key (`cert`) or a card key (`key`)",
    },
    Doc {
        name: "signed",
        doc: "the data carries a signature by a card key: a CV certificate, a signed record or the card face",
    },
    Doc {
        name: "tries_left",
        doc: "the status word is `63Cx` with this many tries left: N, or `{ from, minus }`",
    },
];
/// Keys of a length range.
pub const LEN_RANGE_KEYS: &[&str] = &["min", "max"];
/// Keys of one `tlv:` check (exactly one).
pub const TLV_EXPECT_KEYS: &[&str] = &["hex", "text", "len", "present"];
/// Keys of `cert:`.
pub const CERT_KEYS: &[&str] = &[
    "subject_contains",
    "issuer_contains",
    "serial",
    "eku",
    "key_usage",
    "key_bits",
    "not_after",
    "san_other_names",
];
/// Keys of `signature:`.
pub const SIGNATURE_KEYS: &[&str] = &["cert", "key", "message", "hash", "scheme"];
/// Keys of `signed:`.
pub const SIGNED_KEYS: &[&str] = &["by", "layout", "signature"];
/// `signed:` layouts.
pub const SIGNED_LAYOUTS: &[(&str, SignedLayout)] = &[
    ("cv-certificate", SignedLayout::CvCertificate),
    ("record", SignedLayout::Record),
    ("card-face", SignedLayout::CardFace),
];
/// Keys of `tries_left:` written as a map.
pub const TRIES_KEYS: &[&str] = &["from", "minus"];
/// Keys of a capture written as a map.
pub const CAPTURE_KEYS: &[&str] = &["from", "secret"];

/// `power:` values.
pub const POWER_ACTIONS: &[(&str, PowerAction)] = &[
    ("off", PowerAction::Off),
    ("on", PowerAction::On),
    ("reset", PowerAction::Reset),
];
/// `read_file` strategies (card-protocol.md §2.3).
pub const READ_STRATEGIES: &[(&str, ReadStrategy)] = &[
    ("header7", ReadStrategy::Header7),
    ("chunk255", ReadStrategy::Chunk255),
    ("extended", ReadStrategy::Extended),
    ("header4", ReadStrategy::Header4),
    ("overread", ReadStrategy::Overread),
];
/// Hash names.
pub const HASHES: &[(&str, HashAlg)] = &[
    ("sha1", HashAlg::Sha1),
    ("sha256", HashAlg::Sha256),
    ("sha384", HashAlg::Sha384),
    ("sha512", HashAlg::Sha512),
];
/// Signature schemes.
pub const SCHEMES: &[(&str, SigScheme)] = &[
    ("pkcs1v15", SigScheme::Pkcs1v15),
    ("pkcs1v15-bare-hash", SigScheme::Pkcs1v15BareHash),
    ("pss", SigScheme::Pss),
];
/// Extended key usage names (RFC 5280 §4.2.1.12); a dotted OID is also accepted.
pub const EKU_NAMES: &[&str] = &[
    "serverAuth",
    "clientAuth",
    "codeSigning",
    "emailProtection",
    "timeStamping",
    "OCSPSigning",
];
/// Key usage bit names (RFC 5280 §4.2.1.3).
pub const KEY_USAGE_NAMES: &[&str] = &[
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// Whether `text` is a dotted OID like `1.2.392.200149.8.5.5.1`.
pub fn is_oid(text: &str) -> bool {
    let mut arcs = text.split('.');
    let first_two = arcs.next().is_some() && arcs.next().is_some();
    first_two
        && text
            .split('.')
            .all(|arc| !arc.is_empty() && arc.chars().all(|c| c.is_ascii_digit()) && arc.len() < 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids() {
        assert!(is_oid("1.2.392.200149.8.5.5.1"));
        assert!(is_oid("2.5"));
        assert!(!is_oid("2"));
        assert!(!is_oid("1..2"));
        assert!(!is_oid("clientAuth"));
    }
}
