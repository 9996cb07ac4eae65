//! The screen vocabulary: the fixed core ids every reader reports
//! (DESIGN §6), each with the source it stands for, and the screen as
//! observed (id and visible fields).
//!
//! On the wire a screen id is an open set: a core id, or a namespaced
//! vendor id (`vendor:…`) that scenarios match only explicitly. An unknown
//! core id is an error of the reader under test ([`ScreenName::parse`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! screens {
    ($( $variant:ident = $name:literal : $doc:literal ),* $(,)?) => {
        /// A core screen id (DESIGN §6; health-insurance-system.md §1).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ScreenId {
            $( #[doc = $doc] $variant, )*
        }

        impl ScreenId {
            /// Every core id, in vocabulary order.
            pub const ALL: &'static [ScreenId] = &[$(ScreenId::$variant),*];

            /// The id as written on the wire and in scenarios.
            pub fn as_str(self) -> &'static str {
                match self { $( ScreenId::$variant => $name, )* }
            }

            /// One line for people (schema descriptions, PROTOCOL.md).
            pub fn doc(self) -> &'static str {
                match self { $( ScreenId::$variant => $doc, )* }
            }

            /// The core id written `name`.
            pub fn from_name(name: &str) -> Option<ScreenId> {
                match name { $( $name => Some(ScreenId::$variant), )* _ => None }
            }
        }
    };
}

screens! {
    Idle = "idle": "waiting for a card (無人運転モード, §1.2 S0)",
    CardUnreadable = "card_unreadable": "the card could not be read; field `hint`: cover, orientation, face_down (seed 003: カバー等は外して, 顔写真を表にして縦向き; §1.6 001)",
    NotMyNumberCard = "not_my_number_card": "something other than a My Number Card was placed (§1.6 002)",
    AuthMethod = "auth_method": "本人確認方法選択; field `methods`: face, pin (not for a face-only card), smartphone (§1.2 S2)",
    FaceCapture = "face_capture": "顔認証 in progress; fields `attempt`, `attempts_left` (§1.2 S3a)",
    FaceFailed = "face_failed": "face authentication failed too often: PIN or staff (顔認証エラー時は暗証番号, §1.2 S3a)",
    PinEntry = "pin_entry": "4-digit 利用者証明用 PIN entry; field `tries_left` as the card answered (§1.4)",
    PinLocked = "pin_locked": "the card's 利用者証明用 PIN is blocked; unlock at the municipality (§1.4)",
    RegistrationRequired = "registration_required": "「保険証として利用するための登録が必要です」: buttons continue (続ける), stop (やめる) (seed 003)",
    RegistrationTerms = "registration_terms": "マイナポータル利用規約: buttons agree (同意して進む), stop (やめる) (seed 003)",
    RegistrationDone = "registration_done": "「保険証利用登録が完了しました」: button get_qualification (資格情報を取得する) (seed 003)",
    Cancelled = "cancelled": "the holder chose やめる; remove the card",
    NoEligibility = "no_eligibility": "no qualification in force; field `validity` (QualificationValidity, §4.3)",
    EligibilityOutage = "eligibility_outage": "the eligibility service is down (§1.7: 緊急時医療情報・資格確認)",
    EligibilityTimeout = "eligibility_timeout": "the eligibility service did not answer within the configured time (§1.6 タイムオーバー)",
    EligibilityError = "eligibility_error": "the eligibility service answered an error; field `code`",
    CertificateExpired = "certificate_expired": "利用者証明用電子証明書の有効期限切れ (§1.6 006)",
    CertificateRevoked = "certificate_revoked": "利用者証明用電子証明書の失効 (§1.6 006)",
    CertificateExpiring = "certificate_expiring": "alert from three months before expiry: renew at the municipality; button ok (§1.6)",
    CertificateGrace = "certificate_grace": "expired but within the grace period: eligibility only, no medical-information consent; button ok (§4.6)",
    ConsentBulk = "consent_bulk": "包括同意 (from 2024-10-07): buttons agree_all, choose_each (§2.3)",
    ConsentCheckup = "consent_checkup": "特定健診 (40–74) / 後期高齢者健診 (75+) information: agree, decline; field `label` (seed 001, §2.4)",
    ConsentMedical = "consent_medical": "「過去の手術以外の診療・お薬情報」: agree, decline (seed 003)",
    ConsentHighCost = "consent_high_cost": "「高額療養費制度を利用しますか」 (until 2024-10-06): yes, no (§2.3)",
    ConsentLimit = "consent_limit": "限度額情報 「提供する」/「提供しない」 (until 2024-10-06): agree, decline (seed 000, §2.3)",
    Done = "done": "マイナ受付完了: remove the card; field `name` is the holder's (seed 003)",
    CardForgotten = "card_forgotten": "the card was left on the reader after the visit (seed 003: カードの取り忘れにご注意ください)",
    TimedOut = "timed_out": "a waiting screen timed out; remove the card (§1.6)",
    PhoneType = "phone_type": "smartphone: choose iphone or android (seed 004 Step 2)",
    PhoneAuthIphone = "phone_auth_iphone": "authenticate on the iPhone itself (Face ID/Touch ID), then hold it (seed 004 Step 3, §1.5)",
    PhonePin = "phone_pin": "Android: the 4-digit スマホ用利用者証明用 PIN on the reader; field `tries_left` (§1.5)",
    PhoneHold = "phone_hold": "hold the phone to the generic (汎用) reader (seed 004 Step 4)",
    PhoneRefused = "phone_refused": "the smartphone card cannot be used; field `reason`: under_15, certificate (seed 004 A17, A18)",
}

impl fmt::Display for ScreenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A screen name as a reader reports it: a core id or a vendor id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScreenName {
    /// One of the core ids.
    Core(ScreenId),
    /// `vendor:…`, matched only when a scenario names it.
    Vendor(String),
}

impl ScreenName {
    /// Parses a reported id: a core id, `vendor:…`, or an error naming the
    /// unknown core id.
    pub fn parse(text: &str) -> Result<ScreenName, String> {
        if let Some(rest) = text.strip_prefix("vendor:") {
            if rest.is_empty() {
                return Err("empty vendor screen id `vendor:`".into());
            }
            return Ok(ScreenName::Vendor(text.to_string()));
        }
        ScreenId::from_name(text)
            .map(ScreenName::Core)
            .ok_or_else(|| format!("unknown core screen id `{text}`"))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        match self {
            ScreenName::Core(id) => id.as_str(),
            ScreenName::Vendor(name) => name,
        }
    }
}

/// What the reader shows: the screen id and the visible fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// The screen id (a core id or `vendor:…`).
    pub id: String,
    /// Visible fields by name (`name`, `tries_left`, `methods`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
}

impl Screen {
    /// A core screen without fields.
    pub fn core(id: ScreenId) -> Screen {
        Screen {
            id: id.as_str().to_string(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a visible field.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Screen {
        self.fields.insert(name.to_string(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_id_round_trips_and_is_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for id in ScreenId::ALL {
            assert!(seen.insert(id.as_str()), "{id} twice");
            assert_eq!(ScreenId::from_name(id.as_str()), Some(*id));
            assert!(!id.doc().is_empty());
        }
    }

    #[test]
    fn vendor_ids_pass_and_unknown_core_ids_do_not() {
        assert_eq!(
            ScreenName::parse("vendor:acme.splash"),
            Ok(ScreenName::Vendor("vendor:acme.splash".into()))
        );
        assert_eq!(
            ScreenName::parse("done"),
            Ok(ScreenName::Core(ScreenId::Done))
        );
        assert!(ScreenName::parse("dnoe").is_err());
        assert!(ScreenName::parse("vendor:").is_err());
    }
}
