//! Rolling scenario verdicts up into requirement verdicts (DESIGN §4: a
//! requirement's verdict is the worst of its scenarios).
//!
//! Uncited requirements: a certifier needs to see which requirements no
//! scenario exercised, so [`RollupScope::All`] lists them with the verdict
//! `uncovered` and [`RequirementReport::covered`] `= false` (no scenarios).
//! Neither `skipped` ("listed in the expectations file with a reason") nor
//! `not_applicable` ("the target lacks a capability") says "nothing tests
//! this", hence a verdict of its own.

use std::collections::HashMap;

use crate::schema::{Level, RequirementReport, RequirementVerdict, ScenarioReport, Verdict};

/// One catalogue entry, as the rollup needs it. The caller maps the
/// requirement catalogue (`scenarios/requirements.yaml`) into these, in
/// catalogue order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirementInfo {
    /// Catalogue id.
    pub id: String,
    /// One-sentence text.
    pub text: String,
    /// `must` / `should` (`None`: unknown).
    pub level: Option<Level>,
    /// The family whose scenarios may cite it.
    pub family: Option<String>,
    /// Seed file + quoted words, or a public document.
    pub source: String,
}

/// Which requirements a rollup lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RollupScope {
    /// Only requirements cited by at least one scenario (a filtered run).
    Cited,
    /// Every catalogue requirement; uncited ones have `covered: false`.
    All,
}

/// Rolls the scenarios' verdicts up per requirement, in catalogue order.
///
/// A requirement's verdict is the worst ([`Verdict::worst`]) of the
/// scenarios citing it; `scenarios` lists their ids in run order. Ids that
/// scenarios cite but the catalogue lacks are not dropped: they come last,
/// in first-cited order, with empty text, level and source.
pub fn rollup(
    catalogue: &[RequirementInfo],
    scenarios: &[ScenarioReport],
    scope: RollupScope,
) -> Vec<RequirementReport> {
    let mut rollup = Rollup::default();
    for scenario in scenarios {
        rollup.add(scenario);
    }
    rollup.finish(catalogue, scope)
}

/// [`rollup`] one scenario at a time, for a run that keeps no scenario
/// once it is reported: it holds each cited requirement's worst verdict and
/// the ids of the scenarios citing it.
#[derive(Debug, Default)]
pub struct Rollup {
    citations: Citations,
}

impl Rollup {
    /// Counts the next scenario in run order.
    pub fn add(&mut self, scenario: &ScenarioReport) {
        for requirement in &scenario.requirements {
            self.citations.cite(requirement, scenario);
        }
    }

    /// The requirements as [`rollup`] lists them.
    pub fn finish(
        self,
        catalogue: &[RequirementInfo],
        scope: RollupScope,
    ) -> Vec<RequirementReport> {
        let mut citations = self.citations;
        let mut rolled = Vec::new();
        for info in catalogue {
            match citations.take(&info.id) {
                Some(cited) => rolled.push(cited.into_report(info)),
                None if scope == RollupScope::All => rolled.push(uncovered(info)),
                None => {}
            }
        }
        for id in std::mem::take(&mut citations.order) {
            if let Some(cited) = citations.take(&id) {
                let info = RequirementInfo {
                    id,
                    ..RequirementInfo::default()
                };
                rolled.push(cited.into_report(&info));
            }
        }
        rolled
    }
}

/// Scenarios citing each requirement id, with the first-cited order kept.
#[derive(Debug, Default)]
struct Citations {
    by_id: HashMap<String, Cited>,
    order: Vec<String>,
}

impl Citations {
    fn cite(&mut self, requirement: &str, scenario: &ScenarioReport) {
        let cited = match self.by_id.get_mut(requirement) {
            Some(cited) => cited,
            None => {
                self.order.push(requirement.to_owned());
                self.by_id.entry(requirement.to_owned()).or_default()
            }
        };
        // A scenario listing the same requirement twice counts once.
        if !cited.scenarios.contains(&scenario.id) {
            cited.scenarios.push(scenario.id.clone());
        }
        cited.verdict = Some(match cited.verdict {
            Some(verdict) => verdict.worst(scenario.verdict),
            None => scenario.verdict,
        });
    }

    fn take(&mut self, id: &str) -> Option<Cited> {
        self.by_id.remove(id)
    }
}

#[derive(Debug, Default)]
struct Cited {
    verdict: Option<Verdict>,
    scenarios: Vec<String>,
}

impl Cited {
    fn into_report(self, info: &RequirementInfo) -> RequirementReport {
        RequirementReport {
            id: info.id.clone(),
            text: info.text.clone(),
            level: info.level,
            family: info.family.clone(),
            source: info.source.clone(),
            verdict: self
                .verdict
                .map_or(RequirementVerdict::Uncovered, RequirementVerdict::from),
            scenarios: self.scenarios,
            covered: true,
        }
    }
}

fn uncovered(info: &RequirementInfo) -> RequirementReport {
    RequirementReport {
        id: info.id.clone(),
        text: info.text.clone(),
        level: info.level,
        family: info.family.clone(),
        source: info.source.clone(),
        verdict: RequirementVerdict::Uncovered,
        scenarios: Vec::new(),
        covered: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> RequirementInfo {
        RequirementInfo {
            id: id.to_owned(),
            text: format!("text of {id}"),
            level: Some(Level::Must),
            family: None,
            source: "seed".to_owned(),
        }
    }

    fn scenario(id: &str, verdict: Verdict, requirements: &[&str]) -> ScenarioReport {
        ScenarioReport {
            id: id.to_owned(),
            verdict,
            requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
            ..ScenarioReport::default()
        }
    }

    fn catalogue() -> Vec<RequirementInfo> {
        vec![info("R1"), info("R2"), info("R3"), info("R4")]
    }

    fn scenarios() -> Vec<ScenarioReport> {
        vec![
            scenario("s1", Verdict::Pass, &["R3", "R1"]),
            scenario("s2", Verdict::Warn, &["R1"]),
            scenario("s3", Verdict::Skipped, &["R4", "R4"]),
            scenario("s4", Verdict::Error, &["R3", "X9"]),
            scenario("s5", Verdict::Fail, &["R3"]),
        ]
    }

    #[test]
    fn verdict_is_worst_of_citing_scenarios_in_catalogue_order() {
        let rolled = rollup(&catalogue(), &scenarios(), RollupScope::Cited);
        let summary: Vec<(&str, Option<Verdict>, Vec<&str>, bool)> = rolled
            .iter()
            .map(|r| {
                let ids = r.scenarios.iter().map(String::as_str).collect();
                (r.id.as_str(), r.verdict.scenario_verdict(), ids, r.covered)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("R1", Some(Verdict::Warn), vec!["s1", "s2"], true),
                ("R3", Some(Verdict::Error), vec!["s1", "s4", "s5"], true),
                ("R4", Some(Verdict::Skipped), vec!["s3"], true),
                ("X9", Some(Verdict::Error), vec!["s4"], true),
            ]
        );
        let r1 = rolled.first().map(|r| (r.text.as_str(), r.level));
        assert_eq!(r1, Some(("text of R1", Some(Level::Must))));
        let unknown = rolled.last().map(|r| (r.text.as_str(), r.level));
        assert_eq!(unknown, Some(("", None)));
    }

    #[test]
    fn scope_all_lists_uncited_requirements_as_uncovered() {
        let rolled = rollup(&catalogue(), &scenarios(), RollupScope::All);
        let ids: Vec<&str> = rolled.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["R1", "R2", "R3", "R4", "X9"]);
        let r2 = rolled
            .get(1)
            .map(|r| (r.covered, r.verdict, r.scenarios.len()));
        assert_eq!(r2, Some((false, RequirementVerdict::Uncovered, 0)));
        assert_eq!(rolled.iter().filter(|r| r.covered).count(), 4);
    }

    #[test]
    fn no_scenarios_cited_rollup_is_empty() {
        assert!(rollup(&catalogue(), &[], RollupScope::Cited).is_empty());
    }
}
