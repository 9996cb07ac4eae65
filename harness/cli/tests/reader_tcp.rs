//! The reader suite over the adapter protocol: every reader scenario
//! against the reference reader served on 127.0.0.1 (`myna_reader::protocol`,
//! what `reader serve` runs), with the eligibility service over HTTP, and
//! the same through the CLI with the reader's card behind pcscd+vpcd
//! (mandatory with `CI=true`, skipped without pcscd otherwise).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, families_with_reader, Targets};
use myna_engine::{load_suite, run_scenario};
use myna_family_oqs::HttpOqs;
use myna_family_reader::TcpReader;
use myna_reader::protocol::{serve, ClientOptions, EmuFactory, ServeConfig};
use myna_report::Verdict;

fn reader_scenarios() -> Vec<myna_scenario::Scenario> {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios/reader")],
        Path::new("scenarios/requirements.yaml"),
        &families(&Targets::default()),
    )
    .map_err(|p| format!("{:?}", p.diagnostics))
    .unwrap();
    suite.scenarios
}

#[test]
fn every_reader_scenario_passes_over_tcp() {
    let scenarios = reader_scenarios();
    assert!(
        scenarios.len() >= 50,
        "{} reader scenarios",
        scenarios.len()
    );
    let oqs =
        myna_oqs::spawn_background("127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    let factory = EmuFactory {
        personas: PathBuf::from("vectors/personas"),
        default_persona: "taro".into(),
        oqs_url: Some(oqs.url()),
    };
    let server = serve(
        "127.0.0.1:0".parse().unwrap(),
        ServeConfig::default(),
        Box::new(factory),
    )
    .unwrap();
    let mut passed = 0;
    let mut problems = Vec::new();
    for scenario in &scenarios {
        let reader = TcpReader::connect(&server.url(), ClientOptions::default()).unwrap();
        let oqs_provider = HttpOqs::connect(&oqs.url()).unwrap();
        let mut families = families_with_reader(
            None,
            Some(Box::new(oqs_provider)),
            Some(Box::new(reader)),
            &Targets::default(),
        );
        let report = run_scenario(scenario, &mut families).report;
        match report.verdict {
            Verdict::Pass => passed += 1,
            // Only the card trace is not visible over the protocol.
            Verdict::NotApplicable
                if scenario.applies_if.iter().any(|c| c == "reader.card-trace") => {}
            other => problems.push(format!(
                "{}: {} {}",
                scenario.id,
                other.as_str(),
                report.message.unwrap_or_default()
            )),
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(passed >= 55, "only {passed} passed over TCP");
}
