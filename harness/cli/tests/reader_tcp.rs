//! The reader suite over the adapter protocol: every reader scenario
//! against the reference reader served on 127.0.0.1 (`myna_reader::protocol`,
//! what `reader serve` runs), with the eligibility service over HTTP, and
//! the same through the CLI with the reader's card behind pcscd+vpcd
//! (mandatory with `CI=true`, skipped without pcscd otherwise).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, families_with, Providers, Targets};
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
        let providers = Providers {
            oqs: Some(Box::new(oqs_provider)),
            reader: Some(Box::new(reader)),
            ..Providers::default()
        };
        let mut families = families_with(providers, &Targets::default());
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

#[test]
fn fuzz_over_tcp_catches_a_served_faulty_reader() {
    use myna_reader::fuzz::{fuzz, Local, Remote};
    common::enter_root().unwrap();
    let persona =
        myna_card_emu::persona::Persona::load_named(Path::new("vectors/personas"), "taro").unwrap();
    let oqs =
        myna_oqs::spawn_background("127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    // The sound reader also in the smartphone flow: the served reader's
    // phone is the persona's own card (its PIN and counter), as the model's.
    for (defect, must_find, with_phone) in [
        (None, false, false),
        (None, false, true),
        (Some(myna_reader::Defect::ConsentOnRemoval), true, false),
        (Some(myna_reader::Defect::RetriesWrongPin), true, false),
    ] {
        let factory = EmuFactory {
            personas: PathBuf::from("vectors/personas"),
            default_persona: "taro".into(),
            oqs_url: Some(oqs.url()),
        };
        let config = ServeConfig {
            defect,
            ..ServeConfig::default()
        };
        let server = serve("127.0.0.1:0".parse().unwrap(), config, Box::new(factory)).unwrap();
        let target = myna_oqs::HttpTarget::connect(&oqs.url()).unwrap();
        let address = server.addr().to_string();
        let mut subject = Remote::new(&address, Box::new(target), "taro");
        let mut model = Local::new(persona.clone(), None);
        let cases = if must_find { 256 } else { 24 };
        let found = fuzz(cases, 7, 30, with_phone, &persona, &mut model, &mut subject);
        assert_eq!(found.is_some(), must_find, "{defect:?}");
    }
}
