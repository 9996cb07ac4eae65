//! The exchange budget and the evidence cap (docs/scenario-format.md
//! "Budgets"): how many step executions a scenario and a run may make, and
//! how many of a scenario's passing step executions keep their evidence
//! (the rest are summarised with counts), so memory stays flat however long
//! a run is.

use myna_scenario::MAX_STEP_RUNS;

/// Limits of one run. Every field has a documented default.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Budget {
    /// Step executions (each at least one exchange with a target) one
    /// scenario may make, every `repeat` counted. Default
    /// [`MAX_STEP_RUNS`] (1,000,000), which `check` also holds scenarios
    /// to statically; a scenario that reaches it ends in `error` blamed on
    /// the author.
    pub per_scenario: u64,
    /// Step executions the whole run may make. Default 10,000,000; the
    /// scenarios after it is spent end in `error` blamed on the author (the
    /// selection asked for too much).
    pub per_run: u64,
    /// Passing step executions of a scenario kept with their evidence.
    /// Default 1,000; later passing ones are counted in one summary step
    /// (`kind: summarised`), failing and `finally` steps are always kept.
    pub detailed_step_runs: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            per_scenario: MAX_STEP_RUNS,
            per_run: 10_000_000,
            detailed_step_runs: 1_000,
        }
    }
}

impl Budget {
    /// Sets [`Budget::per_scenario`].
    pub fn per_scenario(mut self, value: u64) -> Self {
        self.per_scenario = value;
        self
    }

    /// Sets [`Budget::per_run`].
    pub fn per_run(mut self, value: u64) -> Self {
        self.per_run = value;
        self
    }

    /// Sets [`Budget::detailed_step_runs`].
    pub fn detailed_step_runs(mut self, value: usize) -> Self {
        self.detailed_step_runs = value;
        self
    }
}

/// What a run has spent so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    /// Step executions of the run so far.
    pub step_runs: u64,
}
