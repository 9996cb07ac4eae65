//! The `report.json` contract (DESIGN §5). Field names here are relied on by
//! users and scripts: add fields, never rename or remove them without bumping
//! [`SCHEMA_VERSION`]'s major number.
//!
//! The shape is open to new families: a target is a role name mapped to
//! what played it ([`TargetReport`]), and an evidence record is a `type`,
//! a time, the role it came from and the family's own fields
//! ([`Evidence`]). Nothing here names a family.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::fields::Fields;

/// `major.minor`; minor grows when fields are added.
///
/// History: `1.1` added [`RequirementReport::covered`]. `2.0` opened the
/// shape to every family: `run_info.targets` maps each role the run used to
/// a [`TargetReport`] (the `reader_name` and `atr` of 1.x are fields of the
/// `card` target now, and the `reader`/`portal` roles 1.x always claimed as
/// `builtin` are gone); [`Evidence`] is one open record (`type`, `at_us`,
/// `target`, optional `duration_us` and `summary`, the family's fields);
/// steps name their `family`, failures may carry a `note` (e.g. a server's
/// reason for a 4xx answer), scenarios their `blame` and `targets`. 1.x
/// files are still read (`crate::v1`).
///
/// `3.0`: durations are integer microseconds (`run_info.duration_us`,
/// `scenarios[].duration_us`; the float `duration_ms` is gone); levels are
/// the enum `must`/`should` (`null` for a requirement the catalogue lacks,
/// never `""`); a requirement no scenario cites has the verdict
/// `uncovered`; new: `run_info.status` (`complete`, `interrupted`,
/// `aborted`), `run_info.hostname`, `errors[]` (what stopped or prevented
/// the run) and `files[]` (the SHA-256 of the other report files, signed
/// with `report.json`). 2.x files are read through `crate::v2`.
pub const SCHEMA_VERSION: &str = "3.0";

/// A whole run.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
#[schemars(title = "myna-conform report.json")]
pub struct Report {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: String,
    /// What ran, where, against what.
    pub run_info: RunInfo,
    /// Counts per verdict.
    pub summary: Summary,
    /// One entry per scenario, in run order.
    pub scenarios: Vec<ScenarioReport>,
    /// One entry per requirement that any selected scenario cites, catalogue order.
    /// A full rollup also lists the catalogue's uncited requirements, marked
    /// `covered: false` (see [`RequirementReport::covered`]).
    pub requirements: Vec<RequirementReport>,
    /// What went wrong outside any scenario: an infrastructure error before
    /// the first step (a reader that cannot be opened), a scenario file
    /// that does not load, an interruption (since 3.0).
    #[serde(default)]
    pub errors: Vec<RunError>,
    /// The other report files written with this one (`junit.xml`,
    /// `summary.md`, `report.html`) and their SHA-256, so that the
    /// signature over `report.json` covers them too (since 3.0).
    #[serde(default)]
    pub files: Vec<FileHash>,
}

/// An error of the run as a whole (not of one scenario).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RunError {
    /// Who is at fault: `iut`, `environment`, `author` or `harness`.
    #[schemars(schema_with = "blame_schema")]
    pub blame: String,
    /// What happened, secrets redacted.
    pub message: String,
}

/// How far the run got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every selected scenario ran.
    #[default]
    Complete,
    /// Stopped early on request (Ctrl-C): the scenario running then
    /// finished its current step and its `finally` steps; the rest did not run.
    Interrupted,
    /// Stopped before or during the run by an error in `errors`.
    Aborted,
}

impl RunStatus {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Aborted => "aborted",
        }
    }
}

/// `must` or `should`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A failed expectation is a `fail`.
    #[default]
    Must,
    /// A failed expectation is a `warn`.
    Should,
}

impl Level {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
        }
    }
}

/// The JSON Schema of a blame name.
fn blame_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    string_enum(&["iut", "environment", "author", "harness"])
}

/// The JSON Schema of an optional blame name.
fn optional_blame_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    let mut schema = schemars::schema::SchemaObject::default();
    schema.metadata().description =
        Some("For `error`: who is at fault (`null` otherwise).".to_owned());
    schema.subschemas().any_of = Some(vec![
        string_enum(&["iut", "environment", "author", "harness"]),
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::Null.into()),
            ..Default::default()
        }
        .into(),
    ]);
    schema.into()
}

fn string_enum(values: &[&str]) -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        enum_values: Some(values.iter().map(|v| (*v).into()).collect()),
        ..Default::default()
    }
    .into()
}

/// Verdicts, from best to worst. A scenario's verdict only gets worse step
/// by step; a requirement's is the worst of its scenarios.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Listed in the expectations file with a reason; not run.
    Skipped,
    /// The target lacks a capability the scenario needs.
    NotApplicable,
    /// Every expectation held.
    #[default]
    Pass,
    /// A should-level expectation failed.
    Warn,
    /// A must-level expectation failed.
    Fail,
    /// The harness or the target's transport broke (timeout, disconnect, bad file).
    Error,
}

impl Verdict {
    /// The worse of two verdicts (`error` > `fail` > `warn` > `pass` >
    /// `not_applicable` > `skipped`).
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// The name used in JSON and on the console.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Skipped => "skipped",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// Run metadata.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RunInfo {
    /// `myna-conform` version.
    pub harness_version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// Wall time of the run, in microseconds (since 3.0; 2.x had
    /// `duration_ms`).
    pub duration_us: u64,
    /// Whether every selected scenario ran (since 3.0).
    #[serde(default)]
    pub status: RunStatus,
    /// The machine the run ran on (since 3.0).
    #[serde(default)]
    pub hostname: Option<String>,
    /// The command line, secrets removed.
    pub command: Vec<String>,
    /// What played each role the run used (`card`, `oqs`, …), by role name.
    pub targets: BTreeMap<String, TargetReport>,
    /// `--rules DATE` (YYYY-MM-DD): the rule set in force.
    pub rules_date: String,
    /// `--filter` / `--tags` / `--shard` as given.
    pub selection: Selection,
    /// The expectations file, if any, with its SHA-256.
    pub expectations_file: Option<FileHash>,
    /// Every scenario file (and included fragment) that was loaded, with its SHA-256.
    pub scenario_files: Vec<FileHash>,
    /// The requirement catalogue with its SHA-256.
    pub requirements_file: Option<FileHash>,
    /// The implementation conformance statement given with `--iut FILE`:
    /// what the implementation under test is and declares (name, version,
    /// capabilities, the test card's persona, known failures), as read;
    /// absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iut: Option<serde_json::Value>,
}

/// What played one role: a built-in reference or an implementation under
/// test.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TargetReport {
    /// `emu`, `pcsc:NAME`, `builtin`, a URL, ….
    pub target: String,
    /// Capabilities the target declared (for `applies_if`).
    pub capabilities: Vec<String>,
    /// The family's own facts about the target (the card's `reader_name`
    /// and `atr`, …).
    #[serde(flatten)]
    pub details: BTreeMap<String, serde_json::Value>,
}

/// Scenario selection.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Selection {
    /// Paths given to `run`.
    pub paths: Vec<String>,
    /// `--filter`.
    pub filter: Option<String>,
    /// `--tags`.
    pub tags: Vec<String>,
    /// `--shard K/N`.
    pub shard: Option<String>,
}

/// A file and its content hash.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct FileHash {
    /// Path as loaded.
    pub path: String,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Counts per verdict.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Summary {
    /// Scenarios in the report.
    pub total: usize,
    /// Per verdict.
    pub pass: usize,
    /// Per verdict.
    pub fail: usize,
    /// Per verdict.
    pub warn: usize,
    /// Per verdict.
    pub not_applicable: usize,
    /// Per verdict.
    pub error: usize,
    /// Per verdict.
    pub skipped: usize,
    /// Failures listed in the expectations file (still counted in `fail`/`warn`).
    pub expected_failures: usize,
}

/// One scenario's result.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScenarioReport {
    /// Scenario id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `card`, `reader`, `portal`, `oqs`.
    pub family: String,
    /// Scenario file (`file:line:col` of its start is `file:1:1`).
    pub file: String,
    /// `must` / `should`.
    pub level: Level,
    /// Final verdict.
    pub verdict: Verdict,
    /// Why: the first failure, the missing capability, the skip reason, the error.
    pub message: Option<String>,
    /// For `error`: who is at fault, `iut`, `environment`, `author` or
    /// `harness` (since 2.0).
    #[serde(default)]
    #[schemars(schema_with = "optional_blame_schema")]
    pub blame: Option<String>,
    /// The roles whose targets the scenario used, in the order they were
    /// opened (since 2.0).
    #[serde(default)]
    pub targets: Vec<String>,
    /// Requirement ids.
    pub requirements: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Persona used (emulator) or declared.
    pub persona: Option<String>,
    /// If the expectations file lists this scenario: its reason.
    pub expected_failure: Option<String>,
    /// Wall time, in microseconds (since 3.0; 2.x had a float
    /// `duration_ms`).
    pub duration_us: u64,
    /// Steps in run order (`finally` steps included, marked).
    pub steps: Vec<StepReport>,
}

/// One executed step (a repeated step appears once per repetition).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct StepReport {
    /// 0-based position in the run order.
    pub index: usize,
    /// The family the step belongs to (since 2.0).
    #[serde(default)]
    pub family: Cow<'static, str>,
    /// The action keyword (`apdu`, `select`, `verify`, …).
    pub kind: Cow<'static, str>,
    /// Human summary of the action, secrets redacted (e.g. `VERIFY 0018 pin=<redacted>`).
    pub label: String,
    /// `file:line:col` of the step.
    pub location: String,
    /// If the step came from an include: where the include is.
    pub included_from: Option<String>,
    /// 1-based repetition number for `repeat`.
    pub repetition: Option<u32>,
    /// Whether the step ran in `finally`.
    pub is_finally: bool,
    /// The step's own verdict.
    pub verdict: Verdict,
    /// Failed expectations (empty when the step passed).
    pub failures: Vec<Failure>,
    /// Wall time.
    pub duration_us: u64,
    /// The wire exchange(s), secrets redacted.
    pub evidence: Vec<Evidence>,
}

/// A failed expectation.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Failure {
    /// `file:line:col` of the expectation.
    pub location: String,
    /// Which check (`sw`, `data`, `tlv FF20/DF22`, `cert.serial`, …).
    pub check: String,
    /// What was expected, secrets redacted.
    pub expected: String,
    /// What was seen, secrets redacted.
    pub actual: String,
    /// What else the target said, secrets redacted: e.g. the server's
    /// reason for a 4xx answer (since 2.0).
    #[serde(default)]
    pub note: Option<String>,
    /// `must` → fail, `should` → warn.
    pub level: Level,
}

/// One recorded event: a wire exchange (`apdu`, `http`, …), a power or
/// transport event, a note. `type` says which; the family that recorded it
/// names its own fields, which sit beside the common ones.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Evidence {
    /// What kind of event (`apdu`, `http`, `power`, `transport_error`,
    /// `note`, …).
    #[serde(rename = "type")]
    pub kind: Cow<'static, str>,
    /// Microseconds since the scenario started.
    pub at_us: u64,
    /// The role whose target it came from (`card`, `oqs`, …).
    #[serde(default)]
    pub target: Cow<'static, str>,
    /// How long it took (a round trip), when it took time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_us: Option<u64>,
    /// A one-line human decoding (`SELECT jpki → 9000 success`), secrets
    /// redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The family's fields (`command`, `response`, `sw` of an APDU; `method`,
    /// `path`, `status`, `request`, `response` of an HTTP exchange), bytes as
    /// uppercase hex with redacted bytes as `**`, secrets redacted.
    #[serde(flatten)]
    pub fields: Fields,
}

impl Evidence {
    /// A text field, if present.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(serde_json::Value::as_str)
    }
}

/// One requirement's rollup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RequirementReport {
    /// Catalogue id.
    pub id: String,
    /// One-sentence text.
    pub text: String,
    /// `must` / `should`; `null` for an id the catalogue lacks.
    pub level: Option<Level>,
    /// The family whose scenarios may cite it, from the catalogue; `null`
    /// for an id the catalogue lacks (since 3.0).
    #[serde(default)]
    pub family: Option<String>,
    /// Seed file + quoted words, or a public document.
    pub source: String,
    /// Worst verdict of its scenarios; `uncovered` when none cites it.
    pub verdict: RequirementVerdict,
    /// Scenario ids that cite it.
    pub scenarios: Vec<String>,
    /// Whether any scenario in the report cites it (since schema 1.1). An
    /// uncovered requirement is listed so certifiers see the gap; its
    /// `verdict` is `uncovered` (since 3.0; `not_applicable` before) and
    /// `scenarios` is empty. Absent in 1.0
    /// files, which only listed cited requirements, hence the default `true`.
    #[serde(default = "covered_by_default")]
    pub covered: bool,
}

/// Serde default for [`RequirementReport::covered`]: 1.0 files listed only
/// cited requirements.
fn covered_by_default() -> bool {
    true
}

impl Default for RequirementReport {
    /// An empty, covered entry (as a 1.0 file would have had it).
    fn default() -> Self {
        RequirementReport {
            id: String::new(),
            text: String::new(),
            level: None,
            family: None,
            source: String::new(),
            verdict: RequirementVerdict::default(),
            scenarios: Vec::new(),
            covered: covered_by_default(),
        }
    }
}

/// A requirement's verdict: the worst of its scenarios' verdicts, or
/// `uncovered` when no scenario in the report cites it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementVerdict {
    /// No scenario in the report cites it.
    Uncovered,
    /// Every citing scenario was skipped.
    Skipped,
    /// No citing scenario applied to the target.
    NotApplicable,
    /// The worst citing scenario passed.
    #[default]
    Pass,
    /// The worst citing scenario warned.
    Warn,
    /// The worst citing scenario failed.
    Fail,
    /// The worst citing scenario erred.
    Error,
}

impl From<Verdict> for RequirementVerdict {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Skipped => RequirementVerdict::Skipped,
            Verdict::NotApplicable => RequirementVerdict::NotApplicable,
            Verdict::Pass => RequirementVerdict::Pass,
            Verdict::Warn => RequirementVerdict::Warn,
            Verdict::Fail => RequirementVerdict::Fail,
            Verdict::Error => RequirementVerdict::Error,
        }
    }
}

impl RequirementVerdict {
    /// The scenario verdict it rolls up, `None` for `uncovered`.
    pub fn scenario_verdict(self) -> Option<Verdict> {
        Some(match self {
            RequirementVerdict::Uncovered => return None,
            RequirementVerdict::Skipped => Verdict::Skipped,
            RequirementVerdict::NotApplicable => Verdict::NotApplicable,
            RequirementVerdict::Pass => Verdict::Pass,
            RequirementVerdict::Warn => Verdict::Warn,
            RequirementVerdict::Fail => Verdict::Fail,
            RequirementVerdict::Error => Verdict::Error,
        })
    }

    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        self.scenario_verdict().map_or("uncovered", Verdict::as_str)
    }
}

/// The JSON Schema of `report.json` (draft-07), as `report schema` prints it.
pub fn report_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Report);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}
