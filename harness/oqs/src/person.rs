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
    /// `Date` (交付年月日).
    pub issued: Option<Date>,
    /// `ContributionRatio` ("020" = 2割).
    pub contribution_ratio: String,
    /// `ValidStartDate`.
    pub valid_start: Option<Date>,
    /// `ValidEndDate`.
    pub valid_end: Option<Date>,
}

/// `SpecificDiseasesCertificateInfo` (特定疾病療養受療証情報), one entry of
/// `SpecificDiseasesCertificateList` (health-insurance-system.md §4.3; field
/// names as hangilc/myclinic-ts `onshi-result/SpecificDiseasesCertificateInfo.ts`
/// reads them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecificDiseaseCertificate {
    /// `SpecificDiseasesDiseaseCategory` (OQSCD013, see
    /// [`crate::codes::specific_disease_label`]).
    pub disease_category: String,
    /// `SpecificDiseasesCertificateDate` (交付年月日).
    pub certificate_date: Option<Date>,
    /// `SpecificDiseasesValidStartDate`.
    pub valid_start: Option<Date>,
    /// `SpecificDiseasesValidEndDate`.
    pub valid_end: Option<Date>,
    /// `SpecificDiseasesSelfPay` (自己負担限度額), as the insurer wrote it.
    pub self_pay: Option<String>,
}

/// `MedicalTicketInfo` of a 医療扶助 result's `PublicExpenseResultList`
/// (health-insurance-system.md §4.3 names `TicketType`, `IssueNumber`,
/// `DesignatedMedicalInstitution…` and `SelfPayAmount`; the rest of the
/// element is not transcribed in the sources).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedicalTicket {
    /// `TicketType`.
    pub ticket_type: String,
    /// `IssueNumber`.
    pub issue_number: String,
    /// `DesignatedMedicalInstitution…` (the designated institution).
    pub designated_medical_institution: Option<String>,
    /// `SelfPayAmount`.
    pub self_pay_amount: Option<String>,
}

/// A 照会番号 (`ReferenceNumber`): the patient id a medical institution
/// registered for this person (OQSsiimm01req); returned with card results at
/// that institution only, and never a lookup key on its own
/// (health-insurance-system.md §4.1, §4.2; sanox road18, road26).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceNumber {
    /// `MedicalInstitutionCode` (10 digits) of the registering institution.
    pub institution: String,
    /// The 照会番号 itself.
    pub number: String,
}

/// `InsurerNumber` as a comparison key: an 8-character field that clients
/// pad with leading spaces or zeros (health-insurance-system.md §4.2, sanox
/// road26), so `138016`, `  138016` and `00138016` are one insurer. Trimmed,
/// and an all-digit number shorter than 8 is left-padded with `0`.
pub fn insurer_number_key(number: &str) -> String {
    let trimmed = number.trim();
    if trimmed.len() < 8 && !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        format!("{trimmed:0>8}")
    } else {
        trimmed.to_owned()
    }
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
    /// `InsuredCertificateIssuanceDate` (交付年月日).
    pub certificate_issuance: Option<Date>,
    /// `InsuredCardValidDate` (有効開始日).
    pub card_valid_from: Option<Date>,
    /// `PreschoolClassification` (未就学区分), as the insurer wrote it.
    pub preschool_classification: Option<String>,
    /// `SpecificDiseasesCertificateList` (特定疾病).
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
    /// `PublicExpenseResultList` medical tickets (医療扶助).
    pub medical_tickets: Vec<MedicalTicket>,
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

    /// Whether the record carries these 保険証 numbers (branch only when
    /// given; the insurer number compared by [`insurer_number_key`]).
    pub fn matches_card(
        &self,
        insurer: &str,
        symbol: &str,
        number: &str,
        branch: Option<&str>,
    ) -> bool {
        insurer_number_key(&self.insurer_number) == insurer_number_key(insurer)
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
    /// `NameOfOther` (通称名), when registered.
    pub name_of_other: Option<String>,
    /// `NameOfOtherKana`.
    pub name_of_other_kana: Option<String>,
    /// `Sex1` (1 男 2 女 3 未設定).
    pub sex: String,
    /// `Sex2` (the second sex field of the result; its use is not described
    /// in the sources), when registered.
    pub sex2: Option<String>,
    /// `Address` as held by the insurer.
    pub address: Option<String>,
    /// `PostNumber`.
    pub post_number: Option<String>,
    /// Every qualification, oldest first.
    pub qualifications: Vec<Qualification>,
    /// 照会番号 registered by medical institutions.
    pub reference_numbers: Vec<ReferenceNumber>,
}

impl Person {
    /// The 照会番号 `institution` registered for this person, if any.
    pub fn reference_number(&self, institution: &str) -> Option<&str> {
        self.reference_numbers
            .iter()
            .find(|r| r.institution == institution)
            .map(|r| r.number.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insurer_numbers_padded_with_zeros_or_spaces_are_one_insurer() {
        assert_eq!(insurer_number_key("138016"), "00138016");
        assert_eq!(insurer_number_key("  138016"), "00138016");
        assert_eq!(insurer_number_key("00138016"), "00138016");
        assert_eq!(insurer_number_key("06139999"), "06139999");
        assert_ne!(insurer_number_key("138016"), insurer_number_key("138017"));
        assert_eq!(insurer_number_key(" X1 "), "X1");
        assert_eq!(insurer_number_key(""), "");
    }
}
