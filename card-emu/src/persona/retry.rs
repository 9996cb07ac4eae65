//! Retry limits and tries left per secret (card-protocol.md §3.2).

/// One secret's counter: its limit and the tries left at manufacture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// Retry limit (1..=15, so it fits the `63Cx` nibble).
    pub max: u8,
    /// Tries left at manufacture (0 = blocked).
    pub left: u8,
}

impl Counter {
    /// A fresh counter with all tries left.
    pub const fn fresh(max: u8) -> Counter {
        Counter { max, left: max }
    }
}

/// The counters of one persona's card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetrySettings {
    /// 利用者証明用 PIN, JPKI 0018 (3, card-protocol.md §3.2).
    pub auth_pin: Counter,
    /// 署名用パスワード, JPKI 001B (5).
    pub sign_password: Counter,
    /// 券面事項入力補助用 PIN, text 0011 (3).
    pub text_pin: Counter,
    /// 住民基本台帳用 PIN, 共通/住基 001C (not stated by the sources; default 3).
    pub juki_pin: Counter,
    /// 照合番号A, text 0014 / surface 0013 (unknown; default 10).
    pub check_a: Counter,
    /// 照合番号B, text 0015 / surface 0012 (unknown; default 10).
    pub check_b: Counter,
    /// 生年月日 key, surface 0011 (unknown; default 10).
    pub birth_key: Counter,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            auth_pin: Counter::fresh(3),
            sign_password: Counter::fresh(5),
            text_pin: Counter::fresh(3),
            juki_pin: Counter::fresh(3),
            check_a: Counter::fresh(10),
            check_b: Counter::fresh(10),
            birth_key: Counter::fresh(10),
        }
    }
}
