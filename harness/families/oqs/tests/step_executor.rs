//! The `oqs` session on its own: capability checks, failure reporting, the
//! 4xx reason beside the failed check. (Every `scenarios/oqs/` file is run
//! by the scenario harness, in-process and over HTTP:
//! `cargo test -p myna-conform --test scenarios`.)

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use myna_engine::run_scenario;
use myna_family::{Family, OpenError};
use myna_family_oqs::{OqsFamily, OqsProvider, OqsSyntax};
use myna_oqs::{InProcessTarget, OqsTarget, RawResponse, TargetError};
use myna_report::{ScenarioReport, Verdict};
use myna_scenario::{load_scenario, LoadEnv, NoIncludes, Vocabulary};

/// The reference model without the test-control API.
struct LookupOnly(InProcessTarget);

impl OqsTarget for LookupOnly {
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RawResponse, TargetError> {
        self.0.request(method, path, body, timeout)
    }
    fn capabilities(&self) -> Vec<String> {
        vec!["oqs.lookup".into()]
    }
    fn describe(&self) -> String {
        "lookup-only".into()
    }
}

struct LookupOnlyProvider;

impl OqsProvider for LookupOnlyProvider {
    fn open(&mut self) -> Result<Box<dyn OqsTarget>, OpenError> {
        Ok(Box::new(LookupOnly(InProcessTarget::new())))
    }
    fn capabilities(&self) -> Vec<String> {
        vec!["oqs.lookup".into()]
    }
    fn describe(&self) -> String {
        "lookup-only".into()
    }
}

fn run(steps: &str) -> ScenarioReport {
    let text = format!("id: oqs.t.x\ntitle: t\nrequirements: [OQS-T]\nsteps:\n{steps}");
    let vocabulary = Vocabulary::new(vec![&OqsSyntax]).unwrap();
    let scenario = load_scenario("t.yaml", &text, &NoIncludes, &LoadEnv::new(&vocabulary))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let mut families: Vec<Box<dyn Family>> =
        vec![Box::new(OqsFamily::new(Box::new(LookupOnlyProvider)))];
    run_scenario(&scenario, &mut families).report
}

#[test]
fn a_lookup_only_target_makes_control_steps_not_applicable() {
    let report = run("  - world: {}\n");
    assert_eq!(report.verdict, Verdict::NotApplicable, "{report:?}");
    assert!(
        report.steps[0].evidence.is_empty(),
        "nothing is sent for a not-applicable step"
    );
}

#[test]
fn a_wrong_result_count_is_one_failure_at_its_key() {
    let report = run(
        "  - lookup: { serial: \"ABC\" }\n    expect: { status: 200, result_code: OQS-E-NOT-REGISTERED, results: 3 }\n",
    );
    assert_eq!(report.verdict, Verdict::Fail);
    let failures = &report.steps[0].failures;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].check, "results");
    assert_eq!(failures[0].location, "t.yaml:6:63");
    let evidence = &report.steps[0].evidence[0];
    assert_eq!((&*evidence.kind, &*evidence.target), ("http", "oqs"));
    assert_eq!(evidence.fields["status"], 200);
}

#[test]
fn a_4xx_reason_travels_with_the_failed_check() {
    let report = run("  - lookup: { serial: not-hex }\n    expect: { status: 200 }\n");
    assert_eq!(report.verdict, Verdict::Fail);
    let failure = &report.steps[0].failures[0];
    assert_eq!(
        (failure.expected.as_str(), failure.actual.as_str()),
        ("200", "400")
    );
    let note = failure.note.as_deref().unwrap_or_default();
    assert!(note.contains("invalid field `serial`"), "{note}");
    assert!(
        report.message.unwrap_or_default().contains(note),
        "the console line carries it too"
    );
}
