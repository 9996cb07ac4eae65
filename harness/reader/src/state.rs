//! The reader's states as types (STYLE 2): what each screen waits for is
//! carried by its variant, so a transition cannot forget a visit's data.

use std::collections::BTreeMap;

use time::PrimitiveDateTime;

use crate::consent::{checkup_label, ConsentChoice, ConsentItem, RuleSet};
use crate::eligibility::Holder;
use crate::record::{AuthBy, Qualification};
use crate::screen::{Screen, ScreenId};
use crate::stimulus::{Phone, PinDigits, Placement};

/// One holder's visit, from the card recognised to the record written.
#[derive(Clone, Debug, Default)]
pub struct Visit {
    /// The visit number the record will carry.
    pub number: u32,
    /// The card face carries the 「顔認証」 marking: no PIN is offered.
    pub face_only: bool,
    /// The smartphone, when this visit is on one.
    pub phone: Option<Phone>,
    /// The certificate serial read from the card.
    pub serial: Option<String>,
    /// How the holder was authenticated.
    pub auth: Option<AuthBy>,
    /// The eligibility check's summary.
    pub qualification: Option<Qualification>,
    /// The holder as answered.
    pub holder: Holder,
    /// Explicit choices so far, with their times.
    pub consents: BTreeMap<ConsentItem, (ConsentChoice, Option<PrimitiveDateTime>)>,
    /// The visit is in the certificate's grace period (eligibility only).
    pub in_grace: bool,
    /// The holder's age on the visit's day, from the answered birth date.
    pub age: Option<u32>,
    /// The consent rule set in force when the consent questions began.
    pub rules: Option<RuleSet>,
}

/// A consent question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentStep {
    /// 包括同意 (from 2024-10-07).
    Bulk,
    /// 特定健診.
    Checkup,
    /// 診療・お薬.
    Medical,
    /// 高額療養費制度の利用 (until 2024-10-06).
    HighCost,
    /// 限度額 (until 2024-10-06).
    Limit,
}

impl ConsentStep {
    /// Its screen.
    pub fn screen(self) -> ScreenId {
        match self {
            ConsentStep::Bulk => ScreenId::ConsentBulk,
            ConsentStep::Checkup => ScreenId::ConsentCheckup,
            ConsentStep::Medical => ScreenId::ConsentMedical,
            ConsentStep::HighCost => ScreenId::ConsentHighCost,
            ConsentStep::Limit => ScreenId::ConsentLimit,
        }
    }
}

/// Where the reader is.
#[derive(Clone, Debug)]
pub enum State {
    /// No card.
    Idle,
    /// A card lies badly.
    Unreadable(Placement),
    /// Not a My Number Card.
    NotMyNumber,
    /// 本人確認方法選択.
    AuthMethod(Visit),
    /// 顔認証, `attempts` failed so far.
    FaceCapture(Visit, u32),
    /// Face failed too often.
    FaceFailed(Visit),
    /// PIN entry; the tries left the card last answered.
    PinEntry(Visit, u8),
    /// The PIN is blocked.
    PinLocked(Visit),
    /// 登録が必要です.
    RegistrationRequired(Visit),
    /// 利用規約.
    RegistrationTerms(Visit),
    /// 登録完了.
    RegistrationDone(Visit),
    /// The three-month expiry alert.
    CertificateExpiring(Visit),
    /// In grace: eligibility only.
    CertificateGrace(Visit),
    /// A consent question.
    Consent(Visit, ConsentStep),
    /// Smartphone: iPhone or Android.
    PhoneType(Visit),
    /// iPhone: authenticate on the phone.
    PhoneAuthIphone(Visit),
    /// Android: PIN on the reader; the tries left when known.
    PhonePin(Visit, Option<u8>),
    /// Hold the phone; the Android PIN typed, to VERIFY when it is held.
    PhoneHold(Visit, Option<PinDigits>),
    /// The visit ended on this screen; the card (or phone) is still there.
    Finished(Screen),
}

impl State {
    /// The visit in progress, if any.
    pub fn visit(&self) -> Option<&Visit> {
        match self {
            State::Idle | State::Unreadable(_) | State::NotMyNumber | State::Finished(_) => None,
            State::AuthMethod(v)
            | State::FaceCapture(v, _)
            | State::FaceFailed(v)
            | State::PinEntry(v, _)
            | State::PinLocked(v)
            | State::RegistrationRequired(v)
            | State::RegistrationTerms(v)
            | State::RegistrationDone(v)
            | State::CertificateExpiring(v)
            | State::CertificateGrace(v)
            | State::Consent(v, _)
            | State::PhoneType(v)
            | State::PhoneAuthIphone(v)
            | State::PhonePin(v, _)
            | State::PhoneHold(v, _) => Some(v),
        }
    }

    /// Whether the screen waits for the holder (and so can time out).
    pub fn is_waiting(&self) -> bool {
        self.visit().is_some()
    }

    /// The screen shown.
    pub fn screen(&self) -> Screen {
        let name = |v: &Visit| v.holder.name.clone().unwrap_or_default();
        match self {
            State::Idle => Screen::core(ScreenId::Idle).with("methods", vec!["smartphone"]),
            State::Unreadable(placement) => {
                Screen::core(ScreenId::CardUnreadable).with("hint", hint(*placement))
            }
            State::NotMyNumber => Screen::core(ScreenId::NotMyNumberCard),
            State::AuthMethod(v) => {
                let methods: Vec<&str> = if v.face_only {
                    vec!["face"]
                } else {
                    vec!["face", "pin"]
                };
                Screen::core(ScreenId::AuthMethod).with("methods", methods)
            }
            State::FaceCapture(_, failed) => {
                Screen::core(ScreenId::FaceCapture).with("failed_attempts", *failed)
            }
            State::FaceFailed(v) => {
                let options: Vec<&str> = if v.face_only {
                    vec!["staff"]
                } else {
                    vec!["pin", "staff"]
                };
                Screen::core(ScreenId::FaceFailed).with("options", options)
            }
            State::PinEntry(_, tries) => {
                Screen::core(ScreenId::PinEntry).with("tries_left", *tries)
            }
            State::PinLocked(_) => Screen::core(ScreenId::PinLocked),
            State::RegistrationRequired(_) => Screen::core(ScreenId::RegistrationRequired),
            State::RegistrationTerms(_) => Screen::core(ScreenId::RegistrationTerms),
            State::RegistrationDone(_) => Screen::core(ScreenId::RegistrationDone),
            State::CertificateExpiring(v) => {
                Screen::core(ScreenId::CertificateExpiring).with("name", name(v))
            }
            State::CertificateGrace(v) => {
                Screen::core(ScreenId::CertificateGrace).with("name", name(v))
            }
            State::Consent(v, ConsentStep::Checkup) => Screen::core(ScreenId::ConsentCheckup)
                .with("name", name(v))
                .with("label", checkup_label(v.age)),
            State::Consent(v, step) => Screen::core(step.screen()).with("name", name(v)),
            State::PhoneType(_) => Screen::core(ScreenId::PhoneType),
            State::PhoneAuthIphone(_) => Screen::core(ScreenId::PhoneAuthIphone),
            State::PhonePin(_, tries) => match tries {
                Some(t) => Screen::core(ScreenId::PhonePin).with("tries_left", *t),
                None => Screen::core(ScreenId::PhonePin),
            },
            State::PhoneHold(_, _) => Screen::core(ScreenId::PhoneHold),
            State::Finished(screen) => screen.clone(),
        }
    }
}

fn hint(placement: Placement) -> &'static str {
    match placement {
        Placement::Covered => "cover",
        Placement::Landscape => "orientation",
        Placement::FaceDown => "face_down",
        Placement::Correct => "position",
    }
}
