//! Counting scenario verdicts into a [`Summary`].

use crate::schema::{ScenarioReport, Summary, Verdict};

impl Summary {
    /// Counts the scenarios per verdict. `expected_failures` counts the
    /// scenarios the expectations file lists (`expected_failure` set) whose
    /// verdict is `fail`, `warn` or `error`; they stay counted under their
    /// verdict too.
    pub fn from_scenarios(scenarios: &[ScenarioReport]) -> Summary {
        let mut summary = Summary::default();
        for scenario in scenarios {
            summary.add_scenario(scenario);
        }
        summary
    }

    /// Counts one more scenario, as [`Summary::from_scenarios`] does.
    pub fn add_scenario(&mut self, scenario: &ScenarioReport) {
        self.add(scenario.verdict);
        if scenario.expected_failure.is_some() && scenario.verdict.is_problem() {
            self.expected_failures += 1;
        }
    }

    /// The number of scenarios with `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Skipped => self.skipped,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::Pass => self.pass,
            Verdict::Warn => self.warn,
            Verdict::Fail => self.fail,
            Verdict::Error => self.error,
        }
    }

    /// Counts one more scenario with `verdict`.
    fn add(&mut self, verdict: Verdict) {
        self.total += 1;
        let slot = match verdict {
            Verdict::Skipped => &mut self.skipped,
            Verdict::NotApplicable => &mut self.not_applicable,
            Verdict::Pass => &mut self.pass,
            Verdict::Warn => &mut self.warn,
            Verdict::Fail => &mut self.fail,
            Verdict::Error => &mut self.error,
        };
        *slot += 1;
    }
}

impl Verdict {
    /// Every verdict, in the order tables list them: `pass`, then the
    /// problems, then the verdicts of scenarios that did not run.
    pub const DISPLAY_ORDER: [Verdict; 6] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Warn,
        Verdict::Error,
        Verdict::NotApplicable,
        Verdict::Skipped,
    ];

    /// `fail`, `warn` or `error`: something a person has to look at.
    pub fn is_problem(self) -> bool {
        matches!(self, Verdict::Warn | Verdict::Fail | Verdict::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(verdict: Verdict, expected: bool) -> ScenarioReport {
        ScenarioReport {
            verdict,
            expected_failure: expected.then(|| "known".to_owned()),
            ..ScenarioReport::default()
        }
    }

    #[test]
    fn counts_each_verdict_and_expected_failures() {
        let scenarios = [
            scenario(Verdict::Pass, false),
            scenario(Verdict::Pass, true), // listed but passed: not an expected failure
            scenario(Verdict::Fail, true),
            scenario(Verdict::Warn, true),
            scenario(Verdict::Error, true),
            scenario(Verdict::Fail, false),
            scenario(Verdict::NotApplicable, false),
            scenario(Verdict::Skipped, true),
        ];
        let summary = Summary::from_scenarios(&scenarios);
        assert_eq!(
            summary,
            Summary {
                total: 8,
                pass: 2,
                fail: 2,
                warn: 1,
                not_applicable: 1,
                error: 1,
                skipped: 1,
                expected_failures: 3,
            }
        );
        let counted: usize = Verdict::DISPLAY_ORDER
            .iter()
            .map(|v| summary.count(*v))
            .sum();
        assert_eq!(counted, summary.total);
    }
}
