//! Consent rules as a dated model (health-insurance-system.md §2): which
//! consent screens a reader shows on a date, what each choice records, and
//! how long a consent is valid.
//!
//! - Until 2024-10-06: 特定健診, 診療/薬剤 (seed 003: 「過去の手術以外の
//!   診療・お薬情報」), and for 高額療養費 users the 限度額 screen
//!   (seed 000; §2.3).
//! - From 2024-10-07: no 限度額 screen (its provision is statutory) and a
//!   包括同意 option (§2.3, 社保審 第175回 資料1 p.21).
//!
//! Consent is valid 24 hours (§2.2, portalsite FAQ post-14 Q3); changing it
//! needs a new card check (Q2). A consent flag is only ever set by an
//! explicit choice: a visit that ends before the choice records
//! [`ConsentChoice::None`].

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, PrimitiveDateTime};

use crate::screen::ScreenId;

/// The first day of the 2024-10-07 rule set.
pub fn rules_2024_10_07() -> Date {
    Date::from_calendar_date(2024, Month::October, 7).unwrap_or(Date::MIN)
}

/// How long a consent stays valid (§2.2: 24 hours).
pub const CONSENT_VALIDITY: Duration = Duration::hours(24);

/// The rule set in force on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleSet {
    /// In force until 2024-10-06: 限度額 screen for 高額療養費 users.
    Until20241006,
    /// From 2024-10-07: no 限度額 screen, 包括同意.
    From20241007,
}

impl RuleSet {
    /// The set in force on `date`.
    pub fn on(date: Date) -> RuleSet {
        if date < rules_2024_10_07() {
            RuleSet::Until20241006
        } else {
            RuleSet::From20241007
        }
    }

    /// The name as written (`2024-10-06`-style bound).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Until20241006 => "until-2024-10-06",
            RuleSet::From20241007 => "from-2024-10-07",
        }
    }

    /// The first consent screen of a visit.
    pub fn first_screen(self) -> ScreenId {
        match self {
            RuleSet::Until20241006 => ScreenId::ConsentCheckup,
            RuleSet::From20241007 => ScreenId::ConsentBulk,
        }
    }

    /// The 限度額 item when the rule set asks no question about it.
    pub fn limit_without_screen(self) -> ConsentChoice {
        match self {
            RuleSet::Until20241006 => ConsentChoice::NotAsked,
            RuleSet::From20241007 => ConsentChoice::Statutory,
        }
    }
}

/// An item a holder consents to (閲覧同意情報種別, §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsentItem {
    /// 特定健診 / 後期高齢者健診 (`TKK`, `SpecificHealthCheckupsInfoConsFlg`).
    Checkup,
    /// 診療・お薬 other than 手術 (`SRJ`/`YZK`, `DiagnosisInfoConsFlg`,
    /// `PharmacistsInfoConsFlg`).
    Medical,
    /// 限度額適用認定証 information (`LimitApplicationCertificateRelatedConsFlg`).
    Limit,
}

impl ConsentItem {
    /// Every item.
    pub const ALL: &'static [ConsentItem] = &[
        ConsentItem::Checkup,
        ConsentItem::Medical,
        ConsentItem::Limit,
    ];

    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentItem::Checkup => "checkup",
            ConsentItem::Medical => "medical",
            ConsentItem::Limit => "limit",
        }
    }

    /// The item written `name`.
    pub fn from_name(name: &str) -> Option<ConsentItem> {
        ConsentItem::ALL
            .iter()
            .copied()
            .find(|i| i.as_str() == name)
    }
}

/// What a visit recorded for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsentChoice {
    /// The holder agreed on screen.
    Agreed,
    /// The holder declined on screen.
    Declined,
    /// No explicit choice: the card was removed, the screen timed out, or
    /// the visit ended before the question (§1.2: removal must leave a
    /// defined state, never a silent "agreed").
    None,
    /// The rule set does not ask (the 限度額 screen of a holder who does not
    /// use 高額療養費, or any item of a visit in grace).
    NotAsked,
    /// Provided without a consent screen by law (限度額 from 2024-10-07).
    Statutory,
}

impl ConsentChoice {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChoice::Agreed => "agreed",
            ConsentChoice::Declined => "declined",
            ConsentChoice::None => "none",
            ConsentChoice::NotAsked => "not_asked",
            ConsentChoice::Statutory => "statutory",
        }
    }

    /// The 同意区分 flag for the clinic system (OQSCD016: 0 同意なし,
    /// 1 同意あり): `1` only for an explicit agreement or a statutory
    /// provision.
    pub fn flag(self) -> &'static str {
        match self {
            ConsentChoice::Agreed | ConsentChoice::Statutory => "1",
            ConsentChoice::Declined | ConsentChoice::None | ConsentChoice::NotAsked => "0",
        }
    }
}

/// One item's consent with its time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentEntry {
    /// The item.
    pub item: ConsentItem,
    /// What was chosen.
    pub choice: ConsentChoice,
    /// 同意区分 (`0`/`1`).
    pub flag: String,
    /// When the choice was made (`YYYY-MM-DDTHH:MM:SS`); absent without
    /// an explicit choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Until when it is valid (time + 24 h); absent without an agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl ConsentEntry {
    /// The entry for `choice` made at `at` (when explicit).
    pub fn new(item: ConsentItem, choice: ConsentChoice, at: Option<PrimitiveDateTime>) -> Self {
        let explicit = matches!(choice, ConsentChoice::Agreed | ConsentChoice::Declined);
        let at = at.filter(|_| explicit);
        ConsentEntry {
            item,
            choice,
            flag: choice.flag().to_string(),
            time: at.map(format_time),
            valid_until: at
                .filter(|_| choice == ConsentChoice::Agreed)
                .and_then(|t| t.checked_add(CONSENT_VALIDITY))
                .map(format_time),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS`.
pub fn format_time(t: PrimitiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The 同意区分 of an agreement made at `at`, seen at `now`: `1` while valid,
/// `2` 同意有効期限切れ after 24 hours (OQSCD016).
pub fn agreement_state(at: PrimitiveDateTime, now: PrimitiveDateTime) -> &'static str {
    match at.checked_add(CONSENT_VALIDITY) {
        Some(until) if now < until => "1",
        _ => "2",
    }
}

/// The label of the health-check consent for a holder of `age` (seed 001:
/// 特定健診 for 40–74, 後期高齢者健診 for 75+; §2.4 finds no age gate on the
/// screen itself, so the screen is shown to everyone).
pub fn checkup_label(age: Option<u32>) -> &'static str {
    match age {
        Some(a) if a >= 75 => "後期高齢者健診",
        _ => "特定健診",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Time;

    fn at(y: i32, m: Month, d: u8, h: u8) -> PrimitiveDateTime {
        PrimitiveDateTime::new(
            Date::from_calendar_date(y, m, d).unwrap(),
            Time::from_hms(h, 0, 0).unwrap(),
        )
    }

    #[test]
    fn the_rule_set_changes_on_2024_10_07() {
        let day = |d| Date::from_calendar_date(2024, Month::October, d).unwrap();
        assert_eq!(RuleSet::on(day(6)), RuleSet::Until20241006);
        assert_eq!(RuleSet::on(day(7)), RuleSet::From20241007);
        assert_eq!(RuleSet::on(day(6)).first_screen(), ScreenId::ConsentCheckup);
        assert_eq!(RuleSet::on(day(7)).first_screen(), ScreenId::ConsentBulk);
        assert_eq!(
            RuleSet::on(day(7)).limit_without_screen(),
            ConsentChoice::Statutory
        );
    }

    #[test]
    fn only_an_explicit_agreement_sets_a_flag_and_it_lasts_24_hours() {
        let t = at(2025, Month::April, 1, 9);
        let agreed = ConsentEntry::new(ConsentItem::Medical, ConsentChoice::Agreed, Some(t));
        assert_eq!(agreed.flag, "1");
        assert_eq!(agreed.valid_until.as_deref(), Some("2025-04-02T09:00:00"));
        let none = ConsentEntry::new(ConsentItem::Medical, ConsentChoice::None, Some(t));
        assert_eq!((none.flag.as_str(), none.time.as_deref()), ("0", None));
        assert_eq!(agreement_state(t, at(2025, Month::April, 2, 8)), "1");
        assert_eq!(agreement_state(t, at(2025, Month::April, 2, 9)), "2");
        assert_eq!(checkup_label(Some(80)), "後期高齢者健診");
        assert_eq!(checkup_label(Some(45)), "特定健診");
    }
}
