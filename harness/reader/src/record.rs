//! The output record a reader writes for the clinic system after each visit
//! (資格確認結果, health-insurance-system.md §1.1, §1.2 S6): how the holder
//! was authenticated, the qualification result, and the consent flags with
//! their times (§2.1).

use serde::{Deserialize, Serialize};

use crate::consent::{ConsentEntry, ConsentItem, RuleSet};

/// How the holder was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthBy {
    /// 顔認証.
    Face,
    /// 暗証番号 (the card's VERIFY answered 9000).
    Pin,
    /// 目視確認 by staff (§1.3).
    Visual,
    /// iPhone (on the phone).
    Iphone,
    /// Android (PIN on the reader).
    Android,
}

/// How a visit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VisitEnd {
    /// Reached マイナ受付完了.
    Completed,
    /// The card was removed before.
    Removed,
    /// A waiting screen timed out.
    TimedOut,
    /// The holder chose やめる.
    Cancelled,
    /// The eligibility check ended on an error screen (no eligibility,
    /// outage, timeout, certificate expired or revoked, …).
    Refused,
}

/// What the eligibility check gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// The screen the check led to (`consent_*`, `no_eligibility`, …).
    pub outcome: String,
    /// `QualificationValidity` (§4.3), when answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<String>,
    /// `ProcessingResultCode`, when answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 保険者番号 of the first result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_number: Option<String>,
    /// The holder's name as answered (the name the reader shows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One visit's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRecord {
    /// 1, 2, … per reader.
    pub visit: u32,
    /// The 利用者証明用 certificate serial read from the card (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// How the holder was authenticated, when they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthBy>,
    /// How the visit ended.
    pub end: VisitEnd,
    /// The screen shown when it ended.
    pub last_screen: String,
    /// The eligibility check, when one was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Qualification>,
    /// The consent rule set in force (§2.3).
    pub rules: RuleSet,
    /// One entry per item ([`ConsentItem::ALL`]), always all of them.
    pub consents: Vec<ConsentEntry>,
    /// When the visit ended.
    pub ended_at: String,
}

impl OutputRecord {
    /// The entry of `item`.
    pub fn consent(&self, item: ConsentItem) -> Option<&ConsentEntry> {
        self.consents.iter().find(|c| c.item == item)
    }
}
