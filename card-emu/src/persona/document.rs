//! The `persona.yaml` schema, and the only place YAML is parsed or written.
//!
//! The document is the human-readable half of a persona; the DER files next
//! to it hold the keys and certificates. Values are checked for format when a
//! [`super::Persona`] is built from it, not here.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A secret value as written in `persona.yaml`: must be a quoted string (so
/// leading zeros survive); its value never appears in Debug output or in a
/// parse error.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(pub String);

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

struct SecretTextVisitor;

impl SecretTextVisitor {
    fn refuse<E: de::Error>() -> E {
        E::custom("a secret value must be a quoted string (value not shown)")
    }
}

impl<'de> Visitor<'de> for SecretTextVisitor {
    type Value = SecretText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quoted string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretText, E> {
        Ok(SecretText(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<SecretText, E> {
        Ok(SecretText(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretText, E> {
        Err(Self::refuse())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretText, E> {
        Err(Self::refuse())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretText, E> {
        Err(Self::refuse())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretText, E> {
        Err(Self::refuse())
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<SecretText, E> {
        Err(Self::refuse())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<SecretText, A::Error> {
        Err(Self::refuse())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<SecretText, A::Error> {
        Err(Self::refuse())
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretTextVisitor)
    }
}

/// `persona.yaml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaDocument {
    /// Must be `true`: every persona is TEST ONLY material.
    pub test_only: bool,
    /// Directory name and persona id, e.g. `taro`.
    pub id: String,
    /// One line on what the persona is for.
    #[serde(default)]
    pub description: String,
    /// 氏名 in 漢字, family and given name separated by U+3000.
    pub name: String,
    /// 氏名 in katakana, separated by U+3000.
    pub name_kana: String,
    /// 住所, UTF-8 with full-width digits.
    pub address: String,
    /// Romaji prefecture and city, for the 署名用 certificate subject `L=`s.
    pub locality_romaji: LocalityRomaji,
    /// 生年月日 `YYYYMMDD`.
    pub birth_date: String,
    /// 性別, JIS X 0303 digit (1 male, 2 female, 9 not applicable, 0 unknown).
    pub sex: u8,
    /// 個人番号 (= 照合番号A), 12 digits with a valid check digit.
    pub my_number: SecretText,
    /// 利用者証明用 PIN, 4 digits; absent on face-only cards.
    pub auth_pin: Option<SecretText>,
    /// 署名用パスワード, 6–16 of A–Z 0–9 with ≥1 letter and ≥1 digit; absent
    /// for under-15s and face-only cards.
    pub sign_password: Option<SecretText>,
    /// 券面事項入力補助用 PIN, 4 digits; absent on face-only cards.
    pub text_pin: Option<SecretText>,
    /// 住民基本台帳用 PIN (共通AP/住基AP 001C), 4 digits; absent when unset.
    #[serde(default)]
    pub juki_pin: Option<SecretText>,
    /// セキュリティコード printed on the card, 4 digits.
    pub security_code: SecretText,
    /// Derived 生年月日 key (和暦 YYMMDD); written for readers, checked on load.
    #[serde(default)]
    pub birth_key: Option<SecretText>,
    /// Derived 照合番号B; written for readers, checked on load.
    #[serde(default)]
    pub check_b: Option<SecretText>,
    /// Card expiry `YYYYMMDD`.
    pub card_expiry: String,
    /// 5-digit municipality code.
    pub municipality_code: String,
    /// 15-digit card serial (共通AP EF 0001).
    pub card_serial: String,
    /// 利用者証明用電子証明書.
    pub auth_cert: CertificateEntry,
    /// 署名用電子証明書; absent when not issued.
    pub sign_cert: Option<CertificateEntry>,
    /// Face-only card (顔認証マイナンバーカード): no PINs set.
    #[serde(default)]
    pub face_only: bool,
    /// ATR as hex; default the contact ATR of card-protocol.md §4.
    #[serde(default)]
    pub atr: Option<String>,
    /// JPKI token label; default `JPKIAPICCTOKEN2`.
    #[serde(default)]
    pub token_label: Option<String>,
    /// The other JPKI EF 0006 fields; defaults of [`crate::persona::TokenInfo`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_info: Option<TokenInfoEntries>,
    /// Retry limits and tries left at manufacture; defaults per secret.
    #[serde(default)]
    pub retries: RetryEntries,
    /// Behaviour where sources disagree; defaults of [`crate::Quirks`].
    #[serde(default)]
    pub quirks: QuirkEntries,
    /// The holder's smartphone card (スマホ用電子証明書, seed 004); absent:
    /// the persona has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneEntry>,
}

/// The smartphone card of a persona (seed 004, health-insurance-system.md
/// §1.5): its own 利用者証明用 certificate serial, PIN and counter.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneEntry {
    /// The スマホ用利用者証明用 PIN, 4 digits (the Android PIN typed on the
    /// reader, §1.5); its own, not the card's.
    pub auth_pin: SecretText,
    /// The phone certificate's serial, uppercase hex; default the card's
    /// auth serial + 0x1000000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The applications the phone carries (`jpki`, `text`, `surface`,
    /// `common`, `juki`); default `[jpki]`. Uncertain: card-protocol.md §4
    /// (myna-go c511221) has the text and surface APs absent on the phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applications: Option<Vec<String>>,
    /// The phone PIN's own counter (default 3, as the card's; uncertain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<CounterEntry>,
}

/// Romaji locality for the 署名用 certificate subject.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalityRomaji {
    /// e.g. `Tokyo-to`.
    pub prefecture: String,
    /// e.g. `Chiyoda-ku`.
    pub city: String,
}

/// What `persona.yaml` records about a certificate (the DER file is authoritative).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateEntry {
    /// Serial number, uppercase hex without leading zeros.
    pub serial: String,
    /// Subject CN.
    pub subject_cn: String,
    /// NotBefore `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: String,
    /// NotAfter `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: String,
}

/// One secret's counter.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterEntry {
    /// Retry limit.
    pub max: u8,
    /// Tries left at manufacture; default `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<u8>,
}

/// Counters per secret; absent ones take their defaults.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryEntries {
    /// 利用者証明用 PIN (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_pin: Option<CounterEntry>,
    /// 署名用パスワード (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_password: Option<CounterEntry>,
    /// 券面事項入力補助用 PIN (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_pin: Option<CounterEntry>,
    /// 住民基本台帳用 PIN (default 3; not stated by the sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub juki_pin: Option<CounterEntry>,
    /// 照合番号A (default 10; unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_a: Option<CounterEntry>,
    /// 照合番号B (default 10; unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_b: Option<CounterEntry>,
    /// 生年月日 key (default 10; unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_key: Option<CounterEntry>,
}

/// Quirk overrides (see [`crate::Quirks`]), SWs as 4 hex digits.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuirkEntries {
    /// e.g. `"6B00"` or `"6282"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_past_end_sw: Option<String>,
    /// e.g. `"9000"`; absent = answer `63Cx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_verify_after_success: Option<String>,
    /// Empty VERIFY of a secret not set, e.g. `"6984"`; absent = `63Cx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_verify_unset_sw: Option<String>,
    /// Whether GET DATA 5F51 answers at the MF (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_atr_at_mf: Option<bool>,
    /// Whether 照合番号B opens text EF 0003 (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_integrity_by_check_b: Option<bool>,
}

/// JPKI EF 0006 field overrides; absent ones take their defaults.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInfoEntries {
    /// manufacturerID, at most 32 ASCII bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// model, at most 16 ASCII bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// flags as hex, e.g. `"040D"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// ulMaxPinLen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pin_len: Option<u32>,
    /// ulMinPinLen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pin_len: Option<u32>,
    /// hardwareVersion, two ASCII bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_version: Option<String>,
    /// firmwareVersion, two ASCII bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
}

impl PersonaDocument {
    /// Parses `persona.yaml` text. The error message has line and column and
    /// never a secret value.
    pub fn from_yaml(text: &str) -> Result<PersonaDocument, String> {
        serde_yaml::from_str(text).map_err(|e| e.to_string())
    }

    /// Writes the document as YAML, preceded by a TEST ONLY banner.
    pub fn to_yaml(&self) -> Result<String, String> {
        let body = serde_yaml::to_string(self).map_err(|e| e.to_string())?;
        Ok(format!(
            "# TEST ONLY — synthetic persona for myna-conform. Not a real person; the PINs,\n\
             # passwords and 個人番号 below are test values. Generated by\n\
             # `cargo run --release -p myna-card-emu --example gen_personas -- vectors/personas`.\n\
             {body}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_secret_is_refused_without_echoing_it() {
        let yaml = "4812";
        let err = serde_yaml::from_str::<SecretText>(yaml)
            .map(|_| ())
            .expect_err("must be refused");
        let text = err.to_string();
        assert!(text.contains("quoted string"), "{text}");
        assert!(!text.contains("4812"), "{text}");
    }

    #[test]
    fn quoted_secret_is_kept_and_redacted_in_debug() {
        let secret: SecretText = serde_yaml::from_str("\"0481\"").expect("string");
        assert_eq!(secret.0, "0481");
        assert!(!format!("{secret:?}").contains("0481"));
    }
}
