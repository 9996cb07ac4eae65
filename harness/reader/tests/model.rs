//! Model-based properties of the reference reader over random stimulus
//! sequences (proptest, shrinking): no consent flag without an explicit
//! choice, removal before a choice leaves "none", the card's PIN counter
//! equals the model's after any sequence, every state reaches idle, consent
//! expires after 24 hours, each record matches the screens shown; and
//! model-vs-subject comparison catches both test-only faulty readers.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use myna_card_emu::persona::Persona;
use myna_reader::fuzz::{compare, fuzz, step_strategy, world_of, FuzzStep, Local, Subject, START};
use myna_reader::{
    Button, ClockChange, ConsentChoice, ConsentItem, Defect, PinDigits, ScreenId, Stimulus,
    VisitEnd,
};
use proptest::prelude::*;

fn taro() -> Persona {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/personas");
    Persona::load_named(dir.as_ref(), "taro").unwrap()
}

/// The explicit choices a press on `screen` makes.
fn chosen(screen: &str, button: Button) -> Vec<(ConsentItem, ConsentChoice)> {
    let choice = match button {
        Button::Agree => ConsentChoice::Agreed,
        Button::Decline => ConsentChoice::Declined,
        Button::AgreeAll if screen == "consent_bulk" => {
            return vec![
                (ConsentItem::Checkup, ConsentChoice::Agreed),
                (ConsentItem::Medical, ConsentChoice::Agreed),
            ]
        }
        _ => return Vec::new(),
    };
    match screen {
        "consent_checkup" => vec![(ConsentItem::Checkup, choice)],
        "consent_medical" => vec![(ConsentItem::Medical, choice)],
        "consent_limit" => vec![(ConsentItem::Limit, choice)],
        _ => Vec::new(),
    }
}

fn check_invariants(steps: &[FuzzStep]) -> Result<(), TestCaseError> {
    let persona = taro();
    let mut model = Local::new(persona.clone(), None);
    model
        .reset(&world_of(&persona))
        .map_err(TestCaseError::fail)?;
    model
        .stimulate(&Stimulus::Clock {
            change: ClockChange::Set(START.into()),
        })
        .map_err(TestCaseError::fail)?;
    let right = PinDigits(persona.auth_pin().unwrap().clone());
    let mut tries: u8 = 3;
    let mut choices: BTreeMap<ConsentItem, ConsentChoice> = BTreeMap::new();
    let mut screen = ScreenId::Idle.as_str().to_string();
    let mut pending: Option<bool> = None;
    for step in steps {
        let stimulus = match step {
            FuzzStep::Stimulus(s) => s.clone(),
            FuzzStep::RightPin => Stimulus::EnterPin {
                digits: right.clone(),
            },
            FuzzStep::WrongPin => Stimulus::EnterPin {
                digits: PinDigits::new("0000"),
            },
        };
        let (accepted, obs) = model.stimulate(&stimulus).map_err(TestCaseError::fail)?;
        // The model of the card's counter (§1.4): a PIN entered on the PIN
        // screen is one VERIFY; right resets, wrong spends one.
        if accepted && screen == "pin_entry" {
            match step {
                FuzzStep::RightPin => tries = 3,
                FuzzStep::WrongPin => tries = tries.saturating_sub(1),
                FuzzStep::Stimulus(_) => {}
            }
        }
        // Android: the PIN typed on the reader is sent when the phone is held.
        if accepted && screen == "phone_pin" {
            pending = match step {
                FuzzStep::RightPin => Some(true),
                FuzzStep::WrongPin => Some(false),
                FuzzStep::Stimulus(_) => pending,
            };
        }
        if accepted && screen == "phone_hold" && matches!(stimulus, Stimulus::HoldPhone) {
            match pending.take() {
                Some(true) => tries = 3,
                Some(false) => tries = tries.saturating_sub(1),
                None => {}
            }
        }
        if let (true, Stimulus::Press { button }) = (accepted, &stimulus) {
            for (item, choice) in chosen(&screen, *button) {
                choices.insert(item, choice);
            }
        }
        prop_assert_eq!(
            model.card_tries(),
            Some(tries),
            "card counter after {:?}",
            step
        );
        for record in &obs.records {
            for entry in &record.consents {
                match entry.choice {
                    ConsentChoice::Agreed | ConsentChoice::Declined => {
                        prop_assert_eq!(
                            choices.get(&entry.item),
                            Some(&entry.choice),
                            "{:?} without a choice",
                            entry
                        );
                        prop_assert!(entry.time.is_some());
                    }
                    ConsentChoice::NotAsked | ConsentChoice::Statutory => {
                        prop_assert_eq!(record.end, VisitEnd::Completed);
                    }
                    _ => prop_assert!(!choices.contains_key(&entry.item), "none after a choice"),
                }
                if entry.choice != ConsentChoice::Agreed {
                    prop_assert!(entry.flag == "0" || entry.choice == ConsentChoice::Statutory);
                }
            }
            if record.end == VisitEnd::Removed {
                prop_assert_eq!(
                    &record.last_screen,
                    &screen,
                    "a removal records the screen shown"
                );
            } else {
                prop_assert_eq!(&record.last_screen, &obs.screen.id);
            }
            choices.clear();
        }
        screen = obs.screen.id.clone();
    }
    // Every state reaches idle: take the card (or it is already idle).
    let (_, obs) = model
        .stimulate(&Stimulus::RemoveCard)
        .map_err(TestCaseError::fail)?;
    prop_assert_eq!(obs.screen.id.as_str(), "idle");
    // Consent expires after 24 hours.
    let (_, obs) = model
        .stimulate(&Stimulus::Clock {
            change: ClockChange::AdvanceSeconds(86_400),
        })
        .map_err(TestCaseError::fail)?;
    prop_assert!(
        obs.consent_state.values().all(|v| v != "1"),
        "{:?}",
        obs.consent_state
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn the_reference_reader_keeps_the_model_invariants(steps in proptest::collection::vec(step_strategy(true), 1..40)) {
        check_invariants(&steps)?;
    }
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
