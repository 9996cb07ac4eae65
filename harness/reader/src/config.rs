//! The reference reader's settings. Every figure here is uncertain in the
//! sources (health-insurance-system.md §1.6: "Timeouts: no official value
//! found … make timeouts configurable"), so each is a field with its
//! default documented.

use serde::{Deserialize, Serialize};

/// Settings of the reference reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReaderConfig {
    /// Seconds a waiting screen waits for the holder before `timed_out`
    /// (default 60; no official value, §1.6).
    pub screen_timeout_s: u64,
    /// Seconds the card may stay on the reader after マイナ受付完了 before
    /// the `card_forgotten` reminder (default 10).
    pub forgotten_card_s: u64,
    /// Face-matching attempts before `face_failed` (default 3; the
    /// 「連続10回」 figure of §1.4 is about 照合番号B, so uncertain).
    pub face_attempts: u32,
    /// Milliseconds the eligibility answer may take (default 5000).
    pub eligibility_timeout_ms: u64,
    /// 医療機関コード sent with each lookup.
    pub institution_code: String,
    /// Months before expiry from which the reader warns (default 3, §1.6).
    pub expiry_warning_months: u32,
    /// Holders younger than this cannot use the smartphone card (seed 004
    /// A17: 15歳未満の方は原則…ご利用いただけません).
    pub phone_min_age: u32,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            screen_timeout_s: 60,
            forgotten_card_s: 10,
            face_attempts: 3,
            eligibility_timeout_ms: 5000,
            institution_code: "1310000001".into(),
            expiry_warning_months: 3,
            phone_min_age: 15,
        }
    }
}
