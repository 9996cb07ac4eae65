//! The eligibility family's typed steps.

use myna_scenario::{Location, Spanned, StepBody};
use serde::Deserialize;
use serde_json::Value;

/// One `oqs` step: a request, its expectations and captures.
#[derive(Clone, Debug)]
pub struct OqsStep {
    /// The keyword (`lookup`, `raw`, or a control command's `op`).
    pub keyword: &'static str,
    /// What to send.
    pub request: OqsRequest,
    /// What the answer must look like; `None`: HTTP 200.
    pub expect: Option<Vec<Spanned<Expectation>>>,
    /// Values to keep for later steps.
    pub captures: Vec<OqsCapture>,
    /// The request, built at load when the body holds no template (the
    /// same every run).
    pub(crate) prepared: Option<crate::request::Request>,
    /// The label, written once (every run's report entry shows it).
    label: String,
}

impl OqsStep {
    /// A step of `keyword` sending `request`; its request is built here
    /// when the body holds no template.
    pub fn new(
        keyword: &'static str,
        request: OqsRequest,
        expect: Option<Vec<Spanned<Expectation>>>,
        captures: Vec<OqsCapture>,
    ) -> Self {
        let prepared = crate::request::prepare(keyword, &request);
        let label = match &request {
            OqsRequest::Lookup(_) => "lookup".to_owned(),
            OqsRequest::Raw(_) => "raw request".to_owned(),
            OqsRequest::Control(_) => format!("control {keyword}"),
        };
        OqsStep {
            keyword,
            request,
            expect,
            captures,
            prepared,
            label,
        }
    }
}

impl StepBody for OqsStep {
    fn keyword(&self) -> &'static str {
        self.keyword
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}

/// What a step sends. Each body is the step's value as its shape
/// (`crate::vocabulary`) read it, strings possibly holding `${…}`; at run
/// time the templates are filled in and the body becomes the request type.
#[derive(Clone, Debug)]
pub enum OqsRequest {
    /// `lookup:` ([`LookupStep`]).
    Lookup(Value),
    /// `raw:` ([`RawStep`]).
    Raw(Value),
    /// A control command (`myna_oqs::ControlCommand`; the keyword is its
    /// `op`).
    Control(Value),
}

impl OqsRequest {
    /// The step's body, as written.
    pub fn body(&self) -> &Value {
        match self {
            OqsRequest::Lookup(b) | OqsRequest::Raw(b) | OqsRequest::Control(b) => b,
        }
    }
}

/// A `lookup:` step.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupStep {
    /// Certificate serial (hex).
    pub serial: Option<String>,
    /// An insurance-card lookup instead.
    pub insurance_card: Option<InsuranceCard>,
    /// 資格確認日.
    pub date: Option<String>,
    /// 医療機関コード.
    pub institution: Option<String>,
    /// ArbitraryFileIdentifier.
    pub file_id: Option<String>,
    /// Consents.
    pub consent: Option<Consent>,
    /// Deadline in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A whole request, sent as written.
    pub message: Option<Value>,
}

/// The insurance card of a lookup.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsuranceCard {
    /// 保険者番号.
    pub insurer_number: String,
    /// 記号.
    #[serde(default)]
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番.
    pub branch: Option<String>,
    /// 生年月日.
    pub birth_date: String,
}

/// Consents given at the reader.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Consent {
    /// `all`.
    All(String),
    /// A flag per kind.
    Flags(ConsentFlags),
}

/// A flag per consent.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentFlags {
    /// 限度額.
    pub limit: bool,
    /// 特定疾病.
    pub specific_diseases: bool,
    /// 特定健診.
    pub health_checkups: bool,
    /// 薬剤.
    pub pharmacists: bool,
    /// 診療.
    pub diagnosis: bool,
    /// 手術.
    pub operation: bool,
}

/// A `raw:` step.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// `GET` or `POST` (default).
    pub method: Option<String>,
    /// Path (default the search path).
    pub path: Option<String>,
    /// A string is sent as is, anything else as JSON.
    pub body: Option<Value>,
    /// Deadline in milliseconds.
    pub timeout_ms: Option<u64>,
}

/// One `expect:` key with its matcher(s). Matchers are JSON-like values
/// whose strings may hold `${…}`: a scalar (compared as text), `null`
/// (absent), or a map of [`crate::vocabulary::MATCHERS`].
#[derive(Clone, Debug)]
pub enum Expectation {
    /// `status`.
    Status(Value),
    /// `timeout: true|false`.
    Timeout(bool),
    /// `validity`.
    Validity(Value),
    /// `result_status`.
    ResultStatus(Value),
    /// `result_code`.
    ResultCode(Value),
    /// `segment`.
    Segment(Value),
    /// `error_code`.
    ErrorCode(Value),
    /// `results` (a count).
    Results(Value),
    /// `result`: per result (index), field path → matcher.
    Result(Vec<Vec<(String, Value)>>),
    /// `json`: pointer → matcher.
    Json(Vec<(String, Value)>),
}

/// Where a capture takes its value from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureSource {
    /// `status`: the HTTP status.
    Status,
    /// `/json/pointer`: a value of the response body.
    Pointer(String),
}

/// `capture: { name: source }`.
#[derive(Clone, Debug)]
pub struct OqsCapture {
    /// Variable name.
    pub name: String,
    /// What to take.
    pub source: CaptureSource,
    /// Declared secret.
    pub secret: bool,
    /// Where it is written.
    pub at: Location,
}
