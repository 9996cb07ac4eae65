//! Code tables of the OQS result (health-insurance-system.md §4.3) and the
//! values that public sources disagree on (§4.4), which are configurable.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `QualificationValidity` (OQSCD006), health-insurance-system.md §4.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QualificationValidity {
    /// `1` 有効.
    Valid,
    /// `2` 無効.
    Invalid,
    /// `3` 無効（新しい資格あり）.
    InvalidNewerExists,
    /// `4` 該当資格なし.
    NoQualification,
    /// `5` 複数該当.
    Multiple,
}

impl QualificationValidity {
    /// The wire code ("1"…"5").
    pub fn code(self) -> &'static str {
        match self {
            QualificationValidity::Valid => "1",
            QualificationValidity::Invalid => "2",
            QualificationValidity::InvalidNewerExists => "3",
            QualificationValidity::NoQualification => "4",
            QualificationValidity::Multiple => "5",
        }
    }

    /// The label used in the code table.
    pub fn label(self) -> &'static str {
        match self {
            QualificationValidity::Valid => "有効",
            QualificationValidity::Invalid => "無効",
            QualificationValidity::InvalidNewerExists => "無効（新しい資格あり）",
            QualificationValidity::NoQualification => "該当資格なし",
            QualificationValidity::Multiple => "複数該当",
        }
    }
}

/// What a card-based lookup returns when the person has no qualification in
/// force (health-insurance-system.md §6: both 無効 and 資格情報なし were
/// reported; the official mapping is not public).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoCurrentQualification {
    /// `4` 該当資格なし with an empty result list.
    #[default]
    NoQualification,
    /// `2` 無効 with the latest lost record.
    Invalid,
}

/// Code values that public transcriptions disagree on
/// (health-insurance-system.md §4.4). Defaults follow hangilc `codes.ts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CodeConfig {
    /// `SegmentOfResult` for a normal end (OQSCD003).
    pub segment_normal: String,
    /// `SegmentOfResult` for an abnormal end: `9` (codes.ts, oqsFunc) or `3`
    /// (result watcher comment).
    pub segment_abnormal: String,
    /// `CharacterCodeIdentifier` for UTF-8: `0` (codes.ts) or `1` (oqsFunc).
    pub charset_utf8: String,
    /// Label of `ReasonOfLoss` 99: 「その他」 or oqsFunc's 「医療保険等の資格取得」.
    pub reason_of_loss_99_label: String,
}

impl Default for CodeConfig {
    fn default() -> Self {
        CodeConfig {
            segment_normal: "1".into(),
            segment_abnormal: "9".into(),
            charset_utf8: "0".into(),
            reason_of_loss_99_label: "その他".into(),
        }
    }
}

/// `SpecificDiseasesDiseaseCategory` label (OQSCD013, health-insurance-system.md
/// §4.3); empty for a code the table does not list.
pub fn specific_disease_label(code: &str) -> &'static str {
    match code {
        "1" => "人工透析",
        "2" => "血友病",
        "3" => "HIV",
        _ => "",
    }
}

/// `ReasonOfLoss` label (health-insurance-system.md §4.3), `99` from the config.
pub fn reason_of_loss_label<'a>(code: &str, config: &'a CodeConfig) -> &'a str {
    match code {
        "01" => "死亡",
        "02" => "生活保護",
        "03" => "他保険取得",
        "99" => config.reason_of_loss_99_label.as_str(),
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_codes_are_distinct_and_labelled() {
        let all = [
            QualificationValidity::Valid,
            QualificationValidity::Invalid,
            QualificationValidity::InvalidNewerExists,
            QualificationValidity::NoQualification,
            QualificationValidity::Multiple,
        ];
        let codes: Vec<&str> = all.iter().map(|v| v.code()).collect();
        assert_eq!(codes, ["1", "2", "3", "4", "5"]);
        assert_eq!(
            QualificationValidity::InvalidNewerExists.label(),
            "無効（新しい資格あり）"
        );
    }

    #[test]
    fn specific_disease_codes() {
        assert_eq!(specific_disease_label("1"), "人工透析");
        assert_eq!(specific_disease_label("3"), "HIV");
        assert_eq!(specific_disease_label("9"), "");
    }

    #[test]
    fn reason_99_follows_config() {
        let mut c = CodeConfig::default();
        assert_eq!(reason_of_loss_label("99", &c), "その他");
        c.reason_of_loss_99_label = "医療保険等の資格取得".into();
        assert_eq!(reason_of_loss_label("99", &c), "医療保険等の資格取得");
        assert_eq!(reason_of_loss_label("03", &c), "他保険取得");
    }
}
