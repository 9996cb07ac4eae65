//! Runs one scenario against a card target and produces its report entry.
//!
//! Verdicts only get worse step by step. The first step that ends in `fail`
//! or `error` stops the remaining `steps`; `finally` steps always run.

use std::time::Instant;

use myna_report::{Failure, ScenarioReport, StepReport, Verdict};
use myna_scenario::{Action, Level, Scenario, Step};

use crate::capture;
use crate::card_action::{ActionError, CardSession, Outcome};
use crate::check::{self, Mismatch};
use crate::evidence::RawEvidence;
use crate::label;
use crate::oqs_step;
use crate::redact::Redactor;
use crate::target::{CardTarget, TransportError};
use crate::vars::Vars;

/// A persona field offered to scenarios as `${persona.NAME}`.
#[derive(Clone, Debug)]
pub struct PersonaVar {
    /// Field name without the `persona.` prefix.
    pub name: String,
    /// Value.
    pub value: String,
    /// Whether it is a secret.
    pub secret: bool,
}

impl PersonaVar {
    /// The `${persona.*}` variables of a persona, secrets flagged.
    pub fn of(persona: &myna_card_emu::persona::Persona) -> Vec<PersonaVar> {
        persona
            .variables()
            .into_iter()
            .map(|v| PersonaVar {
                name: v.name,
                value: v.value,
                secret: v.secret,
            })
            .collect()
    }
}

/// What a scenario run needs besides the scenario.
pub struct RunContext<'a> {
    /// The card, for card scenarios.
    pub card: Option<&'a mut dyn CardTarget>,
    /// The eligibility service, for `oqs` scenarios.
    pub oqs: Option<&'a mut dyn myna_oqs::OqsTarget>,
    /// Persona fields.
    pub persona: &'a [PersonaVar],
    /// Persona id for the report.
    pub persona_id: Option<String>,
    /// Capabilities the targets declare.
    pub capabilities: &'a [String],
}

/// Who is at fault when a scenario ends in `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blame {
    /// The implementation under test misbehaved on the wire.
    Iut,
    /// The target's environment broke (transport, service, card removed).
    Environment,
    /// The scenario asks for something impossible.
    Author,
}

impl Blame {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Blame::Iut => "iut",
            Blame::Environment => "environment",
            Blame::Author => "author",
        }
    }
}

/// A scenario's report entry and, for `error`, who is at fault.
#[derive(Clone, Debug)]
pub struct ScenarioOutcome {
    /// The report entry.
    pub report: ScenarioReport,
    /// Set when the verdict is `error`.
    pub blame: Option<Blame>,
}

/// The targets a scenario's steps talk to.
struct Targets<'a> {
    card: Option<CardSession<'a>>,
    oqs: Option<&'a mut dyn myna_oqs::OqsTarget>,
    started: Instant,
}

struct StepDraft {
    blame: Option<Blame>,
    not_applicable: Option<String>,
    report: StepReport,
    evidence: Vec<RawEvidence>,
    mismatches: Vec<(Mismatch, Level)>,
    error: Option<String>,
}

/// Runs `scenario`; never panics on anything the target answers.
pub fn run_scenario(scenario: &Scenario, ctx: RunContext<'_>) -> ScenarioOutcome {
    let started = Instant::now();
    let mut report = ScenarioReport {
        id: scenario.id.clone(),
        title: scenario.title.clone(),
        family: scenario.family.as_str().to_string(),
        file: scenario.at.file.to_string(),
        level: level_name(scenario.level).to_string(),
        requirements: scenario.requirements.clone(),
        tags: scenario.tags.clone(),
        persona: ctx.persona_id.clone(),
        ..ScenarioReport::default()
    };
    let missing: Vec<&str> = scenario
        .applies_if
        .iter()
        .filter(|c| !ctx.capabilities.contains(c))
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

    let mut vars = Vars::default();
    let mut redactor = Redactor::default();
    for p in ctx.persona {
        vars.set(format!("persona.{}", p.name), p.value.clone(), p.secret);
        if p.secret {
            redactor.add_text(&p.value);
        }
    }
    for v in &scenario.vars {
        match vars.render(&v.value) {
            Ok(r) => {
                let secret = v.secret || r.secret;
                if secret {
                    redactor.add_value(&r.text);
                }
                vars.set(v.name.clone(), r.text, secret);
            }
            Err(e) => {
                report.verdict = Verdict::Error;
                report.message = Some(format!(
                    "{}: variable `{}` refers to `${{{}}}`, which is not defined",
                    v.at, v.name, e.0
                ));
                return ScenarioOutcome {
                    report,
                    blame: Some(Blame::Author),
                };
            }
        }
    }

    let mut targets = Targets {
        card: ctx.card.map(|c| CardSession::new(c, started)),
        oqs: ctx.oqs,
        started,
    };
    let mut not_applicable = None;
    let mut drafts: Vec<StepDraft> = Vec::new();
    let mut verdict = Verdict::Pass;
    'steps: for step in &scenario.steps {
        for rep in 1..=step.repeat.max(1) {
            let draft = run_step(
                step,
                rep,
                false,
                scenario.level,
                &mut targets,
                &mut vars,
                &mut redactor,
                drafts.len(),
            );
            let v = draft.report.verdict;
            if let Some(why) = &draft.not_applicable {
                not_applicable = Some(why.clone());
                drafts.push(draft);
                break 'steps;
            }
            drafts.push(draft);
            verdict = verdict.worst(v);
            if matches!(v, Verdict::Fail | Verdict::Error) {
                break 'steps;
            }
        }
    }
    for step in &scenario.finally {
        for rep in 1..=step.repeat.max(1) {
            let draft = run_step(
                step,
                rep,
                true,
                scenario.level,
                &mut targets,
                &mut vars,
                &mut redactor,
                drafts.len(),
            );
            verdict = verdict.worst(draft.report.verdict);
            drafts.push(draft);
        }
    }

    let blame = drafts.iter().filter_map(|d| d.blame).max();
    // Render with everything learnt, so later secrets are masked everywhere.
    for draft in drafts {
        let mut step = draft.report;
        step.family = scenario.family.as_str().to_string();
        step.evidence = draft
            .evidence
            .iter()
            .map(|e| e.render(&redactor, scenario.family.as_str()))
            .collect();
        step.failures = draft
            .mismatches
            .iter()
            .map(|(m, level)| Failure {
                location: m.at.to_string(),
                check: m.check.clone(),
                expected: redactor.text(&m.expected),
                actual: redactor.text(&m.actual),
                note: None,
                level: level_name(*level).to_string(),
            })
            .collect();
        if report.message.is_none() && step.verdict > Verdict::Pass {
            report.message = Some(match (&draft.error, step.failures.first()) {
                (Some(e), _) => redactor.text(e),
                (None, Some(f)) => format!(
                    "{}: {}: expected {}, got {}",
                    f.location, f.check, f.expected, f.actual
                ),
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
    report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.targets = vec![scenario.family.as_str().to_string()];
    report.blame = blame.map(|b| b.as_str().to_string());
    ScenarioOutcome { report, blame }
}

#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename these.
fn run_step(
    step: &Step,
    repetition: u32,
    is_finally: bool,
    scenario_level: Level,
    targets: &mut Targets<'_>,
    vars: &mut Vars,
    redactor: &mut Redactor,
    index: usize,
) -> StepDraft {
    let (kind, label) = label::describe(&step.action);
    let level = step.level.unwrap_or(scenario_level);
    let started = Instant::now();
    let mut draft = StepDraft {
        report: StepReport {
            index,
            kind,
            label: step.name.clone().unwrap_or(label),
            location: step.at.to_string(),
            included_from: step.included_from.as_ref().map(ToString::to_string),
            repetition: (step.repeat > 1).then_some(repetition),
            is_finally,
            verdict: Verdict::Pass,
            ..StepReport::default()
        },
        evidence: Vec::new(),
        mismatches: Vec::new(),
        error: None,
        blame: None,
        not_applicable: None,
    };
    let result = match &step.action {
        Action::Card(action) => match targets.card.as_mut() {
            Some(session) => {
                session.evidence.clear();
                let result = session.run(action, vars, redactor);
                draft.evidence = std::mem::take(&mut session.evidence);
                result.map(Some)
            }
            None => Err(ActionError::Author(
                "a card step in a scenario that has no card target".into(),
            )),
        },
        Action::Generic { keyword, body } => match targets.oqs.as_deref_mut() {
            Some(target) => {
                let result = oqs_step::run(target, step, keyword, body, vars, targets.started);
                draft.evidence = result.evidence;
                if let Some(e) = result.transport_error {
                    Err(ActionError::Transport(TransportError::Other(e)))
                } else if let Some(why) = result.not_applicable {
                    draft.not_applicable = Some(why);
                    Ok(None)
                } else {
                    if !result.mismatches.is_empty() {
                        draft.report.verdict = match level {
                            Level::Must => Verdict::Fail,
                            Level::Should => Verdict::Warn,
                        };
                    }
                    draft.mismatches = result.mismatches.into_iter().map(|m| (m, level)).collect();
                    Ok(None)
                }
            }
            None => Err(ActionError::Author(format!(
                "step `{keyword}` needs a target this scenario's family does not have"
            ))),
        },
    };
    match result {
        Err(ActionError::Transport(e)) => {
            draft.report.verdict = Verdict::Error;
            draft.blame = Some(if e.is_iut_fault() {
                Blame::Iut
            } else {
                Blame::Environment
            });
            draft.error = Some(format!("{}: transport error: {e}", step.at));
        }
        Err(ActionError::Author(message)) => {
            draft.report.verdict = Verdict::Error;
            draft.blame = Some(Blame::Author);
            draft.error = Some(format!("{}: scenario error: {message}", step.at));
        }
        Ok(Some(outcome)) => evaluate(step, &outcome, vars, redactor, level, &mut draft),
        Ok(None) => {}
    }
    draft.report.duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    draft
}

fn evaluate(
    step: &Step,
    outcome: &Outcome,
    vars: &mut Vars,
    redactor: &mut Redactor,
    level: Level,
    draft: &mut StepDraft,
) {
    let mut mismatches = Vec::new();
    match &step.expect {
        Some(expect) => match check::check(expect, outcome, vars, redactor) {
            Ok(found) => mismatches = found,
            Err(e) => {
                draft.report.verdict = Verdict::Error;
                draft.blame = Some(Blame::Author);
                draft.error = Some(format!("{}: scenario error: {}", e.at, e.message));
                return;
            }
        },
        None => {
            let needs_success = matches!(
                step.action,
                Action::Card(myna_scenario::CardAction::ReadFile { .. })
            );
            if needs_success && outcome.sw != Some(0x9000) {
                mismatches.push(Mismatch {
                    at: step.at.clone(),
                    check: "read_file".into(),
                    expected: "the whole file (9000)".into(),
                    actual: outcome
                        .sw
                        .map_or_else(|| "no status word".into(), |sw| format!("{sw:04X}")),
                });
            }
        }
    }
    for cap in &step.captures {
        match capture::take(cap, outcome) {
            Ok(text) => {
                if cap.secret {
                    redactor.add_value(&text);
                }
                vars.set(cap.name.clone(), text, cap.secret);
            }
            Err(why) => mismatches.push(Mismatch {
                at: cap.at.clone(),
                check: format!("capture {}", cap.name),
                expected: "a value to capture".into(),
                actual: why,
            }),
        }
    }
    if !mismatches.is_empty() {
        draft.report.verdict = match level {
            Level::Must => Verdict::Fail,
            Level::Should => Verdict::Warn,
        };
    }
    draft.mismatches = mismatches.into_iter().map(|m| (m, level)).collect();
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Must => "must",
        Level::Should => "should",
    }
}
