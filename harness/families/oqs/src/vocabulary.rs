//! Every keyword and field of the eligibility (`oqs`) step vocabulary, as
//! declarative shapes (docs/oqs.md "Scenario steps", "Test-control
//! commands"): the parser reads step bodies with them and the JSON Schema is
//! built from them. The control commands' fields are those of
//! `myna_oqs::ControlCommand`; a test holds the two equal.

use myna_scenario::{Doc, Field, Shape};

/// The family's name.
pub const FAMILY: &str = "oqs";

/// Capability: eligibility lookup.
pub const CAP_LOOKUP: &str = "oqs.lookup";
/// Capability: the test-control API.
pub const CAP_CONTROL: &str = "oqs.control";

/// Capabilities an eligibility target may declare.
pub const CAPABILITIES: &[Doc] = &[
    Doc { name: CAP_LOOKUP, doc: "the eligibility lookup (POST /oqs/v1/search)" },
    Doc { name: CAP_CONTROL, doc: "the test-control API (POST /control/v1/command): seed persons, re-issue certificates, move the clock, inject faults" },
];

/// Step keywords: the lookup, a raw request, and one per control command
/// (the keyword is the command's `op`).
pub const KEYWORDS: &[Doc] = &[
    Doc {
        name: "lookup",
        doc: "an eligibility lookup (POST /oqs/v1/search) by certificate serial or insurance card",
    },
    Doc {
        name: "raw",
        doc: "any request, sent as written (for malformed-input tests)",
    },
    Doc {
        name: "world",
        doc: "control: reset everything, then set the clock and configuration and seed persons",
    },
    Doc {
        name: "seed",
        doc: "control: add persons to the current world",
    },
    Doc {
        name: "population",
        doc: "control: add `count` registered synthetic persons with consecutive serials",
    },
    Doc {
        name: "register",
        doc: "control: 健康保険証利用登録 of a person with a serial",
    },
    Doc {
        name: "reissue",
        doc: "control: re-issue a person's 利用者証明用 certificate (the old serial is revoked)",
    },
    Doc {
        name: "revoke",
        doc: "control: revoke a certificate (失効)",
    },
    Doc {
        name: "expire",
        doc: "control: set a certificate's expiry date (default yesterday)",
    },
    Doc {
        name: "qualification",
        doc: "control: record a loss and/or a new qualification, each after its own lag",
    },
    Doc {
        name: "clock",
        doc: "control: move or set the virtual clock",
    },
    Doc {
        name: "fault",
        doc: "control: set faults (outage, slow answers, JPKI down)",
    },
    Doc {
        name: "state",
        doc: "control: report the clock, counts and faults",
    },
];

/// The keywords that send a test-control command.
pub fn is_control(keyword: &str) -> bool {
    !matches!(keyword, "lookup" | "raw")
}

const TEXT: Shape = Shape::Text;
const DATE: Shape = Shape::Text;

/// A certificate to seed.
pub const CERTIFICATE: &[Field] = &[
    Field::required("serial", TEXT, "the serial (hex)"),
    Field::required("not_after", DATE, "expiry date YYYY-MM-DD"),
];

/// 限度額 information to seed.
pub const LIMIT: &[Field] = &[
    Field::required(
        "classification",
        TEXT,
        "限度額適用認定証 classification (OQSCD011)",
    ),
    Field::required("flag", TEXT, "classification flag (OQSCD012)"),
    Field::optional("issued", DATE, "交付年月日"),
    Field::optional("valid_start", DATE, "valid from"),
    Field::optional("valid_end", DATE, "valid until"),
    Field::optional("long_term", DATE, "長期入院該当年月日"),
];

/// 特定疾病療養受療証 information to seed.
pub const SPECIFIC_DISEASE: &[Field] = &[
    Field::required("disease_category", TEXT, "特定疾病区分 (OQSCD013)"),
    Field::optional("certificate_date", DATE, "交付年月日"),
    Field::optional("valid_start", DATE, "valid from"),
    Field::optional("valid_end", DATE, "valid until"),
    Field::optional("self_pay", TEXT, "自己負担限度額"),
];

/// A 医療扶助 medical ticket to seed.
pub const MEDICAL_TICKET: &[Field] = &[
    Field::required("ticket_type", TEXT, "TicketType"),
    Field::required("issue_number", TEXT, "IssueNumber"),
    Field::optional(
        "designated_medical_institution",
        TEXT,
        "the designated institution",
    ),
    Field::optional("self_pay_amount", TEXT, "SelfPayAmount"),
];

/// A 照会番号 to seed.
pub const REFERENCE_NUMBER: &[Field] = &[
    Field::required("institution", TEXT, "MedicalInstitutionCode (10 digits)"),
    Field::required("number", TEXT, "the 照会番号"),
];

/// 高齢受給者 information to seed.
pub const ELDERLY: &[Field] = &[
    Field::optional("issued", DATE, "交付年月日"),
    Field::required(
        "contribution_ratio",
        TEXT,
        "高齢受給者 contribution ratio (\"020\")",
    ),
    Field::optional("valid_start", DATE, "valid from"),
    Field::optional("valid_end", DATE, "valid until"),
];

const LAG_DAYS: Shape = Shape::Int {
    min: 0,
    max: 36_500,
};

/// A qualification to seed or acquire.
pub const QUALIFICATION: &[Field] = &[
    Field::required("insurer_number", TEXT, "保険者番号"),
    Field::optional("symbol", TEXT, "記号"),
    Field::required("number", TEXT, "番号"),
    Field::optional("branch", TEXT, "枝番 (default \"00\")"),
    Field::optional("insurer_name", TEXT, "保険者名"),
    Field::optional("personal_family", TEXT, "1 本人 / 2 家族 (default \"1\")"),
    Field::optional("insured_name", TEXT, "被保険者氏名 (family members)"),
    Field::optional("card_classification", TEXT, "OQSCD010"),
    Field::required("qualification_date", DATE, "資格取得日 YYYY-MM-DD"),
    Field::optional("disqualification_date", DATE, "資格喪失日 YYYY-MM-DD"),
    Field::optional("reason_of_loss", TEXT, "ReasonOfLoss code"),
    Field::optional("contribution_ratio", TEXT, "一部負担割合 (\"030\")"),
    Field::optional("card_expiration", DATE, "有効期限"),
    Field::optional("limit", Shape::Object(LIMIT), "限度額適用認定証関連情報"),
    Field::optional(
        "certificate_issuance",
        DATE,
        "交付年月日 (InsuredCertificateIssuanceDate)",
    ),
    Field::optional("card_valid_from", DATE, "有効開始日 (InsuredCardValidDate)"),
    Field::optional("preschool_classification", TEXT, "PreschoolClassification"),
    Field::optional(
        "specific_diseases",
        Shape::List(&Shape::Object(SPECIFIC_DISEASE)),
        "特定疾病療養受療証",
    ),
    Field::optional(
        "medical_tickets",
        Shape::List(&Shape::Object(MEDICAL_TICKET)),
        "医療扶助 medical tickets",
    ),
    Field::optional("elderly", Shape::Object(ELDERLY), "高齢受給者証"),
    Field::optional(
        "lag_days",
        LAG_DAYS,
        "days after now before OQS has this record",
    ),
];

/// A person to seed.
pub const PERSON: &[Field] = &[
    Field::required("id", TEXT, "the handle later commands use"),
    Field::required(
        "name",
        TEXT,
        "name as registered (characters outside JIS X 0208 allowed)",
    ),
    Field::required("kana", TEXT, "half-width kana"),
    Field::required("birth_date", DATE, "YYYY-MM-DD"),
    Field::optional("sex", TEXT, "1 男, 2 女, 3 未設定 (default \"3\")"),
    Field::optional("name_of_other", TEXT, "NameOfOther (通称名)"),
    Field::optional("name_of_other_kana", TEXT, "NameOfOtherKana"),
    Field::optional("sex2", TEXT, "Sex2"),
    Field::optional(
        "reference_numbers",
        Shape::List(&Shape::Object(REFERENCE_NUMBER)),
        "照会番号 registered by medical institutions",
    ),
    Field::optional("address", TEXT, "address"),
    Field::optional("post_number", TEXT, "postal code"),
    Field::optional(
        "certificate",
        Shape::Object(CERTIFICATE),
        "the person's current 利用者証明用 certificate",
    ),
    Field::optional(
        "registered",
        Shape::Bool,
        "whether that certificate is registered for 保険証利用 (default true)",
    ),
    Field::optional(
        "qualifications",
        Shape::List(&Shape::Object(QUALIFICATION)),
        "qualifications, oldest first",
    ),
];

const PERSONS: Shape = Shape::List(&Shape::Object(PERSON));

const NO_CURRENT_QUALIFICATION: &[Doc] = &[
    Doc {
        name: "no_qualification",
        doc: "validity 4 該当資格なし, no result",
    },
    Doc {
        name: "invalid",
        doc: "validity 2 無効 with the latest lost record",
    },
];

/// Code values the sources disagree on.
pub const CODES: &[Field] = &[
    Field::optional("segment_normal", TEXT, "SegmentOfResult of a normal end"),
    Field::optional(
        "segment_abnormal",
        TEXT,
        "SegmentOfResult of an abnormal end",
    ),
    Field::optional("charset_utf8", TEXT, "CharacterCodeIdentifier for UTF-8"),
    Field::optional(
        "reason_of_loss_99_label",
        TEXT,
        "the label of ReasonOfLoss 99",
    ),
];

const MONTHS: Shape = Shape::Int { min: 0, max: 1200 };

/// Model configuration.
pub const CONFIG: &[Field] = &[
    Field::optional(
        "grace_months",
        MONTHS,
        "length of the grace period in months (3); it ends at a month end (health-insurance-system.md §4.6)",
    ),
    Field::optional(
        "renewal_delay_hours",
        Shape::Int { min: 0, max: 8_760 },
        "hours after a re-issue before the new certificate takes effect",
    ),
    Field::optional(
        "expiry_warning_months",
        MONTHS,
        "months before expiry from which a warning code is returned (3)",
    ),
    Field::optional(
        "no_current_qualification",
        Shape::Enum(NO_CURRENT_QUALIFICATION),
        "a card lookup without a qualification in force",
    ),
    Field::optional(
        "codes",
        Shape::Object(CODES),
        "code values the sources disagree on (§4.4)",
    ),
];

/// How far to move the clock.
pub const ADVANCE: &[Field] = &[
    Field::optional(
        "months",
        MONTHS,
        "calendar months (day clamped to month end)",
    ),
    Field::optional(
        "days",
        Shape::Int {
            min: 0,
            max: 36_500,
        },
        "days",
    ),
    Field::optional(
        "hours",
        Shape::Int {
            min: 0,
            max: 876_000,
        },
        "hours",
    ),
    Field::optional(
        "minutes",
        Shape::Int {
            min: 0,
            max: 52_560_000,
        },
        "minutes",
    ),
];

/// A loss of qualification.
pub const LOSS: &[Field] = &[
    Field::optional(
        "insurer_number",
        TEXT,
        "which record (default: the one in force)",
    ),
    Field::required("date", DATE, "資格喪失日 YYYY-MM-DD"),
    Field::optional("reason", TEXT, "ReasonOfLoss code (default 99)"),
    Field::optional(
        "lag_days",
        LAG_DAYS,
        "days after now before OQS has the loss",
    ),
];

/// The fields of each control command, by keyword.
pub const CONTROL_FIELDS: &[(&str, &[Field])] = &[
    (
        "world",
        &[
            Field::optional(
                "clock",
                TEXT,
                "YYYY-MM-DD[THH:MM[:SS]]; default 2025-04-01T09:00",
            ),
            Field::optional(
                "config",
                Shape::Object(CONFIG),
                "model configuration; defaults when absent",
            ),
            Field::optional("persons", PERSONS, "persons to seed"),
        ],
    ),
    (
        "seed",
        &[Field::required(
            "persons",
            PERSONS,
            "persons to seed (all or nothing)",
        )],
    ),
    (
        "population",
        &[
            Field::required(
                "count",
                Shape::Int {
                    min: 0,
                    max: 10_000_000,
                },
                "how many persons (at most 10,000,000)",
            ),
            Field::required("first_serial", TEXT, "the first serial (hex)"),
        ],
    ),
    (
        "register",
        &[
            Field::required("person", TEXT, "person handle"),
            Field::required(
                "serial",
                TEXT,
                "serial of one of the person's valid certificates",
            ),
        ],
    ),
    (
        "reissue",
        &[
            Field::required("person", TEXT, "person handle"),
            Field::required("new_serial", TEXT, "the new serial (hex)"),
            Field::required(
                "not_after",
                DATE,
                "expiry of the new certificate YYYY-MM-DD",
            ),
        ],
    ),
    ("revoke", &[Field::required("serial", TEXT, "serial (hex)")]),
    (
        "expire",
        &[
            Field::required("serial", TEXT, "serial (hex)"),
            Field::optional("on", DATE, "the new not_after date (default yesterday)"),
        ],
    ),
    (
        "qualification",
        &[
            Field::required("person", TEXT, "person handle"),
            Field::optional(
                "lose",
                Shape::Object(LOSS),
                "the loss of the qualification in force",
            ),
            Field::optional(
                "acquire",
                Shape::Object(QUALIFICATION),
                "a new qualification",
            ),
        ],
    ),
    (
        "clock",
        &[
            Field::optional("advance", Shape::Object(ADVANCE), "move forward"),
            Field::optional("set", TEXT, "set to YYYY-MM-DD[THH:MM[:SS]]"),
        ],
    ),
    (
        "fault",
        &[
            Field::optional("outage", Shape::Bool, "every lookup answers 503"),
            Field::optional(
                "slow_ms",
                Shape::Int {
                    min: 0,
                    max: 60_000,
                },
                "every lookup answers after this many milliseconds",
            ),
            Field::optional(
                "jpki_down",
                Shape::Bool,
                "JPKI/J-LIS unavailable: the first use after a re-issue cannot be traced",
            ),
        ],
    ),
    ("state", &[]),
];

/// The fields of control command `keyword`.
pub fn control_fields(keyword: &str) -> &'static [Field] {
    CONTROL_FIELDS
        .iter()
        .find(|(k, _)| *k == keyword)
        .map_or(&[], |(_, fields)| fields)
}

const CONSENT_FLAGS: &[Field] = &[
    Field::optional("limit", Shape::Bool, "限度額適用認定証 information"),
    Field::optional(
        "specific_diseases",
        Shape::Bool,
        "特定疾病療養受療証 information",
    ),
    Field::optional("health_checkups", Shape::Bool, "特定健診 information"),
    Field::optional("pharmacists", Shape::Bool, "薬剤 information"),
    Field::optional("diagnosis", Shape::Bool, "診療 information"),
    Field::optional("operation", Shape::Bool, "手術 information"),
];

const CONSENT_ALL: &[Doc] = &[Doc {
    name: "all",
    doc: "every consent given",
}];

const INSURANCE_CARD: &[Field] = &[
    Field::required("insurer_number", TEXT, "保険者番号"),
    Field::optional("symbol", TEXT, "記号"),
    Field::required("number", TEXT, "番号"),
    Field::optional("branch", TEXT, "枝番"),
    Field::required("birth_date", DATE, "生年月日 YYYY-MM-DD"),
];

const TIMEOUT_MS: Shape = Shape::Int {
    min: 1,
    max: 600_000,
};

/// The fields of a `lookup:` step.
pub const LOOKUP: &[Field] = &[
    Field::optional(
        "serial",
        TEXT,
        "the 利用者証明用 certificate serial the reader read (hex)",
    ),
    Field::optional(
        "insurance_card",
        Shape::Object(INSURANCE_CARD),
        "an insurance-card lookup instead: numbers and birth date",
    ),
    Field::optional(
        "date",
        DATE,
        "資格確認日 YYYY-MM-DD (default: the service's today)",
    ),
    Field::optional(
        "institution",
        TEXT,
        "医療機関コード, 10 digits (default 1310000001)",
    ),
    Field::optional(
        "file_id",
        TEXT,
        "ArbitraryFileIdentifier, echoed in the answer",
    ),
    Field::optional(
        "consent",
        Shape::OneOf(&[Shape::Enum(CONSENT_ALL), Shape::Object(CONSENT_FLAGS)]),
        "consents given at the reader: `all` or a map of flags",
    ),
    Field::optional(
        "timeout_ms",
        TIMEOUT_MS,
        "deadline of the answer in milliseconds",
    ),
    Field::optional(
        "message",
        Shape::Any,
        "a whole request, sent as written (instead of the fields above)",
    ),
];

const METHODS: &[Doc] = &[
    Doc {
        name: "GET",
        doc: "HTTP GET",
    },
    Doc {
        name: "POST",
        doc: "HTTP POST",
    },
];

/// The fields of a `raw:` step.
pub const RAW: &[Field] = &[
    Field::optional("method", Shape::Enum(METHODS), "the method (default POST)"),
    Field::optional(
        "path",
        TEXT,
        "the path from the API root (default the search path)",
    ),
    Field::optional(
        "body",
        Shape::Any,
        "a string is sent as is, anything else as JSON",
    ),
    Field::optional(
        "timeout_ms",
        TIMEOUT_MS,
        "deadline of the answer in milliseconds",
    ),
];

/// The keys of `expect:` on an `oqs` step (docs/oqs.md).
pub const EXPECT_KEYS: &[Doc] = &[
    Doc { name: "status", doc: "the HTTP status" },
    Doc { name: "timeout", doc: "`true`: no answer within `timeout_ms` (the step then passes instead of being a transport error)" },
    Doc { name: "validity", doc: "MessageBody.QualificationValidity" },
    Doc { name: "result_status", doc: "MessageBody.ProcessingResultStatus" },
    Doc { name: "result_code", doc: "MessageBody.ProcessingResultCode" },
    Doc { name: "segment", doc: "MessageHeader.SegmentOfResult" },
    Doc { name: "error_code", doc: "error.code, else MessageHeader.ErrorCode" },
    Doc { name: "results", doc: "the number of ResultOfQualificationConfirmation entries" },
    Doc { name: "result", doc: "a map of fields of the first result (dotted paths for nested fields), or a list of such maps, one per result" },
    Doc { name: "json", doc: "a map of JSON pointers into the response" },
];

/// Matcher operators of a field expectation.
pub const MATCHERS: &[Doc] = &[
    Doc {
        name: "present",
        doc: "`true`: the field is there; `false`: it is absent",
    },
    Doc {
        name: "contains",
        doc: "the field's text contains this",
    },
    Doc {
        name: "one_of",
        doc: "the field's text is one of these",
    },
    Doc {
        name: "not",
        doc: "the field's text is not this",
    },
    Doc {
        name: "len",
        doc: "the field is a list of this length",
    },
];
