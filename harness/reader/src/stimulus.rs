//! What the harness does to a reader (DESIGN §6): the stimuli, typed. The
//! same types are the adapter protocol's (`PROTOCOL.md`), the reference
//! reader's input and the fuzzer's alphabet.

use std::fmt;

use myna_card_emu::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What is put on the card reader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CardKind {
    /// The scenario's My Number Card (the card target).
    #[default]
    MyNumber,
    /// Some other IC card (§1.6 002).
    Other,
}

/// How the card lies on the reader (seed 003: カバー等は外してください,
/// 顔写真を表にして縦向きに置いてください).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Placement {
    /// Portrait, photo up, no cover.
    #[default]
    Correct,
    /// In a cover (✗ カバーあり).
    Covered,
    /// Landscape instead of portrait (縦向き).
    Landscape,
    /// Photo down (顔写真を表に).
    FaceDown,
}

/// An authentication method on the 本人確認方法選択 screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// 顔認証.
    Face,
    /// 暗証番号.
    Pin,
    /// The smartphone's マイナンバーカード (seed 004).
    Smartphone,
}

impl Method {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Face => "face",
            Method::Pin => "pin",
            Method::Smartphone => "smartphone",
        }
    }
}

/// The camera's verdict on one face-matching attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceOutcome {
    /// The face matches the card's photo.
    Match,
    /// It does not.
    Mismatch,
}

/// The kind of smartphone (seed 004 Step 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phone {
    /// Authenticates on the phone (Face ID/Touch ID).
    Iphone,
    /// 4-digit PIN on the reader.
    Android,
}

/// A button on a screen (the seeds' words beside each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Button {
    /// 続ける.
    Continue,
    /// やめる.
    Stop,
    /// 同意して進む / 同意する / 提供する.
    Agree,
    /// 同意しない / 提供しない.
    Decline,
    /// 資格情報を取得する.
    GetQualification,
    /// 包括同意: すべてに同意する.
    AgreeAll,
    /// 包括同意: 個別に選択する.
    ChooseEach,
    /// はい.
    Yes,
    /// いいえ.
    No,
    /// OK / 確認.
    Ok,
}

impl Button {
    /// Every button.
    pub const ALL: &'static [Button] = &[
        Button::Continue,
        Button::Stop,
        Button::Agree,
        Button::Decline,
        Button::GetQualification,
        Button::AgreeAll,
        Button::ChooseEach,
        Button::Yes,
        Button::No,
        Button::Ok,
    ];

    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Button::Continue => "continue",
            Button::Stop => "stop",
            Button::Agree => "agree",
            Button::Decline => "decline",
            Button::GetQualification => "get_qualification",
            Button::AgreeAll => "agree_all",
            Button::ChooseEach => "choose_each",
            Button::Yes => "yes",
            Button::No => "no",
            Button::Ok => "ok",
        }
    }
}

/// PIN digits typed on the reader: a [`Secret`] that travels as a string
/// on the wire and never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct PinDigits(pub Secret);

impl PinDigits {
    /// Wraps typed digits.
    pub fn new(text: &str) -> PinDigits {
        PinDigits(Secret::new(text.as_bytes().to_vec()))
    }

    /// The digits as text (for sending; never print them).
    pub fn expose_text(&self) -> String {
        String::from_utf8_lossy(self.0.expose()).into_owned()
    }
}

impl fmt::Debug for PinDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinDigits(<redacted>)")
    }
}

impl Serialize for PinDigits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.expose_text())
    }
}

impl<'de> Deserialize<'de> for PinDigits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(PinDigits::new(&text))
    }
}

/// How far to move the reader's virtual clock, or where to set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClockChange {
    /// Forward by this many seconds.
    AdvanceSeconds(u64),
    /// To `YYYY-MM-DDTHH:MM[:SS]` (Japan local time).
    Set(String),
}

/// One stimulus (DESIGN §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stimulus", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Stimulus {
    /// A card is placed on the reader.
    PlaceCard {
        /// What card.
        #[serde(default)]
        card: CardKind,
        /// How it lies.
        #[serde(default)]
        placement: Placement,
        /// The card face carries the 「顔認証」 marking of a face-only card
        /// (health-insurance-system.md §1.4): what the reader's camera sees.
        #[serde(default)]
        face_only_marking: bool,
    },
    /// The card (or phone) is taken away.
    RemoveCard,
    /// A method on the 本人確認方法選択 screen.
    ChooseMethod {
        /// The method.
        method: Method,
    },
    /// The camera's verdict.
    FaceResult {
        /// Match or mismatch.
        outcome: FaceOutcome,
    },
    /// A button.
    Press {
        /// Which.
        button: Button,
    },
    /// PIN digits (a secret).
    EnterPin {
        /// The digits.
        digits: PinDigits,
    },
    /// iPhone or Android.
    SelectPhone {
        /// Which.
        phone: Phone,
    },
    /// The holder authenticated on the iPhone itself.
    PhoneAuthenticated,
    /// The phone is held to the generic reader.
    HoldPhone,
    /// Staff confirmed the holder by sight (目視確認, §1.3).
    StaffVisualCheck,
    /// The reader's clock moves (timeouts, consent validity).
    Clock {
        /// How.
        change: ClockChange,
    },
}

impl Stimulus {
    /// The stimulus name as written on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Stimulus::PlaceCard { .. } => "place_card",
            Stimulus::RemoveCard => "remove_card",
            Stimulus::ChooseMethod { .. } => "choose_method",
            Stimulus::FaceResult { .. } => "face_result",
            Stimulus::Press { .. } => "press",
            Stimulus::EnterPin { .. } => "enter_pin",
            Stimulus::SelectPhone { .. } => "select_phone",
            Stimulus::PhoneAuthenticated => "phone_authenticated",
            Stimulus::HoldPhone => "hold_phone",
            Stimulus::StaffVisualCheck => "staff_visual_check",
            Stimulus::Clock { .. } => "clock",
        }
    }
}

/// Every stimulus name, with a one-line doc (capabilities, PROTOCOL.md).
pub const STIMULI: &[(&str, &str)] = &[
    (
        "place_card",
        "a card is placed: `card` my_number|other, `placement`, `face_only_marking`",
    ),
    ("remove_card", "the card or phone is taken away"),
    (
        "choose_method",
        "`method` face|pin|smartphone on the 本人確認方法選択 screen",
    ),
    (
        "face_result",
        "`outcome` match|mismatch of one face-matching attempt",
    ),
    ("press", "`button` on the current screen"),
    ("enter_pin", "`digits` of the PIN (a secret)"),
    ("select_phone", "`phone` iphone|android"),
    (
        "phone_authenticated",
        "the holder authenticated on the iPhone",
    ),
    ("hold_phone", "the phone is held to the generic reader"),
    (
        "staff_visual_check",
        "staff confirmed the holder by sight (目視確認)",
    ),
    ("clock", "`change` {advance_seconds: N} | {set: DATETIME}"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stimuli_round_trip_and_pins_never_print() {
        let pin = Stimulus::EnterPin {
            digits: PinDigits::new("4826"),
        };
        let json = serde_json::to_string(&pin).unwrap();
        assert_eq!(json, r#"{"stimulus":"enter_pin","digits":"4826"}"#);
        assert_eq!(serde_json::from_str::<Stimulus>(&json).unwrap(), pin);
        assert!(!format!("{pin:?}").contains("4826"));
        let place: Stimulus = serde_json::from_str(r#"{"stimulus":"place_card"}"#).unwrap();
        assert_eq!(place.name(), "place_card");
        assert!(
            serde_json::from_str::<Stimulus>(r#"{"stimulus":"press","button":"maybe"}"#).is_err()
        );
        for s in [
            Stimulus::RemoveCard,
            Stimulus::Clock {
                change: ClockChange::AdvanceSeconds(5),
            },
        ] {
            assert!(STIMULI.iter().any(|(n, _)| *n == s.name()));
        }
    }
}
