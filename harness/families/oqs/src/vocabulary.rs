//! Every keyword and field of the eligibility (`oqs`) step vocabulary, as
//! declarative shapes (docs/oqs.md "Scenario steps", "Test-control
//! commands"): the parser reads step bodies with them and the JSON Schema is
//! built from them. The control commands' keywords and fields are derived
//! from `myna_oqs::ControlCommand` (`control_vocabulary.rs`); `lookup` and
//! `raw` are this family's own.

use std::sync::OnceLock;

use myna_scenario::{Doc, Field, Shape};

pub use crate::control_vocabulary::{control_fields, control_keywords};

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

/// The steps that are not control commands.
const REQUEST_KEYWORDS: [Doc; 2] = [
    Doc {
        name: "lookup",
        doc: "an eligibility lookup (POST /oqs/v1/search) by certificate serial or insurance card",
    },
    Doc {
        name: "raw",
        doc: "any request, sent as written (for malformed-input tests)",
    },
];

/// Step keywords: the lookup, a raw request, and one per control command
/// (the keyword is the command's `op`, derived from `ControlCommand`).
pub fn keywords() -> &'static [Doc] {
    static KEYWORDS: OnceLock<Vec<Doc>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut all = REQUEST_KEYWORDS.to_vec();
        all.extend_from_slice(control_keywords());
        all
    })
}

/// The keywords that send a test-control command.
pub fn is_control(keyword: &str) -> bool {
    !matches!(keyword, "lookup" | "raw")
}

const TEXT: Shape = Shape::Text;
const DATE: Shape = Shape::Text;

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

/// Matcher operators of a field expectation (the `portal` family's too).
pub const MATCHERS: &[Doc] = &[
    Doc {
        name: "present",
        doc: "`true`: the value is there; `false`: it is absent",
    },
    Doc {
        name: "contains",
        doc: "the value's text contains this",
    },
    Doc {
        name: "one_of",
        doc: "the value's text is one of these",
    },
    Doc {
        name: "not",
        doc: "the value's text is not this",
    },
    Doc {
        name: "len",
        doc: "the value is a list of this length",
    },
];
