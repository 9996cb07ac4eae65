//! The test-control API's commands: one JSON object with an `op` field,
//! posted to `/control/v1/command` (docs/oqs.md lists every field).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codes::{CodeConfig, NoCurrentQualification};

/// A test-control command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ControlCommand {
    /// Resets everything, then sets clock and configuration and seeds persons.
    World {
        /// `YYYY-MM-DD[THH:MM[:SS]]`; default 2025-04-01T09:00.
        #[serde(default)]
        clock: Option<String>,
        /// Model configuration; defaults when absent.
        #[serde(default)]
        config: Option<Box<ModelConfig>>,
        /// Persons to seed.
        #[serde(default)]
        persons: Vec<PersonSpec>,
    },
    /// Adds persons to the current world.
    Seed {
        /// Persons to seed.
        persons: Vec<PersonSpec>,
    },
    /// Adds `count` registered persons with serials `first_serial`,
    /// `first_serial + 1`, … (for load tests).
    Population {
        /// How many (at most [`MAX_POPULATION_COUNT`], 100,000, per command;
        /// the model holds at most [`MAX_POPULATION_TOTAL`] persons in all).
        #[schemars(range(min = 0, max = 100000))]
        count: u32,
        /// First serial (hex).
        first_serial: String,
    },
    /// 健康保険証利用登録 of `person` with `serial`.
    Register {
        /// Person handle.
        person: String,
        /// Serial of one of the person's valid certificates.
        serial: String,
    },
    /// 健康保険証利用申込 as the portal and the reception reader send it:
    /// links the 利用者証明用 certificate `serial` to `person`'s
    /// registration (seed 001 第5条の2: the registration sends the
    /// certificate's serial). A serial the model has not seen is issued to
    /// the person first (it then needs `not_after`), replacing the person's
    /// previous certificate as a re-issue does. Linking the serial already
    /// linked is a no-op; another person's serial, or a revoked one, is a
    /// conflict (health-insurance-system.md §6, wrong-person linkage).
    LinkSerial {
        /// Person handle; absent: the serial's holder as J-LIS knows it
        /// (the serial must then be known to the model).
        #[serde(default)]
        person: Option<String>,
        /// Serial of the person's 利用者証明用 certificate (hex).
        serial: String,
        /// Expiry (`YYYY-MM-DD`) of a certificate the model has not seen.
        #[serde(default)]
        not_after: Option<String>,
    },
    /// Cancels the registration the serial's holder has (利用登録の解除,
    /// health-insurance-system.md §3.2); registering again links anew.
    UnlinkSerial {
        /// Serial of one of the holder's certificates (hex).
        serial: String,
    },
    /// Re-issues the person's 利用者証明用 certificate: a new serial, the old
    /// one revoked (superseded). The registration is not touched until first use.
    Reissue {
        /// Person handle.
        person: String,
        /// The new serial (hex).
        new_serial: String,
        /// Expiry of the new certificate (`YYYY-MM-DD`).
        not_after: String,
    },
    /// Issues a smartphone card's 利用者証明用 certificate (スマホ用電子証明書,
    /// seed 004) for the holder of the card certificate `card_serial`: the
    /// phone serial resolves to that holder while the card certificate is
    /// in force, and dies with it, with no grace period (seed 004 A18,
    /// health-insurance-system.md §1.5).
    IssuePhone {
        /// The phone certificate's serial (hex).
        serial: String,
        /// The serial of the physical card's 利用者証明用 certificate (hex).
        card_serial: String,
    },
    /// Revokes a certificate (失効), a card's or a smartphone card's.
    Revoke {
        /// Serial (hex).
        serial: String,
    },
    /// Sets a certificate's expiry date (default: yesterday).
    Expire {
        /// Serial (hex).
        serial: String,
        /// The new `not_after` date.
        #[serde(default)]
        on: Option<String>,
    },
    /// Records a loss and/or a new qualification (job change), each reaching
    /// OQS after its own lag.
    Qualification {
        /// Person handle.
        person: String,
        /// The loss of the qualification in force.
        #[serde(default)]
        lose: Option<LossSpec>,
        /// A new qualification.
        #[serde(default)]
        acquire: Option<Box<QualificationSpec>>,
    },
    /// Moves or sets the virtual clock.
    Clock {
        /// Move forward.
        #[serde(default)]
        advance: Option<Advance>,
        /// Set (`YYYY-MM-DD[THH:MM[:SS]]`).
        #[serde(default)]
        set: Option<String>,
    },
    /// Sets faults; absent fields keep their value.
    Fault {
        /// Every lookup answers 503.
        #[serde(default)]
        outage: Option<bool>,
        /// Every lookup answers after this many milliseconds (at most
        /// [`MAX_SLOW_MS`]).
        #[serde(default)]
        #[schemars(range(min = 0, max = 60000))]
        slow_ms: Option<u64>,
        /// JPKI/J-LIS unavailable: first use after a re-issue cannot be traced.
        #[serde(default)]
        jpki_down: Option<bool>,
    },
    /// Reports clock, counts and faults.
    State {},
}

/// How far to move the clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Advance {
    /// Calendar months (day clamped to month end).
    #[schemars(range(min = 0, max = 1200))]
    pub months: u32,
    /// Days.
    #[schemars(range(min = 0, max = 36500))]
    pub days: i64,
    /// Hours.
    #[schemars(range(min = 0, max = 876000))]
    pub hours: i64,
    /// Minutes.
    #[schemars(range(min = 0, max = 52560000))]
    pub minutes: i64,
}

/// Largest `advance.months` (100 years). The model checks these bounds; the
/// `schemars` ranges above repeat them as literals (the attribute takes
/// nothing else) and a test holds the two equal.
pub const MAX_ADVANCE_MONTHS: u32 = 1200;
/// Largest `advance.days` (100 years).
pub const MAX_ADVANCE_DAYS: i64 = 36_500;
/// Largest `advance.hours` (100 years).
pub const MAX_ADVANCE_HOURS: i64 = 876_000;
/// Largest `advance.minutes` (100 years).
pub const MAX_ADVANCE_MINUTES: i64 = 52_560_000;
/// Largest `fault.slow_ms`: one minute.
pub const MAX_SLOW_MS: u64 = 60_000;
/// Largest `population.count` of one command: it answers in well under a
/// second and about 100 MB (a synthetic person is about 1 KB).
pub const MAX_POPULATION_COUNT: u32 = 100_000;
/// Most persons a model holds in all (seeded and populated): about 1 GB.
pub const MAX_POPULATION_TOTAL: usize = 1_000_000;

impl Advance {
    /// Every field within its range, or the first one that is not, named
    /// `advance.<field>`.
    pub fn validate(&self) -> Result<(), crate::ModelError> {
        let out = |field: &'static str, max: i64| {
            crate::ModelError::invalid(field, format!("expected a whole number from 0 to {max}"))
        };
        if self.months > MAX_ADVANCE_MONTHS {
            return Err(out("advance.months", i64::from(MAX_ADVANCE_MONTHS)));
        }
        for (field, value, max) in [
            ("advance.days", self.days, MAX_ADVANCE_DAYS),
            ("advance.hours", self.hours, MAX_ADVANCE_HOURS),
            ("advance.minutes", self.minutes, MAX_ADVANCE_MINUTES),
        ] {
            if !(0..=max).contains(&value) {
                return Err(out(field, max));
            }
        }
        Ok(())
    }
}

/// The JSON Schema of [`ControlCommand`] (schemars, draft-07): the `oqs`
/// family reads the control steps' keywords, fields, docs and ranges from
/// it, so the command types are the one table of that vocabulary.
pub fn control_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ControlCommand)).unwrap_or_default()
}

/// The delay health-insurance-system.md §4.6 gives before a renewed
/// 利用者証明用 certificate takes effect: "24 hours after the municipal
/// procedure" (朝霞市, a single municipal source).
pub const PUBLISHED_RENEWAL_DELAY_HOURS: u32 = 24;

/// Model configuration: every fact marked uncertain in the spec.
///
/// The grace period ends at the month end (いわき市: "有効期限の満了日が属する
/// 月の月末から3か月後の月末まで"; 多摩市: "有効期限が2月なら5月末まで", both
/// health-insurance-system.md §4.6); no source gives another rule, so the
/// rule is not configurable, only its length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Length of the grace period in months (3 per §4.6).
    #[schemars(range(min = 0, max = 1200))]
    pub grace_months: u32,
    /// Hours after a re-issue before the new certificate takes effect; until
    /// then a lookup with its serial answers `OQS-E-CERT-NOT-YET-EFFECTIVE`.
    /// Default [`PUBLISHED_RENEWAL_DELAY_HOURS`], the published value (a
    /// single municipal source, so configurable; 0 = at once).
    #[schemars(range(min = 0, max = 8760))]
    pub renewal_delay_hours: u32,
    /// Months before expiry from which a warning code is returned (§1.6: 3).
    #[schemars(range(min = 0, max = 1200))]
    pub expiry_warning_months: u32,
    /// Card-based lookup without a qualification in force.
    pub no_current_qualification: NoCurrentQualification,
    /// Conflicting code values (§4.4).
    pub codes: CodeConfig,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            grace_months: 3,
            renewal_delay_hours: PUBLISHED_RENEWAL_DELAY_HOURS,
            expiry_warning_months: 3,
            no_current_qualification: NoCurrentQualification::NoQualification,
            codes: CodeConfig::default(),
        }
    }
}

/// A person to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonSpec {
    /// Handle used by later commands.
    pub id: String,
    /// Name as registered (characters outside JIS X 0208 allowed).
    pub name: String,
    /// Half-width kana.
    pub kana: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// 1 男, 2 女, 3 未設定 (default "3").
    #[serde(default = "default_sex")]
    pub sex: String,
    /// `NameOfOther` (通称名).
    #[serde(default)]
    pub name_of_other: Option<String>,
    /// `NameOfOtherKana`.
    #[serde(default)]
    pub name_of_other_kana: Option<String>,
    /// `Sex2`.
    #[serde(default)]
    pub sex2: Option<String>,
    /// 照会番号 registered by medical institutions.
    #[serde(default)]
    pub reference_numbers: Vec<ReferenceNumberSpec>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub post_number: Option<String>,
    /// The person's current 利用者証明用 certificate.
    #[serde(default)]
    pub certificate: Option<CertificateSpec>,
    /// Whether that certificate is registered for 保険証利用 (default true).
    #[serde(default = "default_true")]
    pub registered: bool,
    /// Qualifications, oldest first.
    #[serde(default)]
    pub qualifications: Vec<QualificationSpec>,
}

/// A 照会番号 to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceNumberSpec {
    /// `MedicalInstitutionCode` (10 digits).
    pub institution: String,
    /// The 照会番号.
    pub number: String,
}

fn default_sex() -> String {
    "3".into()
}

fn default_true() -> bool {
    true
}

/// A certificate to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Serial (hex).
    pub serial: String,
    /// Expiry date `YYYY-MM-DD`.
    pub not_after: String,
    /// The serial (hex) of a smartphone card issued for this certificate,
    /// as `issue_phone` does (seed 004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_serial: Option<String>,
}

/// A qualification to seed or acquire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationSpec {
    /// 保険者番号.
    pub insurer_number: String,
    /// 記号.
    #[serde(default)]
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 (default "00").
    #[serde(default = "default_branch")]
    pub branch: String,
    /// 保険者名.
    #[serde(default)]
    pub insurer_name: String,
    /// 1 本人 / 2 家族 (default "1").
    #[serde(default = "default_personal")]
    pub personal_family: String,
    /// 被保険者氏名 (family members).
    #[serde(default)]
    pub insured_name: Option<String>,
    /// 被保険者証区分 (OQSCD010; `A1` 医療扶助).
    #[serde(default)]
    pub card_classification: Option<String>,
    /// 資格取得日 `YYYY-MM-DD`.
    pub qualification_date: String,
    /// 資格喪失日.
    #[serde(default)]
    pub disqualification_date: Option<String>,
    /// ReasonOfLoss code.
    #[serde(default)]
    pub reason_of_loss: Option<String>,
    /// 一部負担割合 ("030").
    #[serde(default)]
    pub contribution_ratio: Option<String>,
    /// 有効期限.
    #[serde(default)]
    pub card_expiration: Option<String>,
    /// 交付年月日 (`InsuredCertificateIssuanceDate`).
    #[serde(default)]
    pub certificate_issuance: Option<String>,
    /// 有効開始日 (`InsuredCardValidDate`).
    #[serde(default)]
    pub card_valid_from: Option<String>,
    /// `PreschoolClassification`.
    #[serde(default)]
    pub preschool_classification: Option<String>,
    /// 特定疾病療養受療証.
    #[serde(default)]
    pub specific_diseases: Vec<SpecificDiseaseSpec>,
    /// 医療扶助 medical tickets.
    #[serde(default)]
    pub medical_tickets: Vec<MedicalTicketSpec>,
    /// 限度額適用認定証関連情報.
    #[serde(default)]
    pub limit: Option<LimitSpec>,
    /// 高齢受給者証.
    #[serde(default)]
    pub elderly: Option<ElderlySpec>,
    /// Days after now before OQS has this record (data-entry lag).
    #[serde(default)]
    #[schemars(range(min = 0, max = 36_500))]
    pub lag_days: u32,
}

fn default_branch() -> String {
    "00".into()
}

fn default_personal() -> String {
    "1".into()
}

/// 限度額 information to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// OQSCD011.
    pub classification: String,
    /// OQSCD012.
    pub flag: String,
    /// 交付年月日.
    #[serde(default)]
    pub issued: Option<String>,
    /// Valid from.
    #[serde(default)]
    pub valid_start: Option<String>,
    /// Valid until.
    #[serde(default)]
    pub valid_end: Option<String>,
    /// 長期入院該当年月日.
    #[serde(default)]
    pub long_term: Option<String>,
}

/// 特定疾病療養受療証 information to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecificDiseaseSpec {
    /// OQSCD013 category.
    pub disease_category: String,
    /// 交付年月日.
    #[serde(default)]
    pub certificate_date: Option<String>,
    /// Valid from.
    #[serde(default)]
    pub valid_start: Option<String>,
    /// Valid until.
    #[serde(default)]
    pub valid_end: Option<String>,
    /// 自己負担限度額.
    #[serde(default)]
    pub self_pay: Option<String>,
}

/// A 医療扶助 medical ticket to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicalTicketSpec {
    /// `TicketType`.
    pub ticket_type: String,
    /// `IssueNumber`.
    pub issue_number: String,
    /// The designated institution.
    #[serde(default)]
    pub designated_medical_institution: Option<String>,
    /// `SelfPayAmount`.
    #[serde(default)]
    pub self_pay_amount: Option<String>,
}

/// 高齢受給者 information to seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElderlySpec {
    /// 交付年月日.
    #[serde(default)]
    pub issued: Option<String>,
    /// 高齢受給者 contribution ratio ("020" = 2割).
    pub contribution_ratio: String,
    /// Valid from.
    #[serde(default)]
    pub valid_start: Option<String>,
    /// Valid until.
    #[serde(default)]
    pub valid_end: Option<String>,
}

/// A loss of qualification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LossSpec {
    /// Which record (default: the one in force).
    #[serde(default)]
    pub insurer_number: Option<String>,
    /// 資格喪失日 `YYYY-MM-DD`.
    pub date: String,
    /// ReasonOfLoss code (default 99).
    #[serde(default)]
    pub reason: Option<String>,
    /// Days after now before OQS has the loss.
    #[serde(default)]
    #[schemars(range(min = 0, max = 36_500))]
    pub lag_days: u32,
}
