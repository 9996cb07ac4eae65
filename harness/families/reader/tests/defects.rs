//! The faulty readers, caught end to end: `fuzz` finds each test-only
//! defect of the reference reader, and the scenario it writes passes on the
//! reference reader and fails on the faulty one, at load-checked,
//! ready-to-run YAML.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use myna_card_emu::persona::Persona;
use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::EmuProvider;
use myna_family_card::CardFamily;
use myna_family_oqs::{BuiltinOqs, OqsFamily};
use myna_family_reader::{BuiltinReader, ReaderFamily};
use myna_reader::fuzz::{fuzz, scenario_yaml, Local};
use myna_reader::Defect;
use myna_report::Verdict;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(3)
        .unwrap()
        .to_path_buf()
}

fn families(reader: BuiltinReader) -> Vec<Box<dyn Family>> {
    vec![
        Box::new(CardFamily::new(Box::new(EmuProvider::new(
            root().join("vectors/personas"),
        )))),
        Box::new(OqsFamily::new(Box::new(BuiltinOqs))),
        Box::new(ReaderFamily::new(Box::new(reader))),
    ]
}

#[test]
fn each_faulty_reader_is_caught_and_its_written_scenario_reproduces_it() {
    let persona = Persona::load_named(&root().join("vectors/personas"), "taro").unwrap();
    for (defect, slug) in [
        (Defect::ConsentOnRemoval, "consent-on-removal"),
        (Defect::RetriesWrongPin, "retries-wrong-pin"),
    ] {
        let mut model = Local::new(persona.clone(), None);
        let mut faulty = Local::new(persona.clone(), Some(defect));
        let finding = fuzz(256, 7, 30, false, &persona, &mut model, &mut faulty)
            .unwrap_or_else(|| panic!("{defect:?} not caught"));
        let id = format!("reader.fuzz.{slug}");
        let yaml = scenario_yaml(&id, &persona, &finding.steps, &mut model);
        let dir =
            std::env::temp_dir().join(format!("myna-reader-defect-{slug}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{slug}.yaml")), &yaml).unwrap();
        let suite = load_suite(
            std::slice::from_ref(&dir),
            &root().join("scenarios/requirements.yaml"),
            &families(BuiltinReader::default()),
        )
        .unwrap_or_else(|p| panic!("{yaml}\n{:?}", p.diagnostics));
        let scenario = &suite.scenarios[0];
        let good = run_scenario(scenario, &mut families(BuiltinReader::default())).report;
        assert_eq!(good.verdict, Verdict::Pass, "{yaml}\n{:?}", good.message);
        let bad = run_scenario(scenario, &mut families(BuiltinReader::with_defect(defect))).report;
        assert_eq!(
            bad.verdict,
            Verdict::Fail,
            "{defect:?} not reproduced by\n{yaml}"
        );
        // The written scenario carries no PIN, only the persona variable.
        let pin = String::from_utf8(persona.auth_pin().unwrap().expose().to_vec()).unwrap();
        assert!(!yaml.contains(&format!("\"{pin}\"")), "{yaml}");
    }
}
