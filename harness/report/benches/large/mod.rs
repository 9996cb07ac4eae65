//! The large run the report benchmarks and the page-open measurement use:
//! 1,000 scenarios × 100 steps, one APDU of evidence each (a 255-byte
//! READ BINARY answer), one failing scenario in ten, 200 requirements
//! rolled up from the scenarios' citations. Also read by the browser test
//! (tests/browser.rs), which opens such a page and one of its scenarios.

#![allow(dead_code)] // each user takes what it needs

use myna_report::{
    rollup, Evidence, Failure, Level, Report, RequirementInfo, RollupScope, ScenarioReport,
    StepReport, Summary, Verdict,
};

/// Scenarios in the large run.
pub const SCENARIOS: usize = 1000;
/// Steps per scenario.
pub const STEPS: usize = 100;

/// The response of the APDU of step `index` of scenario `scenario`, as
/// hex: different in every step.
pub fn response_hex(scenario: usize, index: usize, steps: usize) -> String {
    let seed = scenario * steps + index;
    (0..255)
        .map(|i| format!("{:02X}", (i * 7 + seed * 13) % 256))
        .collect()
}

fn evidence(response: String, seed: usize) -> Evidence {
    Evidence {
        kind: "apdu".into(),
        at_us: 1200 + seed as u64,
        target: "card".into(),
        duration_us: Some(600 + (seed as u64 * 37) % 900),
        summary: Some("READ BINARY offset 0 Le 255 → 9000 SUCCESS, 255 bytes".to_owned()),
        fields: serde_json::json!({
            "command": "00B00000FF",
            "response": response,
            "sw": "9000",
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into(),
    }
}

fn step(scenario: usize, index: usize, steps: usize, failing: bool) -> StepReport {
    let location = format!("scenarios/card/large-{scenario}.yaml:{}:5", index + 5);
    let failures = if failing {
        vec![Failure {
            location: location.clone(),
            check: "sw".to_owned(),
            expected: "9000".to_owned(),
            actual: "6A82".to_owned(),
            note: None,
            level: Level::Must,
        }]
    } else {
        Vec::new()
    };
    StepReport {
        index,
        family: "card".into(),
        kind: "read_binary".into(),
        label: format!("READ BINARY offset {index}"),
        location,
        verdict: if failing {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        duration_us: 900,
        failures,
        evidence: vec![evidence(
            response_hex(scenario, index, steps),
            scenario * steps + index,
        )],
        ..StepReport::default()
    }
}

/// The requirement catalogue of the large run.
pub fn catalogue() -> Vec<RequirementInfo> {
    (0..200)
        .map(|i| RequirementInfo {
            id: format!("CARD-LARGE-{i}"),
            text: format!("The card answers READ BINARY of EF {i} with its bytes."),
            level: Some(if i % 4 == 0 {
                Level::Should
            } else {
                Level::Must
            }),
            family: Some(if i % 2 == 0 { "card" } else { "reader" }.to_owned()),
            source: "spec:card-protocol.md §3 (OpenSC jpki.h)".to_owned(),
        })
        .collect()
}

/// The large run's report.
pub fn large_report() -> Report {
    large_report_of(SCENARIOS, STEPS)
}

/// A run of `count` scenarios × `steps` steps shaped as the large run.
pub fn large_report_of(count: usize, steps: usize) -> Report {
    let scenarios: Vec<ScenarioReport> = (0..count).map(|i| scenario(i, steps)).collect();
    Report {
        summary: Summary::from_scenarios(&scenarios),
        requirements: rollup(&catalogue(), &scenarios, RollupScope::All),
        scenarios,
        ..Report::default()
    }
}

/// Scenario `i` of the large run, with `steps` steps: one in ten fails
/// its last step.
pub fn scenario(i: usize, steps: usize) -> ScenarioReport {
    let failing = i.is_multiple_of(10);
    ScenarioReport {
        id: format!("card.large.{i}"),
        title: format!("Large scenario {i}"),
        family: "card".to_owned(),
        file: format!("scenarios/card/large-{i}.yaml"),
        verdict: if failing {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        requirements: vec![format!("CARD-LARGE-{}", i % 200)],
        duration_us: 90_000,
        steps: (0..steps)
            .map(|index| step(i, index, steps, failing && index + 1 == steps))
            .collect(),
        ..ScenarioReport::default()
    }
}
