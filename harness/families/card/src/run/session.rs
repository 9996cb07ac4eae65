//! Running a card step: the action, then its expectations and captures.

use myna_card_emu::StatusWord;
use myna_family::{Blame, Mismatch, Session, StepCtx, StepEnd};
use myna_scenario::{downcast, StepBody};

use super::action::{ActionCtx, ActionError, CardSession, Outcome};
use super::{capture, check};
use crate::step::{CardAction, CardStep};

impl Session for CardSession {
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        let Some(step) = downcast::<CardStep>(step) else {
            return StepEnd::Error {
                blame: Blame::Harness,
                message: format!(
                    "the card session was handed a `{}` step of another family",
                    step.keyword()
                ),
            };
        };
        let mut action_cx = ActionCtx {
            vars: cx.vars,
            redactor: cx.redactor,
            log: cx.evidence,
        };
        let ran = self.run(&step.action, &mut action_cx);
        // A transaction held for the step ends before its verdict, however
        // the step went; failing to end it is the environment's error.
        let ran = match (ran, self.target.end_step()) {
            (Ok(_), Err(e)) => Err(ActionError::Transport(e)),
            (ran, _) => ran,
        };
        match ran {
            Ok(outcome) => evaluate(step, &outcome, cx),
            Err(ActionError::Transport(e)) => StepEnd::Error {
                blame: if e.is_iut_fault() {
                    Blame::Iut
                } else {
                    Blame::Environment
                },
                message: format!("{}: transport error: {e}", cx.at),
            },
            Err(ActionError::Author(message)) => {
                StepEnd::author(format!("{}: scenario error: {message}", cx.at))
            }
        }
    }
}

/// Checks the step's expectations (a `read_file` without any needs the
/// whole file) and takes its captures.
fn evaluate(step: &CardStep, outcome: &Outcome, cx: &mut StepCtx<'_>) -> StepEnd {
    let mut mismatches = Vec::new();
    match &step.expect {
        Some(expect) => match check::check(expect, outcome, cx.vars, cx.redactor) {
            Ok(found) => mismatches = found,
            Err(e) => return StepEnd::author(format!("{}: scenario error: {}", e.at, e.message)),
        },
        None => {
            let needs_success = matches!(step.action, CardAction::ReadFile { .. });
            if needs_success && outcome.sw != Some(StatusWord::SUCCESS) {
                mismatches.push(Mismatch::new(
                    cx.at.clone(),
                    "read_file",
                    "the whole file (9000)",
                    outcome
                        .sw
                        .map_or_else(|| "no status word".into(), |sw| sw.to_string()),
                ));
            }
        }
    }
    for cap in &step.captures {
        match capture::take(cap, outcome) {
            Ok(text) => {
                if cap.secret {
                    cx.redactor.add_value(&text);
                }
                cx.vars.set(cap.name.clone(), text, cap.secret);
            }
            Err(why) => mismatches.push(Mismatch::new(
                cap.at.clone(),
                format!("capture {}", cap.name),
                "a value to capture",
                why,
            )),
        }
    }
    StepEnd::Done(mismatches)
}
