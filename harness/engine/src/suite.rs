//! Runs a selected suite and assembles the report.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Instant, SystemTime};

use myna_family::{Blame, Family};
use myna_report::{
    Report, RunError, RunInfo, RunStatus, ScenarioReport, Summary, TargetReport, Verdict,
    SCHEMA_VERSION,
};
use myna_scenario::{ExpectedFailure, ExpectedVerdict, Requirement};

use crate::budget::{Budget, Spent};
use crate::exit_code;
use crate::interrupt::Interrupt;
use crate::load::LoadedSuite;
use crate::scenario_run::{run_scenario_observed, unrun, LiveStep, StepObserver};
use crate::select::{select, Selection};

/// Options of one run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Scenario selection.
    pub selection: Selection,
    /// Known failures of this IUT.
    pub expectations: Vec<ExpectedFailure>,
    /// Metadata for `run_info` (command line, paths).
    pub run_info: RunInfo,
    /// Set by a Ctrl-C handler: stop after the current step.
    pub interrupt: Interrupt,
    /// Send a [`Progress::Step`] for each step execution (off by default:
    /// rendering each step twice costs time).
    pub live_steps: bool,
}

/// A progress event for the console.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The run starts with this many scenarios.
    Start(usize),
    /// A step execution ended (only with [`RunOptions::live_steps`]).
    Step(LiveStep<'a>),
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
    /// Whether a scenario not listed as expected failed (also when the
    /// report keeps no scenario, [`run_suite_streamed`]).
    unexpected_failure: bool,
}

impl RunResult {
    /// The report of a run that could not start or went on no further:
    /// no scenarios, `errors` holding `message` with its blame, the status
    /// `aborted`. What `options` says about the run (command, selection,
    /// rules date) is kept, so the report says what was attempted.
    pub fn aborted(options: &RunOptions, blame: Blame, message: &str) -> RunResult {
        let now = rfc3339(SystemTime::now());
        let mut run_info = options.run_info.clone();
        run_info.harness_version = env!("CARGO_PKG_VERSION").to_string();
        run_info.rules_date = options.selection.rules_date.clone();
        run_info.hostname = hostname();
        run_info.started_at = now.clone();
        run_info.finished_at = now;
        run_info.status = RunStatus::Aborted;
        RunResult {
            report: Report {
                schema_version: SCHEMA_VERSION.to_string(),
                run_info,
                errors: vec![RunError {
                    blame: blame.as_str().to_string(),
                    message: message.to_string(),
                }],
                ..Report::default()
            },
            blame: Some(blame),
            unexpected_failure: false,
        }
    }

    /// The process exit code for this run: [`exit_code::INTERRUPTED`] for an
    /// interrupted run, else the worst blame's, else 1 for an unexpected
    /// failure, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.report.run_info.status == RunStatus::Interrupted {
            return exit_code::INTERRUPTED;
        }
        if let Some(blame) = self.blame {
            return exit_code::of_blame(blame);
        }
        let unexpected_fail = self.report.scenarios.iter().any(is_unexpected_failure);
        if self.unexpected_failure || unexpected_fail {
            exit_code::FAILURES
        } else {
            exit_code::OK
        }
    }
}

/// The exit code a finished report stands for, as [`RunResult::exit_code`]
/// computes it during the run (for `report merge`, which has only the
/// reports): interrupted, else the worst blame of a run error or of an
/// `error` scenario not listed as expected, else 1 for an unexpected
/// failure, else 0.
pub fn exit_code_of(report: &Report) -> i32 {
    let blame_of = |name: &str| {
        [
            Blame::Iut,
            Blame::Environment,
            Blame::Author,
            Blame::Harness,
        ]
        .into_iter()
        .find(|b| b.as_str() == name)
        // A blame this version does not know is still not a pass.
        .unwrap_or(Blame::Harness)
    };
    let run_errors = report.errors.iter().map(|e| blame_of(&e.blame));
    let scenario_errors = report
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Error && s.expected_failure.is_none())
        .map(|s| s.blame.as_deref().map_or(Blame::Harness, blame_of));
    RunResult {
        report: report.clone(),
        blame: run_errors.chain(scenario_errors).max(),
        unexpected_failure: false,
    }
    .exit_code()
}

fn is_unexpected_failure(scenario: &ScenarioReport) -> bool {
    scenario.verdict == Verdict::Fail && scenario.expected_failure.is_none()
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

/// The machine's name, for `run_info.hostname` and JUnit.
fn hostname() -> Option<String> {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let from_env = || {
        std::env::var("HOSTNAME")
            .or_else(|_| std::env::var("COMPUTERNAME"))
            .ok()
    };
    from_kernel
        .or_else(from_env)
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
}

/// What played each role the selected scenarios use.
fn targets(families: &mut [Box<dyn Family>], used: &[&str]) -> BTreeMap<String, TargetReport> {
    let mut targets = BTreeMap::new();
    for family in families.iter_mut().filter(|f| used.contains(&f.family())) {
        let mut target = TargetReport {
            capabilities: family.declared_capabilities(),
            ..TargetReport::default()
        };
        // Without a description the report simply lacks the target's
        // details; every scenario reports the opening error itself.
        if let Ok(info) = family.describe() {
            target.target = info.target;
            target.capabilities = info.capabilities;
            for (key, value) in info.details {
                target.details.insert(key, value.into());
            }
        }
        targets.insert(family.family().to_string(), target);
    }
    targets
}

/// Runs the selected scenarios of `suite` with `families`, under the
/// default [`Budget`].
pub fn run_suite(
    suite: &LoadedSuite,
    families: &mut [Box<dyn Family>],
    options: &RunOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> RunResult {
    run_suite_budgeted(suite, families, options, &Budget::default(), progress)
}

/// [`run_suite`] under `budget` (exchanges per scenario and per run, the
/// evidence cap).
pub fn run_suite_budgeted(
    suite: &LoadedSuite,
    families: &mut [Box<dyn Family>],
    options: &RunOptions,
    budget: &Budget,
    progress: &mut dyn FnMut(Progress<'_>),
) -> RunResult {
    run(suite, families, options, budget, Keep::Scenarios, progress)
}

/// [`run_suite_budgeted`] keeping no scenario: each is handed to
/// `progress` ([`Progress::Finished`]) and dropped, so the run's memory
/// does not grow with its length (issue 14 goal 6). The report's
/// `scenarios` is empty; its summary and requirements count every scenario
/// that ran, and the exit code is the same. The caller writes each
/// scenario as it finishes (`myna_report::SetWriter`).
pub fn run_suite_streamed(
    suite: &LoadedSuite,
    families: &mut [Box<dyn Family>],
    options: &RunOptions,
    budget: &Budget,
    progress: &mut dyn FnMut(Progress<'_>),
) -> RunResult {
    run(suite, families, options, budget, Keep::Counts, progress)
}

/// What a run keeps of its finished scenarios.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Keep {
    /// Every scenario's report.
    #[default]
    Scenarios,
    /// Their counts and requirement citations only.
    Counts,
}

fn run(
    suite: &LoadedSuite,
    families: &mut [Box<dyn Family>],
    options: &RunOptions,
    budget: &Budget,
    keep: Keep,
    progress: &mut dyn FnMut(Progress<'_>),
) -> RunResult {
    let mut spent = Spent::default();
    let started_at = SystemTime::now();
    let started = Instant::now();
    let selected = select(&suite.scenarios, &suite.requirements, &options.selection);
    progress(Progress::Start(selected.len()));
    let mut used: Vec<&str> = Vec::new();
    for scenario in &selected {
        for family in &scenario.families {
            if !used.contains(family) {
                used.push(family);
            }
        }
    }
    let mut run_info = options.run_info.clone();
    run_info.harness_version = env!("CARGO_PKG_VERSION").to_string();
    run_info.rules_date = options.selection.rules_date.clone();
    run_info.scenario_files = suite.files.clone();
    run_info.requirements_file = suite.requirements_file.clone();
    run_info.targets = targets(families, &used);
    run_info.hostname = hostname();

    let mut blame = None;
    let mut kept = Kept {
        keep,
        ..Kept::default()
    };
    for scenario in selected {
        if options.interrupt.is_requested() {
            run_info.status = RunStatus::Interrupted;
            break;
        }
        let listed = options
            .expectations
            .iter()
            .find(|e| e.matches(&scenario.id));
        if let Some(entry) = listed.filter(|e| e.verdict == Some(ExpectedVerdict::Skip)) {
            let report = unrun(scenario, Verdict::Skipped, entry.reason.clone());
            progress(Progress::Finished(&report));
            kept.add(report);
            continue;
        }
        // A family's panic outside a step (opening a session) is this
        // scenario's harness error, and the run goes on.
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let mut on_step = |step: LiveStep<'_>| progress(Progress::Step(step));
            let observer: Option<StepObserver<'_>> = if options.live_steps {
                Some(&mut on_step)
            } else {
                None
            };
            run_scenario_observed(
                scenario,
                families,
                budget,
                &mut spent,
                &options.interrupt,
                observer,
            )
        }));
        let outcome = ran.unwrap_or_else(|_| crate::scenario_run::ScenarioOutcome {
            report: ScenarioReport {
                verdict: Verdict::Error,
                blame: Some(Blame::Harness.as_str().to_string()),
                ..unrun(
                    scenario,
                    Verdict::Error,
                    format!(
                        "{}: internal error while running the scenario (please report it)",
                        scenario.at
                    ),
                )
            },
            blame: Some(Blame::Harness),
        });
        let mut report = outcome.report;
        if let Some(entry) = listed {
            apply_expectation(&mut report, entry);
        }
        if report.expected_failure.is_none() {
            blame = blame.max(outcome.blame);
        }
        progress(Progress::Finished(&report));
        kept.add(report);
    }
    if options.interrupt.is_requested() {
        run_info.status = RunStatus::Interrupted;
    }

    run_info.started_at = rfc3339(started_at);
    run_info.finished_at = rfc3339(SystemTime::now());
    run_info.duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    // A shard lists the whole catalogue too, so merged shards still show
    // the requirements no scenario covers.
    let whole_suite = options.selection.filters.is_empty() && options.selection.tags.is_empty();
    let requirements = rollup(&suite.requirements, kept.citations, whole_suite);
    RunResult {
        report: Report {
            schema_version: SCHEMA_VERSION.to_string(),
            run_info,
            summary: kept.summary,
            scenarios: kept.scenarios,
            requirements,
            errors: Vec::new(),
            files: Vec::new(),
        },
        blame,
        unexpected_failure: kept.unexpected_failure,
    }
}

/// The finished scenarios, or what the report needs of them.
#[derive(Default)]
struct Kept {
    keep: Keep,
    scenarios: Vec<ScenarioReport>,
    summary: Summary,
    citations: myna_report::Rollup,
    unexpected_failure: bool,
}

impl Kept {
    fn add(&mut self, report: ScenarioReport) {
        self.summary.add_scenario(&report);
        self.citations.add(&report);
        self.unexpected_failure |= is_unexpected_failure(&report);
        if self.keep == Keep::Scenarios {
            self.scenarios.push(report);
        }
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

/// Requirement verdicts; a whole-suite run lists uncited requirements too
/// (`covered: false`) so certifiers see the gaps.
fn rollup(
    requirements: &[Requirement],
    citations: myna_report::Rollup,
    whole_suite: bool,
) -> Vec<myna_report::RequirementReport> {
    let infos: Vec<myna_report::RequirementInfo> = requirements
        .iter()
        .map(|r| myna_report::RequirementInfo {
            id: r.id.clone(),
            text: r.text.clone(),
            level: Some(crate::render::level(r.level)),
            family: Some(r.family.clone()),
            source: r.source.clone(),
        })
        .collect();
    let scope = if whole_suite {
        myna_report::RollupScope::All
    } else {
        myna_report::RollupScope::Cited
    };
    citations.finish(&infos, scope)
}
