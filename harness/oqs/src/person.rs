//! Persons and their insurance qualifications (資格), with the time at
//! which each fact reaches OQS (the data-entry lag of health-insurance-system.md §5, §6).

use time::{Date, PrimitiveDateTime};

/// 限度額適用認定証関連情報 (health-insurance-system.md §4.3; seed 001 lists
/// the items shared on consent: 限度額適用認定証区分, 適用区分, 交付年月日, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitInfo {
    /// `Classification` (OQSCD011: 01 限度額適用認定証, 02 …減額, 03 標準負担額減額).
    pub classification: String,
    /// `ClassificationFlag` (OQSCD012, e.g. `A03`).
    pub classification_flag: String,
    /// `Date` (交付年月日).
    pub issued: Option<Date>,
    /// `ValidStartDate`.
    pub valid_start: Option<Date>,
    /// `ValidEndDate`.
    pub valid_end: Option<Date>,
    /// `LongTermDate` (長期入院該当年月日).
    pub long_term: Option<Date>,
}

/// `ElderlyRecipientCertificateInfo` (高齢受給者証).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElderlyInfo {
    /// `ContributionRatio` ("020" = 2割).
    pub contribution_ratio: String,
    /// `ValidStartDate`.
    pub valid_start: Option<Date>,
    /// `ValidEndDate`.
    pub valid_end: Option<Date>,
}

/// One insurance qualification as the insurer registered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qualification {
    /// `InsuredCardClassification` (OQSCD010), when the seed gives one.
    pub card_classification: Option<String>,
    /// `InsurerNumber` (8 characters).
    pub insurer_number: String,
    /// `InsuredCardSymbol`.
    pub symbol: String,
    /// `InsuredIdentificationNumber`.
    pub number: String,
    /// `InsuredBranchNumber` (2 digits).
    pub branch: String,
    /// `PersonalFamilyClassification` (1 本人 / 2 家族).
    pub personal_family: String,
    /// `InsurerName`.
    pub insurer_name: String,
    /// `InsuredName` (被保険者氏名, for family members).
    pub insured_name: Option<String>,
    /// `QualificationDate`.
    pub qualification_date: Date,
    /// `DisqualificationDate` (資格喪失日: not in force from this day).
    pub disqualification_date: Option<Date>,
    /// `ReasonOfLoss` (01 死亡, 02 生活保護, 03 他保険取得, 99 その他).
    pub reason_of_loss: Option<String>,
    /// `InsuredPartialContributionRatio` ("030" = 3割).
    pub contribution_ratio: Option<String>,
    /// `InsuredCardExpirationDate`.
    pub card_expiration: Option<Date>,
    /// 限度額 information, when the insurer registered it.
    pub limit: Option<LimitInfo>,
    /// 高齢受給者 information.
    pub elderly: Option<ElderlyInfo>,
    /// When the acquisition reached OQS (`None`: always visible).
    pub recorded_at: Option<PrimitiveDateTime>,
    /// When the loss reached OQS (`None` with a disqualification date: at once).
    pub loss_recorded_at: Option<PrimitiveDateTime>,
}

impl Qualification {
    /// Whether OQS has this record at `now`.
    pub fn visible(&self, now: PrimitiveDateTime) -> bool {
        self.recorded_at.is_none_or(|t| t <= now)
    }

    /// The disqualification date as OQS knows it at `now`.
    pub fn known_loss(&self, now: PrimitiveDateTime) -> Option<Date> {
        let date = self.disqualification_date?;
        self.loss_recorded_at
            .is_none_or(|t| t <= now)
            .then_some(date)
    }

    /// In force on `date` as far as OQS knows at `now`.
    pub fn in_force(&self, date: Date, now: PrimitiveDateTime) -> bool {
        self.visible(now)
            && self.qualification_date <= date
            && self.known_loss(now).is_none_or(|lost| date < lost)
    }

    /// Whether the record carries these 保険証 numbers (branch only when given).
    pub fn matches_card(
        &self,
        insurer: &str,
        symbol: &str,
        number: &str,
        branch: Option<&str>,
    ) -> bool {
        self.insurer_number.trim() == insurer.trim()
            && self.symbol == symbol
            && self.number == number
            && branch.is_none_or(|b| b.is_empty() || b == self.branch)
    }
}

/// A person known to the insurers (and so to OQS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The handle scenarios use (`hanako`); not a field of any result.
    pub handle: String,
    /// `Name` as registered (may hold characters outside JIS X 0208).
    pub name: String,
    /// `NameKana` (half-width).
    pub name_kana: String,
    /// `Birthdate`.
    pub birth_date: Date,
    /// `Sex1` (1 男 2 女 3 未設定).
    pub sex: String,
    /// `Address` as held by the insurer.
    pub address: Option<String>,
    /// `PostNumber`.
    pub post_number: Option<String>,
    /// Every qualification, oldest first.
    pub qualifications: Vec<Qualification>,
}
