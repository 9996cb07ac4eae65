//! `myna_reader::fuzz`, the differential runner behind `myna-conform fuzz
//! --family reader`: the model agrees with itself over random sequences,
//! and comparing it with each test-only faulty reader finds a short
//! diverging sequence. (The model-based invariants of the reference reader
//! are tests/state_machine.rs.)

#![allow(clippy::unwrap_used)]

use myna_card_emu::persona::Persona;
use myna_reader::fuzz::{compare, fuzz, Local};
use myna_reader::Defect;

fn taro() -> Persona {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/personas");
    Persona::load_named(dir.as_ref(), "taro").unwrap()
}

#[test]
fn the_model_agrees_with_itself_and_catches_the_faulty_readers() {
    let persona = taro();
    let mut model = Local::new(persona.clone(), None);
    let mut same = Local::new(persona.clone(), None);
    assert!(fuzz(32, 1, 30, true, &persona, &mut model, &mut same).is_none());
    for defect in [Defect::ConsentOnRemoval, Defect::RetriesWrongPin] {
        let mut faulty = Local::new(persona.clone(), Some(defect));
        let finding = fuzz(256, 7, 30, false, &persona, &mut model, &mut faulty)
            .unwrap_or_else(|| panic!("{defect:?} not caught"));
        // Shrunk to a short sequence that still diverges.
        assert!(finding.steps.len() <= 8, "{defect:?}: {:?}", finding.steps);
        assert!(compare(&finding.steps, &persona, &mut model, &mut faulty).is_err());
    }
}
