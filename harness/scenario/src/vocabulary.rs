//! Every key and name of the scenario format, in one place: the parser
//! checks against these tables and the JSON Schema is built from them, so
//! the two cannot drift.

use crate::ast::{Family, HashAlg, Level, PowerAction, ReadStrategy, SigScheme};
use crate::expectations::ExpectedVerdict;

/// Keys of a scenario file.
pub const SCENARIO_KEYS: &[&str] = &[
    "id",
    "title",
    "family",
    "requirements",
    "level",
    "tags",
    "applies_if",
    "persona",
    "vars",
    "steps",
    "finally",
];

/// Keys of a fragment file.
pub const FRAGMENT_KEYS: &[&str] = &["steps", "vars"];

/// Step keys that modify an action.
pub const STEP_MODIFIERS: &[&str] = &["name", "repeat", "expect", "capture", "level"];

/// The step key that includes a fragment's steps (any family).
pub const INCLUDE_KEY: &str = "include";

/// Card action keys, with a one-line summary for the schema.
pub const CARD_ACTIONS: &[(&str, &str)] = &[
    ("apdu", "Raw C-APDU in hex (spaces free, ${…} allowed)"),
    (
        "select",
        "SELECT an application by name (jpki, text, surface, common, juki, isd) or hex AID",
    ),
    (
        "select_ef",
        "SELECT an EF of the current application by name or 4 hex digits",
    ),
    (
        "verify",
        "VERIFY: { pin } or {} for the empty status query; optional p2 (hex)",
    ),
    ("change_pin", "CHANGE REFERENCE DATA: { new }"),
    ("read_binary", "One READ BINARY: { offset, le, extended }"),
    ("read_file", "Read the whole current EF: { strategy }"),
    (
        "sign",
        "COMPUTE DIGITAL SIGNATURE: { p1, p2, data | digest_info | hash }",
    ),
    ("get_challenge", "GET CHALLENGE: { le }"),
    ("power", "off, on or reset"),
];

/// Keys of `verify:`.
pub const VERIFY_KEYS: &[&str] = &["pin", "p2"];
/// Keys of `change_pin:`.
pub const CHANGE_PIN_KEYS: &[&str] = &["new"];
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

/// Keys of `expect:` on a card step.
pub const EXPECT_KEYS: &[&str] = &[
    "sw",
    "data",
    "data_len",
    "data_prefix",
    "data_regex",
    "tlv",
    "cert",
    "signature",
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
pub const SIGNATURE_KEYS: &[&str] = &["cert", "message", "hash", "scheme"];
/// Keys of a capture written as a map.
pub const CAPTURE_KEYS: &[&str] = &["from", "secret"];
/// Keys of a variable written as a map.
pub const VAR_KEYS: &[&str] = &["value", "secret"];

/// Keys of a requirement catalogue entry.
pub const REQUIREMENT_KEYS: &[&str] =
    &["id", "text", "level", "family", "source", "since", "until"];
/// Keys of an expectations-file entry.
pub const EXPECTATION_KEYS: &[&str] = &["id", "reason", "verdict"];

/// Families by name.
pub const FAMILIES: &[(&str, Family)] = &[
    ("card", Family::Card),
    ("reader", Family::Reader),
    ("portal", Family::Portal),
    ("oqs", Family::Oqs),
];
/// Levels by name.
pub const LEVELS: &[(&str, Level)] = &[("must", Level::Must), ("should", Level::Should)];
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
/// Application names accepted by `select:` (see `crate::names`).
pub const APP_NAMES: &[&str] = &["jpki", "text", "surface", "common", "juki", "isd"];
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
/// Verdicts an expectations-file entry may name.
pub const EXPECTED_VERDICTS: &[(&str, ExpectedVerdict)] = &[
    ("fail", ExpectedVerdict::Fail),
    ("warn", ExpectedVerdict::Warn),
    ("error", ExpectedVerdict::Error),
    ("skip", ExpectedVerdict::Skip),
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

    #[test]
    fn app_names_match_the_names_module() {
        for name in APP_NAMES {
            let app = crate::names::app_by_name(name).unwrap();
            assert_eq!(crate::names::app_name(app), *name);
        }
    }
}
