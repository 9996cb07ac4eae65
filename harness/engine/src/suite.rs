//! Runs a selected suite and assembles the report.

use std::time::{Instant, SystemTime};

use std::collections::BTreeMap;

use myna_report::{
    Report, RunInfo, ScenarioReport, Summary, TargetReport, Verdict, SCHEMA_VERSION,
};
use myna_scenario::{ExpectedFailure, ExpectedVerdict, Family, Requirement, Scenario};

use crate::load::LoadedSuite;
use crate::scenario_run::{run_scenario, Blame, RunContext};
use crate::select::{select, Selection};
use crate::target::{CardProvider, OpenedCard, OqsProvider, ProviderError};

/// Options of one run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Scenario selection.
    pub selection: Selection,
    /// Known failures of this IUT.
    pub expectations: Vec<ExpectedFailure>,
    /// Metadata for `run_info` (command line, paths, targets).
    pub run_info: RunInfo,
}

/// A progress event for the console.
#[derive(Clone, Debug)]
pub enum Progress<'a> {
    /// The run starts with this many scenarios.
    Start(usize),
    /// A scenario finished.
    Finished(&'a ScenarioReport),
}

/// The finished run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The report.
    pub report: Report,
    /// The worst blame among `error` verdicts not listed as expected.
    pub blame: Option<Blame>,
}

/// Documented exit codes (DESIGN §7).
pub mod exit_code {
    /// All pass, or only expected failures (warnings included).
    pub const OK: i32 = 0;
    /// Conformance failures.
    pub const FAILURES: i32 = 1;
    /// Bad input: a scenario, the catalogue, or the arguments.
    pub const BAD_INPUT: i32 = 2;
    /// Infrastructure error: IUT unreachable, pcscd missing, transport broken.
    pub const INFRASTRUCTURE: i32 = 3;
}

impl RunResult {
    /// The process exit code for this run (no `_` arm: every blame is mapped).
    pub fn exit_code(&self) -> i32 {
        if let Some(blame) = self.blame {
            return match blame {
                Blame::Author => exit_code::BAD_INPUT,
                Blame::Environment => exit_code::INFRASTRUCTURE,
                Blame::Iut => exit_code::FAILURES,
            };
        }
        let unexpected_fail = self
            .report
            .scenarios
            .iter()
            .any(|s| s.verdict == Verdict::Fail && s.expected_failure.is_none());
        if unexpected_fail {
            exit_code::FAILURES
        } else {
            exit_code::OK
        }
    }
}

fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .ok()
        .and_then(|dt| {
            dt.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The targets of a run, one provider per role.
pub struct Providers<'a> {
    /// Cards.
    pub card: &'a mut dyn CardProvider,
    /// Eligibility services.
    pub oqs: &'a mut dyn OqsProvider,
}

/// Runs the selected scenarios of `suite` against `providers`.
pub fn run_suite(
    suite: &LoadedSuite,
    providers: Providers<'_>,
    options: &RunOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> RunResult {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let selected = select(&suite.scenarios, &suite.requirements, &options.selection);
    progress(Progress::Start(selected.len()));
    let Providers {
        card: provider,
        oqs,
    } = providers;
    let mut capabilities = provider.capabilities();
    capabilities.extend(oqs.capabilities());
    let mut run_info = options.run_info.clone();
    run_info.harness_version = env!("CARGO_PKG_VERSION").to_string();
    run_info.rules_date = options.selection.rules_date.clone();
    run_info.scenario_files = suite.files.clone();
    run_info.requirements_file = suite.requirements_file.clone();
    // Only the roles the selected scenarios use.
    let uses = |family: Family| selected.iter().any(|s| s.family == family);
    run_info.targets = BTreeMap::new();
    if uses(Family::Card) {
        let mut card = TargetReport {
            capabilities: provider.capabilities(),
            ..TargetReport::default()
        };
        // Without a description the report simply lacks the ATR; every
        // scenario will report the provider's error itself.
        if let Ok(info) = provider.describe() {
            card.target = info.target;
            if let Some(reader) = info.reader_name {
                card.details.insert("reader_name".into(), reader.into());
            }
            card.details
                .insert("atr".into(), hex::encode_upper(&info.atr).into());
        }
        run_info.targets.insert("card".into(), card);
    }
    if uses(Family::Oqs) {
        run_info.targets.insert(
            "oqs".into(),
            TargetReport {
                target: oqs.describe(),
                capabilities: oqs.capabilities(),
                ..TargetReport::default()
            },
        );
    }

    let mut blame = None;
    let mut scenarios = Vec::with_capacity(selected.len());
    for scenario in selected {
        let listed = options
            .expectations
            .iter()
            .find(|e| e.matches(&scenario.id));
        if let Some(entry) = listed.filter(|e| e.verdict == Some(ExpectedVerdict::Skip)) {
            let report = unrun(scenario, Verdict::Skipped, entry.reason.clone());
            progress(Progress::Finished(&report));
            scenarios.push(report);
            continue;
        }
        let (mut report, scenario_blame) = run_one(scenario, provider, oqs, &capabilities);
        if let Some(entry) = listed {
            apply_expectation(&mut report, entry);
        }
        if report.expected_failure.is_none() {
            blame = blame.max(scenario_blame);
        }
        progress(Progress::Finished(&report));
        scenarios.push(report);
    }

    run_info.started_at = rfc3339(started_at);
    run_info.finished_at = rfc3339(SystemTime::now());
    run_info.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    // A shard lists the whole catalogue too, so merged shards still show
    // the requirements no scenario covers.
    let whole_suite = options.selection.filter.is_none() && options.selection.tags.is_empty();
    let requirements = rollup(&suite.requirements, &scenarios, whole_suite);
    let summary = Summary::from_scenarios(&scenarios);
    RunResult {
        report: Report {
            schema_version: SCHEMA_VERSION.to_string(),
            run_info,
            summary,
            scenarios,
            requirements,
        },
        blame,
    }
}

/// Marks a listed scenario: a failure of the listed kind (any non-pass
/// kind when the entry names none) is expected; another outcome is not,
/// and a pass says the entry is stale.
fn apply_expectation(report: &mut ScenarioReport, entry: &ExpectedFailure) {
    let listed_kind = entry.verdict.map(|v| v.as_str());
    let matches = match listed_kind {
        None => report.verdict > Verdict::Pass,
        Some(kind) => report.verdict.as_str() == kind,
    };
    if matches {
        report.expected_failure = Some(entry.reason.clone());
    } else if report.verdict == Verdict::Pass {
        report.message = Some(format!(
            "listed as a known failure ({}) but passes: remove it from the expectations file",
            entry.reason
        ));
    } else if let Some(kind) = listed_kind {
        let note = format!(
            "listed as a known {kind} ({}), but the verdict is {}",
            entry.reason,
            report.verdict.as_str()
        );
        report.message = Some(match report.message.take() {
            Some(m) => format!("{m} ({note})"),
            None => note,
        });
    }
}

/// The report entry of a scenario that did not get to run.
fn unrun(scenario: &Scenario, verdict: Verdict, message: String) -> ScenarioReport {
    ScenarioReport {
        id: scenario.id.clone(),
        title: scenario.title.clone(),
        family: scenario.family.as_str().to_string(),
        file: scenario.at.file.to_string(),
        verdict,
        message: Some(message),
        requirements: scenario.requirements.clone(),
        tags: scenario.tags.clone(),
        persona: scenario.persona.clone(),
        ..ScenarioReport::default()
    }
}

/// Runs one scenario with a target from the provider of its family (a
/// fresh card, a fresh OQS model, …); `capabilities` are the run's.
pub fn run_one(
    scenario: &Scenario,
    cards: &mut dyn CardProvider,
    oqs: &mut dyn OqsProvider,
    capabilities: &[String],
) -> (ScenarioReport, Option<Blame>) {
    let opened = match scenario.family {
        Family::Card => cards.open(scenario.persona.as_deref()).map(Opened::Card),
        Family::Oqs => oqs.open().map(Opened::Oqs),
        Family::Reader | Family::Portal => {
            let why = format!(
                "this version has no {} target; the scenario cannot run",
                scenario.family.as_str()
            );
            return (unrun(scenario, Verdict::NotApplicable, why), None);
        }
    };
    let mut opened = match opened {
        Ok(o) => o,
        Err(ProviderError::NotApplicable(why)) => {
            return (unrun(scenario, Verdict::NotApplicable, why), None);
        }
        Err(e) => {
            let blame = match e {
                ProviderError::UnknownPersona(_) => Blame::Author,
                ProviderError::Environment(_) | ProviderError::NotApplicable(_) => {
                    Blame::Environment
                }
            };
            let message = format!("{}: {e}", scenario.at);
            let mut report = unrun(scenario, Verdict::Error, message);
            report.blame = Some(blame.as_str().to_string());
            return (report, Some(blame));
        }
    };
    let outcome = match &mut opened {
        Opened::Card(card) => run_scenario(
            scenario,
            RunContext {
                card: Some(card.target.as_mut()),
                oqs: None,
                persona: &card.vars,
                persona_id: card.persona.clone(),
                capabilities,
            },
        ),
        Opened::Oqs(target) => run_scenario(
            scenario,
            RunContext {
                card: None,
                oqs: Some(target.as_mut()),
                persona: &[],
                persona_id: None,
                capabilities,
            },
        ),
    };
    (outcome.report, outcome.blame)
}

/// The target opened for one scenario.
enum Opened {
    Card(OpenedCard),
    Oqs(Box<dyn myna_oqs::OqsTarget>),
}

/// Requirement verdicts; a whole-suite run lists uncited requirements too
/// (`covered: false`) so certifiers see the gaps.
fn rollup(
    requirements: &[Requirement],
    scenarios: &[ScenarioReport],
    whole_suite: bool,
) -> Vec<myna_report::RequirementReport> {
    let infos: Vec<myna_report::RequirementInfo> = requirements
        .iter()
        .map(|r| myna_report::RequirementInfo {
            id: r.id.clone(),
            text: r.text.clone(),
            level: match r.level {
                myna_scenario::Level::Must => "must".into(),
                myna_scenario::Level::Should => "should".into(),
            },
            source: r.source.clone(),
        })
        .collect();
    let scope = if whole_suite {
        myna_report::RollupScope::All
    } else {
        myna_report::RollupScope::Cited
    };
    myna_report::rollup(&infos, scenarios, scope)
}
