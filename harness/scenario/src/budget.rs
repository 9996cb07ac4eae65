//! The static side of the exchange budget: a scenario whose steps, with
//! their `repeat`s and includes expanded, would run more step executions
//! than [`MAX_STEP_RUNS`] is rejected at load (the engine enforces its
//! configured budget at run time too; docs/scenario-format.md "Budgets").

use crate::ast::Step;
use crate::diagnostic::Diagnostic;

/// Most step executions (each at least one exchange with a target) one
/// scenario may ask for: `steps` and `finally`, every `repeat` counted.
/// The engine's default per-scenario budget is the same number.
pub const MAX_STEP_RUNS: u64 = 1_000_000;

/// How many step executions `steps` then `finally` ask for, and the first
/// step at which the count passes [`MAX_STEP_RUNS`].
pub fn step_runs<'s>(steps: &'s [Step], finally: &'s [Step]) -> (u64, Option<&'s Step>) {
    let mut total = 0u64;
    let mut first_over = None;
    for step in steps.iter().chain(finally) {
        total = total.saturating_add(u64::from(step.repeat.max(1)));
        if total > MAX_STEP_RUNS && first_over.is_none() {
            first_over = Some(step);
        }
    }
    (total, first_over)
}

/// The diagnostic of a scenario over the budget, at the step that passes it.
pub(crate) fn over_budget(steps: &[Step], finally: &[Step]) -> Option<Diagnostic> {
    let (total, step) = step_runs(steps, finally);
    let step = step?;
    Some(
        Diagnostic::new(
            step.at.clone(),
            format!(
                "expected at most {MAX_STEP_RUNS} step executions in a scenario (every `repeat` counted, includes expanded), found {total}"
            ),
        )
        .with_help("split the scenario, or lower the `repeat`s"),
    )
}
