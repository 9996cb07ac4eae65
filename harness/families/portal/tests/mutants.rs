//! The portal suite has teeth: the reference with each deliberate defect
//! (`myna_portal::defect`) must make at least one scenario under
//! `scenarios/portal/` fail. A defect that survives means a requirement
//! nobody checks.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::EmuProvider;
use myna_family_card::CardFamily;
use myna_family_oqs::{BuiltinOqs, OqsFamily};
use myna_family_portal::{BuiltinPortal, PortalFamily};
use myna_portal::defect::{Defect, ALL};
use myna_portal::PortalConfig;
use myna_report::Verdict;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(3)
        .unwrap()
        .to_path_buf()
}

fn families(defects: Vec<Defect>) -> Vec<Box<dyn Family>> {
    let personas = root().join("vectors/personas");
    let config = PortalConfig {
        defects,
        ..PortalConfig::default()
    };
    vec![
        Box::new(CardFamily::new(Box::new(EmuProvider::new(&personas)))),
        Box::new(OqsFamily::new(Box::new(BuiltinOqs))),
        Box::new(PortalFamily::new(
            Box::new(BuiltinPortal::with_config(&personas, config)),
            &personas,
        )),
    ]
}

/// The ids of the portal scenarios that do not pass.
fn failing(defects: Vec<Defect>) -> Vec<String> {
    let mut families = families(defects);
    let suite = load_suite(
        &[root().join("scenarios/portal")],
        &root().join("scenarios/requirements.yaml"),
        &families,
    )
    .unwrap_or_else(|p| panic!("{:?} {:?}", p.io, p.diagnostics));
    assert!(
        suite.scenarios.len() >= 40,
        "{} portal scenarios",
        suite.scenarios.len()
    );
    suite
        .scenarios
        .iter()
        .filter(|s| run_scenario(s, &mut families).report.verdict != Verdict::Pass)
        .map(|s| s.id.clone())
        .collect()
}

#[test]
fn the_reference_passes_every_portal_scenario() {
    assert_eq!(failing(Vec::new()), Vec::<String>::new());
}

#[test]
fn every_defect_of_the_reference_fails_a_scenario() {
    let mut survivors = Vec::new();
    for defect in ALL {
        let failed = failing(vec![*defect]);
        if failed.is_empty() {
            survivors.push(format!("{defect:?}"));
        }
    }
    assert!(
        survivors.is_empty(),
        "defects no portal scenario catches: {survivors:?}"
    );
}
