//! The `report.json` contract (DESIGN §5). Field names here are relied on by
//! users and scripts: add fields, never rename or remove them without bumping
//! [`SCHEMA_VERSION`]'s major number.

use serde::{Deserialize, Serialize};

/// `major.minor`; minor grows when fields are added.
///
/// History: `1.1` added [`RequirementReport::covered`].
pub const SCHEMA_VERSION: &str = "1.1";

/// A whole run.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
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
}

/// Verdicts, from best to worst. A scenario's verdict only gets worse step
/// by step; a requirement's is the worst of its scenarios.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// `myna-conform` version.
    pub harness_version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// The command line, secrets removed.
    pub command: Vec<String>,
    /// The targets each role was played by.
    pub targets: Targets,
    /// PC/SC reader name when the card target is a real reader (else `null`).
    pub reader_name: Option<String>,
    /// The card's ATR, uppercase hex.
    pub atr: Option<String>,
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
}

/// Which implementation played each role.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Targets {
    /// `emu`, `pcsc:NAME`.
    pub card: String,
    /// `builtin` or `tcp://…`.
    pub reader: String,
    /// `builtin` or a URL.
    pub portal: String,
    /// `builtin` or a URL.
    pub oqs: String,
    /// Capabilities the targets declared (for `applies_if`).
    pub capabilities: Vec<String>,
}

/// Scenario selection.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FileHash {
    /// Path as loaded.
    pub path: String,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Counts per verdict.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
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
    pub level: String,
    /// Final verdict.
    pub verdict: Verdict,
    /// Why: the first failure, the missing capability, the skip reason, the error.
    pub message: Option<String>,
    /// Requirement ids.
    pub requirements: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Persona used (emulator) or declared.
    pub persona: Option<String>,
    /// If the expectations file lists this scenario: its reason.
    pub expected_failure: Option<String>,
    /// Wall time.
    pub duration_ms: f64,
    /// Steps in run order (`finally` steps included, marked).
    pub steps: Vec<StepReport>,
}

/// One executed step (a repeated step appears once per repetition).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StepReport {
    /// 0-based position in the run order.
    pub index: usize,
    /// The action keyword (`apdu`, `select`, `verify`, …).
    pub kind: String,
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// `file:line:col` of the expectation.
    pub location: String,
    /// Which check (`sw`, `data`, `tlv FF20/DF22`, `cert.serial`, …).
    pub check: String,
    /// What was expected, secrets redacted.
    pub expected: String,
    /// What was seen, secrets redacted.
    pub actual: String,
    /// `must` → fail, `should` → warn.
    pub level: String,
}

/// One wire event.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A C-APDU and its R-APDU.
    Apdu {
        /// Microseconds since the scenario started.
        at_us: u64,
        /// C-APDU, uppercase hex; redacted bytes as `**`.
        command: String,
        /// R-APDU data, uppercase hex; redacted bytes as `**`.
        response: String,
        /// Status word, 4 hex digits.
        sw: String,
        /// Round trip.
        duration_us: u64,
    },
    /// An HTTP exchange (eligibility lookup, portal, test-control API).
    Http {
        /// Microseconds since the scenario started.
        at_us: u64,
        /// `GET`, `POST`, ….
        method: String,
        /// Path from the API root.
        path: String,
        /// HTTP status; `null` when no answer came.
        status: Option<u16>,
        /// Request body (JSON), secrets redacted.
        request: serde_json::Value,
        /// Response body (JSON), secrets redacted.
        response: serde_json::Value,
        /// Round trip.
        duration_us: u64,
    },
    /// A power event.
    Power {
        /// Microseconds since the scenario started.
        at_us: u64,
        /// `off`, `on`, `reset`.
        action: String,
        /// ATR after `on`/`reset`, uppercase hex.
        atr: Option<String>,
    },
    /// A transport failure (the step's verdict is `error`).
    TransportError {
        /// Microseconds since the scenario started.
        at_us: u64,
        /// What broke.
        message: String,
    },
    /// A note from the harness (e.g. a `61xx` GET RESPONSE it sent).
    Note {
        /// Microseconds since the scenario started.
        at_us: u64,
        /// Text.
        message: String,
    },
}

/// One requirement's rollup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RequirementReport {
    /// Catalogue id.
    pub id: String,
    /// One-sentence text.
    pub text: String,
    /// `must` / `should`.
    pub level: String,
    /// Seed file + quoted words, or a public document.
    pub source: String,
    /// Worst verdict of its scenarios.
    pub verdict: Verdict,
    /// Scenario ids that cite it.
    pub scenarios: Vec<String>,
    /// Whether any scenario in the report cites it (since schema 1.1). An
    /// uncovered requirement is listed so certifiers see the gap; its
    /// `verdict` is `not_applicable` and `scenarios` is empty. Absent in 1.0
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
            level: String::new(),
            source: String::new(),
            verdict: Verdict::default(),
            scenarios: Vec::new(),
            covered: covered_by_default(),
        }
    }
}
