//! Model-based tests of the reference reader (issue 10 item 6) with
//! proptest-state-machine: the abstract reader of `reader_model` is the
//! `ReferenceStateMachine`; the system under test is `ReferenceReader` on an
//! emulated card (a persona of vectors/personas) with the in-process
//! eligibility reference, driven by the same random stimulus sequences.
//! After every transition:
//!
//! - the card's 利用者証明用 PIN counter, read off the card by an empty
//!   VERIFY (`63Cx`), equals the model's (§1.4: the counter is the card's),
//!   and so does the smartphone card's own counter (seed 004: in the
//!   Android flow the PIN typed is the phone's, VERIFYd by the phone);
//! - no consent flag is `1` without an explicit choice on screen (or the
//!   statutory 限度額 provision from 2024-10-07);
//! - a visit ended by removing the card records "none" for every item not
//!   chosen;
//! - each output record matches the screens shown (the screen it ended on,
//!   how it ended, the authentication, the choices with their times);
//! - the screen, its key fields and whether the stimulus was taken are the
//!   model's;
//! - the consent state in force is the model's, and 24 hours later no
//!   agreement is in force;
//! - every state reaches idle: the card taken away (from a reader whose
//!   card is gone, so removal needs no APDU) and the clock advanced.
//!
//! The same state machine run against each test-only faulty reader fails,
//! shrunk to a short sequence that the sound reader passes.

#![allow(clippy::unwrap_used)]

mod reader_model;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::OnceLock;

use myna_card_emu::persona::Persona;
use myna_family_card::target::{CardTarget, CardTargetInfo, PowerEvent, TransportError};
use myna_oqs::InProcessTarget;
use myna_reader::consent::format_time;
use myna_reader::fuzz::{concrete, world_of, FuzzStep, Local, Subject};
use myna_reader::{
    CardKind, ClockChange, ConsentChoice, ConsentItem, Defect, FaceOutcome, Method, OutputRecord,
    Peers, Placement, Reaction, RuleSet, ScreenId, Stimulus, VisitEnd,
};
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use reader_model::{Expected, Model, ReaderModel, Who, STARTS};

/// Which reader is under test.
trait Variant {
    const DEFECT: Option<Defect>;
}

struct Sound;
impl Variant for Sound {
    const DEFECT: Option<Defect> = None;
}

struct ConsentOnRemoval;
impl Variant for ConsentOnRemoval {
    const DEFECT: Option<Defect> = Some(Defect::ConsentOnRemoval);
}

struct RetriesWrongPin;
impl Variant for RetriesWrongPin {
    const DEFECT: Option<Defect> = Some(Defect::RetriesWrongPin);
}

fn persona(who: Who) -> Persona {
    static LOADED: OnceLock<BTreeMap<&'static str, Persona>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/personas");
        [Who::Taro, Who::Kiyoshi, Who::Sakura, Who::Blocked]
            .into_iter()
            .map(|w| (w.id(), Persona::load_named(dir.as_ref(), w.id()).unwrap()))
            .collect()
    });
    loaded[who.id()].clone()
}

fn variable(persona: &Persona, name: &str) -> String {
    persona
        .variables()
        .into_iter()
        .find(|v| v.name == name)
        .map(|v| v.value)
        .unwrap()
}

/// The reader under test with its card and eligibility service.
struct Rig {
    local: RefCell<Local>,
    persona: Persona,
    holder: String,
    serial: String,
    /// The smartphone card's certificate serial.
    phone_serial: String,
    /// Whether the last stimulus was taken (none yet at the start).
    accepted: Option<bool>,
    /// The records the last stimulus wrote.
    records: Vec<OutputRecord>,
}

/// A reader whose card has been taken away: every APDU fails.
struct Gone;

impl CardTarget for Gone {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::CardRemoved(
            "the card was taken away".into(),
        ))
    }

    fn power(&mut self, _: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        Err(TransportError::CardRemoved(
            "the card was taken away".into(),
        ))
    }

    fn info(&self) -> CardTargetInfo {
        CardTargetInfo {
            target: "gone".into(),
            reader_name: None,
            atr: Vec::new(),
        }
    }

    fn capabilities(&self) -> Vec<String> {
        Vec::new()
    }
}

struct ReaderTest<V>(PhantomData<V>);

impl<V: Variant> StateMachineTest for ReaderTest<V> {
    type SystemUnderTest = Rig;
    type Reference = ReaderModel;

    fn init_test(model: &Model) -> Rig {
        let persona = persona(model.who);
        let mut local = Local::new(persona.clone(), V::DEFECT);
        let start = format_time(model.start);
        let mut world = world_of(&persona);
        world["clock"] = start.clone().into();
        local.reset(&world).unwrap();
        let set = Stimulus::Clock {
            change: ClockChange::Set(start),
        };
        assert!(local.stimulate(&set).unwrap().0);
        Rig {
            local: RefCell::new(local),
            holder: variable(&persona, "name"),
            serial: variable(&persona, "auth_serial"),
            phone_serial: variable(&persona, "phone_serial"),
            persona,
            accepted: None,
            records: Vec::new(),
        }
    }

    fn apply(mut rig: Rig, _: &Model, step: FuzzStep) -> Rig {
        // The screen before the step (the model's, or a check failed): on
        // the Android PIN screen the PIN is the smartphone card's.
        let screen = rig.local.get_mut().reader().screen().id;
        let stimulus = concrete(&step, &rig.persona, &screen);
        let (accepted, observation) = rig
            .local
            .get_mut()
            .stimulate(&stimulus)
            .unwrap_or_else(|e| panic!("the reader broke on {step:?}: {e}"));
        rig.accepted = Some(accepted);
        rig.records = observation.records;
        rig
    }

    fn check_invariants(rig: &Rig, model: &Model) {
        pin_counter_is_the_cards(rig, model);
        for record in &rig.records {
            no_flag_without_a_choice(record, model.written.as_ref());
            removal_leaves_none(record, model.written.as_ref());
        }
        record_matches_the_screens(rig, model);
        screen_is_the_models(rig, model);
        consent_state_expires(rig, model);
        idle_is_reachable(rig);
    }
}

fn pin_counter_is_the_cards(rig: &Rig, model: &Model) {
    let tries = rig.local.borrow_mut().card_tries();
    assert_eq!(
        tries,
        Some(model.tries),
        "the card's PIN counter differs from the model's"
    );
    let phone = rig.local.borrow_mut().phone_tries();
    assert_eq!(
        phone,
        Some(model.phone_tries),
        "the smartphone card's PIN counter differs from the model's"
    );
}

fn no_flag_without_a_choice(record: &OutputRecord, expected: Option<&Expected>) {
    for entry in &record.consents {
        if entry.flag != "1" {
            continue;
        }
        let explicit = entry.choice == ConsentChoice::Agreed
            && entry.time.is_some()
            && expected.and_then(|e| e.explicit(entry.item)) == Some(ConsentChoice::Agreed);
        let statutory = entry.choice == ConsentChoice::Statutory
            && entry.item == ConsentItem::Limit
            && record.end == VisitEnd::Completed
            && record.rules == RuleSet::From20241007;
        assert!(
            explicit || statutory,
            "consent flag 1 without an explicit choice: {entry:?} in {record:?}"
        );
    }
}

fn removal_leaves_none(record: &OutputRecord, expected: Option<&Expected>) {
    if record.end != VisitEnd::Removed {
        return;
    }
    for entry in &record.consents {
        if expected.and_then(|e| e.explicit(entry.item)).is_none() {
            assert_eq!(
                (entry.choice, entry.flag.as_str(), entry.time.as_deref()),
                (ConsentChoice::None, "0", None),
                "removal before a choice must leave none: {record:?}"
            );
        }
    }
}

fn record_matches_the_screens(rig: &Rig, model: &Model) {
    let written: Vec<&OutputRecord> = rig.records.iter().collect();
    let Some(expected) = &model.written else {
        assert!(written.is_empty(), "a record nobody expected: {written:?}");
        return;
    };
    let [record] = written.as_slice() else {
        panic!("expected one record {expected:?}, found {written:?}");
    };
    let authenticated = expected.auth.is_some();
    assert_eq!(
        (
            record.visit,
            record.end,
            record.last_screen.as_str(),
            record.auth,
            record.rules,
            record.ended_at.as_str(),
        ),
        (
            expected.visit,
            expected.end,
            expected.last_screen.as_str(),
            expected.auth,
            expected.rules,
            format_time(expected.ended_at).as_str(),
        ),
        "the record does not match the screens shown: {record:?}"
    );
    let serial = if expected.phone {
        &rig.phone_serial
    } else {
        &rig.serial
    };
    assert_eq!(
        record.serial.as_deref(),
        authenticated.then_some(serial.as_str()),
        "the serial of the device the visit read"
    );
    assert_eq!(
        record
            .qualification
            .as_ref()
            .and_then(|q| q.name.as_deref()),
        authenticated.then_some(rig.holder.as_str()),
        "the qualification names the holder"
    );
    let consents: BTreeMap<_, _> = record
        .consents
        .iter()
        .map(|c| (c.item, (c.choice, c.time.clone(), c.valid_until.clone())))
        .collect();
    let want: BTreeMap<_, _> = expected
        .consents
        .iter()
        .map(|(item, (choice, at))| {
            let valid_until = at
                .filter(|_| *choice == ConsentChoice::Agreed)
                .map(|t| format_time(t + time::Duration::hours(24)));
            (*item, (*choice, at.map(format_time), valid_until))
        })
        .collect();
    assert_eq!(consents, want, "the record's consents: {record:?}");
    for entry in &record.consents {
        assert_eq!(entry.flag, entry.choice.flag(), "{entry:?}");
    }
}

fn screen_is_the_models(rig: &Rig, model: &Model) {
    let screen = rig.local.borrow().reader().screen();
    assert_eq!(screen.id, model.screen.id().as_str(), "the screen shown");
    for (name, value) in model.fields(&rig.holder) {
        assert_eq!(screen.fields.get(name), Some(&value), "field `{name}`");
    }
    if let Some(accepted) = rig.accepted {
        assert_eq!(accepted, model.accepted, "whether the stimulus was taken");
    }
}

fn consent_state_expires(rig: &Rig, model: &Model) {
    let local = rig.local.borrow();
    let state: BTreeMap<String, String> = local
        .reader()
        .consents_in_force()
        .into_iter()
        .map(|(item, s)| (item.as_str().to_string(), s.to_string()))
        .collect();
    assert_eq!(state, model.consent_state(), "the consent state in force");
}

/// Takes the card away from a copy of the reader (its card gone) and waits a
/// day: it is idle and no agreement is still in force.
fn idle_is_reachable(rig: &Rig) {
    let mut probe = rig.local.borrow().reader().clone();
    let mut oqs = InProcessTarget::new();
    let mut phone = Gone;
    let mut peers = Peers {
        card: &mut Gone,
        phone: Some(&mut phone),
        eligibility: &mut oqs,
    };
    if probe.screen().id != ScreenId::Idle.as_str() {
        let removed = probe.handle(&Stimulus::RemoveCard, &mut peers);
        assert_eq!(removed, Ok(Reaction::Accepted), "removal from {probe:?}");
    }
    let day = Stimulus::Clock {
        change: ClockChange::AdvanceSeconds(24 * 3600),
    };
    assert_eq!(probe.handle(&day, &mut peers), Ok(Reaction::Accepted));
    assert_eq!(
        probe.screen().id,
        ScreenId::Idle.as_str(),
        "idle is reached"
    );
    let in_force = probe.consents_in_force();
    assert!(
        in_force.values().all(|s| *s != "1"),
        "consent outlives 24 hours: {in_force:?}"
    );
}

/// Bounded so the suite runs in seconds in debug.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

const LENGTH: std::ops::Range<usize> = 1..40;

prop_state_machine! {
    #![proptest_config(config(128))]

    #[test]
    fn the_reference_reader_follows_the_model(sequential LENGTH => ReaderTest<Sound>);
}

/// The state machine against `V`, deterministic: the shrunk failure, if any.
fn failure<V: Variant>() -> Option<(String, Model, Vec<FuzzStep>)> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config(256), rng);
    let result = runner.run(
        &ReaderModel::sequential_strategy(LENGTH),
        |(initial, steps, seen)| {
            ReaderTest::<V>::test_sequential(config(1), initial, steps, seen);
            Ok(())
        },
    );
    match result {
        Err(TestError::Fail(why, (initial, steps, _))) => Some((why.to_string(), initial, steps)),
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
        Ok(()) => None,
    }
}

fn passes<V: Variant>(initial: &Model, steps: &[FuzzStep]) -> bool {
    let (initial, steps) = (initial.clone(), steps.to_vec());
    std::panic::catch_unwind(move || {
        ReaderTest::<V>::test_sequential(config(1), initial, steps, None)
    })
    .is_ok()
}

fn caught<V: Variant>(invariant: &str) {
    let (why, initial, steps) = failure::<V>().expect("the faulty reader is caught");
    assert!(why.contains(invariant), "caught by another check: {why}");
    assert!(steps.len() <= 10, "not shrunk: {steps:?}");
    assert!(!passes::<V>(&initial, &steps), "{steps:?}");
    assert!(passes::<Sound>(&initial, &steps), "{steps:?}");
}

#[test]
fn the_reader_that_records_consent_on_removal_is_caught() {
    caught::<ConsentOnRemoval>("without an explicit choice");
}

#[test]
fn the_reader_that_retries_a_wrong_pin_is_caught() {
    caught::<RetriesWrongPin>("PIN counter");
}

/// A sequence the random runs once found: PIN chosen on `face_failed` for a
/// face-only card is turned away and must leave the screen as it was (the
/// reader went back to `auth_method` while answering "not taken").
#[test]
fn a_refused_pin_choice_on_face_failed_changes_nothing() {
    let s = FuzzStep::Stimulus;
    let mismatch = s(Stimulus::FaceResult {
        outcome: FaceOutcome::Mismatch,
    });
    let steps = vec![
        s(Stimulus::PlaceCard {
            card: CardKind::MyNumber,
            placement: Placement::Correct,
            face_only_marking: true,
        }),
        s(Stimulus::ChooseMethod {
            method: Method::Face,
        }),
        mismatch.clone(),
        mismatch.clone(),
        mismatch,
        s(Stimulus::ChooseMethod {
            method: Method::Pin,
        }),
        s(Stimulus::StaffVisualCheck),
    ];
    for start in STARTS {
        let initial = Model::new(Who::Taro, start);
        ReaderTest::<Sound>::test_sequential(config(1), initial, steps.clone(), None);
    }
}

/// The smartphone card is a card of its own (seed 004): on the persona
/// whose card PIN is blocked at manufacture, the Android flow with the
/// phone's PIN authenticates, and a wrong phone PIN costs the phone a try,
/// never the card.
#[test]
fn the_phone_has_its_own_pin_and_counter() {
    let s = FuzzStep::Stimulus;
    let steps = vec![
        s(Stimulus::ChooseMethod {
            method: Method::Smartphone,
        }),
        s(Stimulus::SelectPhone {
            phone: myna_reader::Phone::Android,
        }),
        FuzzStep::WrongPin,
        s(Stimulus::HoldPhone),
        FuzzStep::RightPin,
        s(Stimulus::HoldPhone),
    ];
    for who in [Who::Blocked, Who::Taro] {
        let mut model = Model::new(who, STARTS[1]);
        for step in &steps {
            model = ReaderModel::apply(model, step);
        }
        assert_eq!(model.screen.id(), ScreenId::ConsentBulk, "{who:?}");
        assert_eq!(model.phone_tries, 3);
        assert_eq!(model.tries, if who == Who::Blocked { 0 } else { 3 });
        ReaderTest::<Sound>::test_sequential(
            config(1),
            Model::new(who, STARTS[1]),
            steps.clone(),
            None,
        );
    }
}
