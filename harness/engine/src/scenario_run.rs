//! Runs one scenario and produces its report entry.
//!
//! The sessions of every family the scenario uses are opened first, in
//! dependency order (`Scenario::families`). Verdicts only get worse step by
//! step. The first step that ends in `fail` or `error` stops the remaining
//! `steps`; `finally` steps always run. Evidence and messages are rendered
//! through the redactor at the end, so secrets learnt by later steps are
//! masked in earlier evidence too. An observer may also see each step as it
//! ends ([`LiveStep`]), rendered through the redactor as it is then.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use myna_family::{
    Blame, EvidenceLog, Family, Mismatch, OpenError, RawEvidence, Redactor, Sessions, StepCtx,
    StepEnd, Vars,
};
use myna_report::{ScenarioReport, StepReport, Verdict};
use myna_scenario::{Level, Scenario, Step};

use crate::budget::{Budget, Spent};
use crate::interrupt::Interrupt;
use crate::render;

/// A scenario's report entry and, for `error`, who is at fault.
#[derive(Clone, Debug)]
pub struct ScenarioOutcome {
    /// The report entry.
    pub report: ScenarioReport,
    /// Set when the verdict is `error`.
    pub blame: Option<Blame>,
}

/// One step execution as it ends, for live output: its report entry with
/// the evidence and failures rendered through the redactor as it knows the
/// secrets at that moment (a secret a later step learns is not masked
/// here; the scenario's report masks it everywhere). The evidence of a step
/// that captured values is withheld: a later step may reveal a captured
/// value to be a secret, so it is shown from the scenario's report.
#[derive(Clone, Debug)]
pub struct LiveStep<'a> {
    /// The scenario's id.
    pub scenario: &'a str,
    /// The step.
    pub step: &'a StepReport,
    /// Why it ended in `error` or did not apply, redacted.
    pub message: Option<String>,
    /// The step captured values: `step.evidence` is empty, its evidence is
    /// in the scenario's report.
    pub withheld: bool,
}

/// Sees each step execution as it ends.
pub type StepObserver<'o> = &'o mut dyn FnMut(LiveStep<'_>);

/// One step's result before rendering.
#[derive(Clone)]
struct StepDraft {
    report: StepReport,
    evidence: Vec<RawEvidence>,
    mismatches: Vec<(Mismatch, Level)>,
    error: Option<(Blame, String)>,
    not_applicable: Option<String>,
}

/// What a scenario's steps share while it runs.
struct Run {
    sessions: Sessions,
    vars: Vars,
    redactor: Redactor,
    log: EvidenceLog,
    level: Level,
    drafts: Vec<StepDraft>,
    /// Step executions of this scenario so far (the index of the next).
    executed: usize,
    /// Passing step executions summarised instead of kept, and where the
    /// summary goes among the drafts.
    summarised: Option<(usize, u64)>,
}

/// The report entry of a scenario that did not get to run.
pub(crate) fn unrun(scenario: &Scenario, verdict: Verdict, message: String) -> ScenarioReport {
    ScenarioReport {
        id: scenario.id.clone(),
        title: scenario.title.clone(),
        family: scenario.family.clone(),
        file: scenario.at.file.to_string(),
        level: crate::render::level(scenario.level),
        verdict,
        message: Some(message),
        requirements: scenario.requirements.clone(),
        tags: scenario.tags.clone(),
        persona: scenario.persona.clone(),
        ..ScenarioReport::default()
    }
}

fn errored(mut report: ScenarioReport, blame: Blame) -> ScenarioOutcome {
    report.verdict = Verdict::Error;
    report.blame = Some(blame.as_str().to_string());
    ScenarioOutcome {
        report,
        blame: Some(blame),
    }
}

/// The capabilities the targets of `scenario`'s families declare.
fn capabilities(scenario: &Scenario, families: &[Box<dyn Family>]) -> Vec<String> {
    families
        .iter()
        .filter(|f| scenario.families.contains(&f.family()))
        .flat_map(|f| f.declared_capabilities())
        .collect()
}

/// Runs `scenario` with the sessions of its families; never panics on
/// anything a target answers (a family's panic is a harness `error`).
/// Under the default [`Budget`].
pub fn run_scenario(scenario: &Scenario, families: &mut [Box<dyn Family>]) -> ScenarioOutcome {
    run_scenario_budgeted(
        scenario,
        families,
        &Budget::default(),
        &mut Spent::default(),
    )
}

/// [`run_scenario`] under `budget`, counting into the run's `spent`.
pub fn run_scenario_budgeted(
    scenario: &Scenario,
    families: &mut [Box<dyn Family>],
    budget: &Budget,
    spent: &mut Spent,
) -> ScenarioOutcome {
    run_scenario_with(scenario, families, budget, spent, &Interrupt::default())
}

/// [`run_scenario_budgeted`] that also stops after the current step when
/// `interrupt` is requested: the `finally` steps still run, and the
/// scenario is an `error` (blame `environment`) saying after which step it
/// stopped.
pub fn run_scenario_with(
    scenario: &Scenario,
    families: &mut [Box<dyn Family>],
    budget: &Budget,
    spent: &mut Spent,
    interrupt: &Interrupt,
) -> ScenarioOutcome {
    run_scenario_observed(scenario, families, budget, spent, interrupt, None)
}

/// [`run_scenario_with`] that shows each step execution to `observer` as
/// it ends (`-v`, `-vv`).
pub fn run_scenario_observed(
    scenario: &Scenario,
    families: &mut [Box<dyn Family>],
    budget: &Budget,
    spent: &mut Spent,
    interrupt: &Interrupt,
    mut observer: Option<StepObserver<'_>>,
) -> ScenarioOutcome {
    let started = Instant::now();
    let mut report = unrun(scenario, Verdict::Pass, String::new());
    report.message = None;
    let declared = if scenario.applies_if.is_empty() {
        Vec::new()
    } else {
        capabilities(scenario, families)
    };
    let missing: Vec<&str> = scenario
        .applies_if
        .iter()
        .filter(|c| !declared.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        report.verdict = Verdict::NotApplicable;
        report.message = Some(format!("the target lacks {}", missing.join(", ")));
        return ScenarioOutcome {
            report,
            blame: None,
        };
    }

    let mut run = Run {
        sessions: Sessions::new(),
        vars: Vars::default(),
        redactor: Redactor::default(),
        log: EvidenceLog::new(),
        level: scenario.level,
        drafts: Vec::new(),
        executed: 0,
        summarised: None,
    };
    for name in &scenario.families {
        let Some(family) = families.iter_mut().find(|f| f.family() == *name) else {
            report.message = Some(format!(
                "{}: no registered family `{name}` (a myna-conform bug: the loader accepted it)",
                scenario.at
            ));
            return errored(report, Blame::Harness);
        };
        match family.open(scenario) {
            Ok(opened) => {
                run.redactor.absorb(opened.vars.redactor());
                run.vars.add_builtins(&opened.vars);
                if opened.subject.is_some() {
                    report.persona = opened.subject;
                }
                run.sessions.insert(name, opened.session);
                report.targets.push((*name).to_string());
            }
            Err(OpenError::NotApplicable(why)) => {
                report.verdict = Verdict::NotApplicable;
                report.message = Some(why);
                return ScenarioOutcome {
                    report,
                    blame: None,
                };
            }
            Err(OpenError::Failed { blame, message }) => {
                report.message = Some(run.redactor.text(&format!("{}: {message}", scenario.at)));
                return errored(report, blame);
            }
        }
    }
    for v in &scenario.vars {
        match run.vars.render(&v.value) {
            Ok(r) => {
                let secret = v.secret || r.secret;
                if secret {
                    run.redactor.add_value(&r.text);
                }
                run.vars.set(v.name.clone(), r.text, secret);
            }
            Err(e) => {
                report.message = Some(format!(
                    "{}: variable `{}` refers to `${{{}}}`, which has no value",
                    v.at, v.name, e.0
                ));
                return errored(report, Blame::Author);
            }
        }
    }

    let mut not_applicable = None;
    let mut verdict = Verdict::Pass;
    let mut interrupted = None;
    'steps: for step in &scenario.steps {
        for repetition in 1..=step.repeat.max(1) {
            if interrupt.is_requested() {
                interrupted = Some(run.drafts.len());
                break 'steps;
            }
            let writes = run.vars.writes();
            let draft = match run.over_budget(step, repetition, budget, spent) {
                Some(refused) => refused,
                None => run.step(step, repetition, false),
            };
            if let Some(observe) = observer.as_mut() {
                let captured = run.vars.writes() != writes;
                live(scenario, &draft, &run.redactor, captured, observe);
            }
            let v = draft.report.verdict;
            let stop_na = draft.not_applicable.clone();
            run.keep(draft, budget);
            if let Some(why) = stop_na {
                not_applicable = Some(why);
                break 'steps;
            }
            verdict = verdict.worst(v);
            if matches!(v, Verdict::Fail | Verdict::Error) {
                break 'steps;
            }
        }
    }
    'finally: for step in &scenario.finally {
        for repetition in 1..=step.repeat.max(1) {
            // `finally` runs whatever happened, but within the budget too.
            let writes = run.vars.writes();
            let refused = run.over_budget(step, repetition, budget, spent);
            let stop = refused.is_some();
            let draft = refused.unwrap_or_else(|| run.step(step, repetition, true));
            if let Some(observe) = observer.as_mut() {
                let captured = run.vars.writes() != writes;
                live(scenario, &draft, &run.redactor, captured, observe);
            }
            verdict = verdict.worst(draft.report.verdict);
            run.drafts.push(draft);
            if stop {
                break 'finally;
            }
        }
    }
    if let Some((at, count)) = run.summarised {
        let summary = summary_draft(at, count, budget);
        run.drafts.insert(at.min(run.drafts.len()), summary);
    }

    let mut blame = run
        .drafts
        .iter()
        .filter_map(|d| d.error.as_ref().map(|e| e.0))
        .max();
    if let Some(ran) = interrupted {
        report.message = Some(format!(
            "{}: interrupted after {ran} step{}; the remaining steps did not run (the finally steps did)",
            scenario.at,
            if ran == 1 { "" } else { "s" }
        ));
        verdict = Verdict::Error;
        blame = blame.max(Some(Blame::Environment));
    }
    let redactor = &run.redactor;
    report.steps.reserve(run.drafts.len());
    for draft in run.drafts {
        let error = draft.error.clone();
        let step = rendered(draft, redactor, false);
        if report.message.is_none() && step.verdict > Verdict::Pass {
            report.message = Some(match (&error, step.failures.first()) {
                (Some((_, e)), _) => redactor.text(e),
                (None, Some(f)) => myna_report::failure_line(f),
                (None, None) => "step failed".into(),
            });
        }
        report.steps.push(step);
    }
    report.verdict = match not_applicable {
        // A step found the target lacks a capability: unless something
        // already went wrong, the scenario does not apply.
        Some(why) if verdict <= Verdict::Pass => {
            report.message = Some(why);
            Verdict::NotApplicable
        }
        _ => verdict,
    };
    report.blame = blame.map(|b| b.as_str().to_string());
    report.duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    ScenarioOutcome { report, blame }
}

/// `draft`'s report entry: its evidence (none when `withhold_evidence`)
/// and failures rendered through `redactor`. The one rendering of a step,
/// for the live view and for the scenario's report alike.
fn rendered(draft: StepDraft, redactor: &Redactor, withhold_evidence: bool) -> StepReport {
    let mut step = draft.report;
    if !withhold_evidence {
        step.evidence = draft
            .evidence
            .into_iter()
            .map(|e| render::evidence(e, redactor))
            .collect();
    }
    step.failures = draft
        .mismatches
        .iter()
        .map(|(m, level)| render::failure(m, *level, redactor))
        .collect();
    step
}

/// Shows `draft` to the observer, rendered through the redactor as it is
/// now; without its evidence when the step `captured` values.
fn live(
    scenario: &Scenario,
    draft: &StepDraft,
    redactor: &Redactor,
    captured: bool,
    observe: &mut dyn FnMut(LiveStep<'_>),
) {
    let message = match (&draft.error, &draft.not_applicable) {
        (Some((_, e)), _) => Some(redactor.text(e)),
        (None, Some(why)) => Some(redactor.text(why)),
        (None, None) => None,
    };
    // Only under `-v`: the copy keeps the draft for the final rendering.
    let step = rendered(draft.clone(), redactor, captured);
    observe(LiveStep {
        scenario: &scenario.id,
        step: &step,
        message,
        withheld: captured,
    });
}

/// The step standing for the passing executions not kept one by one.
fn summary_draft(at: usize, count: u64, budget: &Budget) -> StepDraft {
    StepDraft {
        report: StepReport {
            index: at,
            family: "".into(),
            kind: "summarised".into(),
            label: format!(
                "{count} more passing step executions, summarised (evidence is kept for the first {} of a scenario)",
                budget.detailed_step_runs
            ),
            verdict: Verdict::Pass,
            ..StepReport::default()
        },
        evidence: Vec::new(),
        mismatches: Vec::new(),
        error: None,
        not_applicable: None,
    }
}

impl Run {
    /// Keeps `draft` with its evidence, or, once `detailed_step_runs`
    /// drafts are kept, counts a passing one in the summary instead.
    fn keep(&mut self, draft: StepDraft, budget: &Budget) {
        let plain_pass = draft.report.verdict == Verdict::Pass
            && draft.not_applicable.is_none()
            && draft.mismatches.is_empty();
        if plain_pass && self.drafts.len() >= budget.detailed_step_runs {
            let at = self.drafts.len();
            let (_, count) = self.summarised.get_or_insert((at, 0));
            *count += 1;
        } else {
            self.drafts.push(draft);
        }
    }

    /// An `error` draft when the next execution would pass a budget; else
    /// counts the execution and gives `None`.
    fn over_budget(
        &mut self,
        step: &Step,
        repetition: u32,
        budget: &Budget,
        spent: &mut Spent,
    ) -> Option<StepDraft> {
        let message = if self.executed as u64 >= budget.per_scenario {
            format!(
                "{}: the scenario reached its budget of {} step executions (--max-scenario-steps)",
                step.at, budget.per_scenario
            )
        } else if spent.step_runs >= budget.per_run {
            format!(
                "{}: the run reached its budget of {} step executions (--max-run-steps)",
                step.at, budget.per_run
            )
        } else {
            spent.step_runs += 1;
            return None;
        };
        let mut draft = self.blank_draft(step, repetition, false);
        draft.report.verdict = Verdict::Error;
        draft.error = Some((Blame::Author, message));
        Some(draft)
    }

    fn blank_draft(&mut self, step: &Step, repetition: u32, is_finally: bool) -> StepDraft {
        let label = step.name.clone().unwrap_or_else(|| step.body.label());
        let index = self.executed;
        self.executed += 1;
        StepDraft {
            report: StepReport {
                index,
                family: step.family.into(),
                kind: step.body.keyword().into(),
                label,
                location: location_text(&step.at),
                included_from: step.included_from.as_ref().map(ToString::to_string),
                repetition: (step.repeat > 1).then_some(repetition),
                is_finally,
                verdict: Verdict::Pass,
                ..StepReport::default()
            },
            evidence: Vec::new(),
            mismatches: Vec::new(),
            error: None,
            not_applicable: None,
        }
    }

    /// Runs one repetition of `step` with its family's session.
    fn step(&mut self, step: &Step, repetition: u32, is_finally: bool) -> StepDraft {
        let level = step.level.unwrap_or(self.level);
        let started = Instant::now();
        let mut draft = self.blank_draft(step, repetition, is_finally);
        let first_record = self.log.len();
        let end = match self.sessions.take(step.family) {
            None => StepEnd::Error {
                blame: Blame::Harness,
                message: format!(
                    "{}: no open session of family `{}` (a myna-conform bug)",
                    step.at, step.family
                ),
            },
            Some(mut session) => {
                let mut cx = StepCtx {
                    vars: &mut self.vars,
                    redactor: &mut self.redactor,
                    evidence: &mut self.log,
                    others: &mut self.sessions,
                    at: &step.at,
                };
                let ran = catch_unwind(AssertUnwindSafe(|| {
                    session.run_step(step.body.as_ref(), &mut cx)
                }));
                self.sessions.put_back(step.family, session);
                ran.unwrap_or_else(|panic| StepEnd::Error {
                    blame: Blame::Harness,
                    message: format!(
                        "{}: internal error in the `{}` family (please report it): {}",
                        step.at,
                        step.family,
                        panic_text(panic.as_ref())
                    ),
                })
            }
        };
        draft.evidence = self.log.take_since(first_record);
        match end {
            StepEnd::Done(mismatches) => {
                if !mismatches.is_empty() {
                    draft.report.verdict = match level {
                        Level::Must => Verdict::Fail,
                        Level::Should => Verdict::Warn,
                    };
                }
                draft.mismatches = mismatches.into_iter().map(|m| (m, level)).collect();
            }
            StepEnd::NotApplicable(why) => draft.not_applicable = Some(why),
            StepEnd::Error { blame, message } => {
                draft.report.verdict = Verdict::Error;
                draft.error = Some((blame, message));
            }
        }
        draft.report.duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        draft
    }
}

/// `at` as `file:line:col` (its `Display`), written into a buffer of its
/// size: every step's report entry has one, and `to_string` grows its
/// buffer from nothing.
fn location_text(at: &myna_scenario::Location) -> String {
    use std::fmt::Write as _;
    // Two colons and two numbers of at most ten digits.
    let mut text = String::with_capacity(at.file.len() + 22);
    // Writing into a String cannot fail.
    let _ = write!(text, "{at}");
    text
}

/// What a panic said, if it said it as text.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
