//! Model-based random testing (DESIGN §2 "one model, three uses"): random
//! stimulus sequences run against a reader under test and the model (the
//! reference reader on its own emulated card and eligibility model) side by
//! side; the first divergence fails the case, proptest shrinks the
//! sequence, and [`scenario_yaml`] writes the shrunk sequence as a
//! ready-to-run scenario whose expectations are the model's observations.

use std::fmt::Write as _;
use std::path::Path;

use myna_card_emu::persona::Persona;
use myna_family_card::target::EmuCard;
use myna_oqs::{InProcessTarget, OqsTarget};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{json, Value};

use crate::observation::Observation;
use crate::protocol::Client;
use crate::reference::{Defect, Peers, Reaction, ReferenceReader};
use crate::stimulus::{
    Button, CardKind, ClockChange, FaceOutcome, Method, Phone, PinDigits, Placement, Stimulus,
};
use crate::ReaderConfig;

/// One step of a random sequence; PINs are named, not written, so a
/// scenario can refer to `${persona.auth_pin}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FuzzStep {
    /// A stimulus without a secret.
    Stimulus(Stimulus),
    /// The persona's right PIN.
    RightPin,
    /// A wrong PIN.
    WrongPin,
}

/// The clock every case starts at.
pub const START: &str = "2025-04-01T09:00";

/// The random alphabet, weighted towards the main flow.
pub fn step_strategy(with_phone: bool) -> BoxedStrategy<FuzzStep> {
    let s = |x: Stimulus| Just(FuzzStep::Stimulus(x));
    let press = |b: Button| FuzzStep::Stimulus(Stimulus::Press { button: b });
    let mut steps: Vec<(u32, BoxedStrategy<FuzzStep>)> = vec![
        (
            6,
            s(Stimulus::PlaceCard {
                card: CardKind::MyNumber,
                placement: Placement::Correct,
                face_only_marking: false,
            })
            .boxed(),
        ),
        (
            1,
            s(Stimulus::PlaceCard {
                card: CardKind::MyNumber,
                placement: Placement::Covered,
                face_only_marking: false,
            })
            .boxed(),
        ),
        (3, s(Stimulus::RemoveCard).boxed()),
        (
            3,
            s(Stimulus::ChooseMethod {
                method: Method::Face,
            })
            .boxed(),
        ),
        (
            3,
            s(Stimulus::ChooseMethod {
                method: Method::Pin,
            })
            .boxed(),
        ),
        (
            3,
            s(Stimulus::FaceResult {
                outcome: FaceOutcome::Match,
            })
            .boxed(),
        ),
        (
            2,
            s(Stimulus::FaceResult {
                outcome: FaceOutcome::Mismatch,
            })
            .boxed(),
        ),
        (3, Just(FuzzStep::RightPin).boxed()),
        (3, Just(FuzzStep::WrongPin).boxed()),
        (
            6,
            proptest::sample::select(Button::ALL.to_vec())
                .prop_map(press)
                .boxed(),
        ),
        (1, s(Stimulus::StaffVisualCheck).boxed()),
        (
            1,
            s(Stimulus::Clock {
                change: ClockChange::AdvanceSeconds(61),
            })
            .boxed(),
        ),
        (
            1,
            s(Stimulus::Clock {
                change: ClockChange::AdvanceSeconds(86_400),
            })
            .boxed(),
        ),
    ];
    if with_phone {
        steps.push((
            1,
            s(Stimulus::ChooseMethod {
                method: Method::Smartphone,
            })
            .boxed(),
        ));
        steps.push((
            1,
            s(Stimulus::SelectPhone {
                phone: Phone::Android,
            })
            .boxed(),
        ));
        steps.push((
            1,
            s(Stimulus::SelectPhone {
                phone: Phone::Iphone,
            })
            .boxed(),
        ));
        steps.push((1, s(Stimulus::PhoneAuthenticated).boxed()));
        steps.push((1, s(Stimulus::HoldPhone).boxed()));
    }
    proptest::strategy::Union::new_weighted(steps).boxed()
}

/// A reader the fuzzer drives.
pub trait Subject {
    /// Starts a case afresh (idle, fresh card, the world seeded).
    fn reset(&mut self, world: &Value) -> Result<(), String>;
    /// One stimulus: taken or not, and the observation after it.
    fn stimulate(&mut self, stimulus: &Stimulus) -> Result<(bool, Observation), String>;
}

/// The reference reader with its own emulated card, the persona's
/// smartphone card (when it has one) and eligibility model (the model;
/// with a [`Defect`], a test-only faulty reader).
pub struct Local {
    persona: Persona,
    config: ReaderConfig,
    defect: Option<Defect>,
    reader: ReferenceReader,
    card: EmuCard,
    phone_profile: Option<myna_card_emu::CardProfile>,
    phone: Option<EmuCard>,
    oqs: InProcessTarget,
    seen: usize,
}

impl Local {
    /// The model on `persona`'s card and smartphone card; a smartphone
    /// card that cannot be made (its CA key missing) is left out.
    pub fn new(persona: Persona, defect: Option<Defect>) -> Local {
        let card = EmuCard::new(persona.card_profile());
        let phone_profile = persona.phone_profile().ok().flatten();
        Local {
            persona,
            config: ReaderConfig::default(),
            defect,
            reader: ReferenceReader::default(),
            card,
            phone: phone_profile.clone().map(EmuCard::new),
            phone_profile,
            oqs: InProcessTarget::new(),
            seen: 0,
        }
    }
}

impl Local {
    /// The reader.
    pub fn reader(&self) -> &ReferenceReader {
        &self.reader
    }

    /// The card's 利用者証明用 PIN tries left, asked without spending one.
    pub fn card_tries(&mut self) -> Option<u8> {
        myna_family_card::host::JpkiHost::new(&mut self.card)
            .auth_pin_tries()
            .ok()
            .flatten()
    }

    /// The smartphone card's PIN tries left (its own counter), asked
    /// without spending one; `None` without a smartphone card.
    pub fn phone_tries(&mut self) -> Option<u8> {
        let phone = self.phone.as_mut()?;
        myna_family_card::host::JpkiHost::new(phone)
            .auth_pin_tries()
            .ok()
            .flatten()
    }
}

/// Seeds the world into an eligibility target through its control API.
pub fn seed(target: &mut dyn OqsTarget, world: &Value) -> Result<(), String> {
    let answer = target
        .request(
            "POST",
            "/control/v1/command",
            world.to_string().as_bytes(),
            None,
        )
        .map_err(|e| e.to_string())?;
    if answer.status == 200 {
        Ok(())
    } else {
        Err(format!(
            "world: HTTP {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        ))
    }
}

impl Subject for Local {
    fn reset(&mut self, world: &Value) -> Result<(), String> {
        let reader = ReferenceReader::new(self.config.clone());
        self.reader = match self.defect {
            Some(d) => reader.with_defect(d),
            None => reader,
        };
        self.card = EmuCard::new(self.persona.card_profile());
        self.phone = self.phone_profile.clone().map(EmuCard::new);
        self.oqs = InProcessTarget::new();
        self.seen = 0;
        seed(&mut self.oqs, world)
    }

    fn stimulate(&mut self, stimulus: &Stimulus) -> Result<(bool, Observation), String> {
        let mut peers = Peers {
            card: &mut self.card,
            phone: self
                .phone
                .as_mut()
                .map(|p| p as &mut dyn myna_family_card::target::CardTarget),
            eligibility: &mut self.oqs,
        };
        let reaction = self
            .reader
            .handle(stimulus, &mut peers)
            .map_err(|e| e.to_string())?;
        let observation = self.reader.observe(self.seen);
        self.seen = self.reader.records().len();
        Ok((reaction == Reaction::Accepted, observation))
    }
}

/// A reader over the adapter protocol; its eligibility service is seeded
/// through `oqs` (the same service the reader checks).
pub struct Remote {
    /// `HOST:PORT`.
    pub address: String,
    /// The eligibility service the reader uses.
    pub oqs: Box<dyn OqsTarget>,
    /// The persona of the card.
    pub persona: String,
    client: Option<Client>,
}

impl Remote {
    /// A remote subject.
    pub fn new(address: &str, oqs: Box<dyn OqsTarget>, persona: &str) -> Remote {
        Remote {
            address: address.to_string(),
            oqs,
            persona: persona.to_string(),
            client: None,
        }
    }
}

impl Subject for Remote {
    fn reset(&mut self, world: &Value) -> Result<(), String> {
        seed(self.oqs.as_mut(), world)?;
        let mut client =
            Client::connect(&self.address, Default::default()).map_err(|e| e.to_string())?;
        client
            .reset(Some(&self.persona))
            .map_err(|e| e.to_string())?;
        self.client = Some(client);
        Ok(())
    }

    fn stimulate(&mut self, stimulus: &Stimulus) -> Result<(bool, Observation), String> {
        let client = self.client.as_mut().ok_or("not reset")?;
        client
            .stimulate(stimulus)
            .map(|r| (r.accepted, r.observation))
            .map_err(|e| e.to_string())
    }
}

/// The world every case starts with: the persona's holder, registered,
/// insured, with the smartphone card when the persona has one (as
/// scenarios/fragments/reader-world.yaml and reader-phone.yaml).
pub fn world_of(persona: &Persona) -> Value {
    let var = |name: &str| {
        persona
            .variables()
            .into_iter()
            .find(|v| v.name == name)
            .map(|v| v.value)
            .unwrap_or_default()
    };
    let mut certificate = json!({"serial": var("auth_serial"), "not_after": "2030-12-31"});
    if let Some(phone) = persona.phone_serial_hex() {
        certificate["phone_serial"] = phone.into();
    }
    json!({"op": "world", "clock": START, "persons": [{
        "id": "holder", "name": var("name"), "kana": var("name_kana"),
        "birth_date": var("birth_date"), "sex": var("sex"),
        "certificate": certificate,
        "qualifications": [{"insurer_number": "06130012", "symbol": "1234", "number": "5678",
            "insurer_name": "試験健康保険組合", "qualification_date": "2020-04-01"}]}]})
}

/// Whether a PIN typed on `screen` is the smartphone card's: the Android
/// PIN screen of the smartphone flow (§1.5); elsewhere it is the card's.
pub fn is_phone_pin_screen(screen: &str) -> bool {
    screen == crate::ScreenId::PhonePin.as_str()
}

/// The stimulus `step` stands for when typed on `screen` (the screen
/// shown before it): the right or a wrong PIN of the smartphone card on
/// the Android PIN screen, of the card elsewhere.
pub fn concrete(step: &FuzzStep, persona: &Persona, screen: &str) -> Stimulus {
    let right = if is_phone_pin_screen(screen) {
        persona.phone().map(|p| p.pin.clone())
    } else {
        persona.auth_pin().cloned()
    };
    match step {
        FuzzStep::Stimulus(s) => s.clone(),
        FuzzStep::RightPin => Stimulus::EnterPin {
            digits: PinDigits(
                right.unwrap_or_else(|| myna_card_emu::Secret::new(b"0000".to_vec())),
            ),
        },
        FuzzStep::WrongPin => Stimulus::EnterPin {
            digits: PinDigits::new(&wrong_pin(right.as_ref())),
        },
    }
}

/// A PIN that is not `right` (as `${persona.wrong_auth_pin}` and
/// `${persona.wrong_phone_auth_pin}` are chosen).
fn wrong_pin(right: Option<&myna_card_emu::Secret>) -> String {
    if right.is_some_and(|s| s.expose() == b"0000") {
        "1111".into()
    } else {
        "0000".into()
    }
}

/// Where model and subject first differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// Index of the step.
    pub step: usize,
    /// What the model saw after it.
    pub expected: String,
    /// What the subject saw.
    pub actual: String,
}

/// Runs `steps` on both; the model's observations, or the first divergence.
pub fn compare(
    steps: &[FuzzStep],
    persona: &Persona,
    model: &mut dyn Subject,
    subject: &mut dyn Subject,
) -> Result<Vec<(bool, Observation)>, Divergence> {
    let world = world_of(persona);
    let fail = |step, e: String| Divergence {
        step,
        expected: "a working reader".into(),
        actual: e,
    };
    model
        .reset(&world)
        .map_err(|e| fail(0, format!("model: {e}")))?;
    subject.reset(&world).map_err(|e| fail(0, e))?;
    let clock = Stimulus::Clock {
        change: ClockChange::Set(START.into()),
    };
    model
        .stimulate(&clock)
        .map_err(|e| fail(0, format!("model: {e}")))?;
    subject.stimulate(&clock).map_err(|e| fail(0, e))?;
    let mut seen: Vec<(bool, Observation)> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let screen = seen.last().map_or("idle", |(_, o)| o.screen.id.as_str());
        let stimulus = concrete(step, persona, screen);
        let want = model
            .stimulate(&stimulus)
            .map_err(|e| fail(i, format!("model: {e}")))?;
        let got = subject.stimulate(&stimulus).map_err(|e| fail(i, e))?;
        if want != got {
            return Err(Divergence {
                step: i,
                expected: serde_json::to_string(&want.1).unwrap_or_default()
                    + &format!(" accepted={}", want.0),
                actual: serde_json::to_string(&got.1).unwrap_or_default()
                    + &format!(" accepted={}", got.0),
            });
        }
        seen.push(want);
    }
    Ok(seen)
}

/// What a fuzz run found.
pub struct Finding {
    /// The shrunk sequence.
    pub steps: Vec<FuzzStep>,
    /// Where it diverges.
    pub divergence: Divergence,
}

/// Runs `cases` random sequences (deterministic from `seed`); the shrunk
/// first failure, if any.
pub fn fuzz(
    cases: u32,
    seed: u64,
    max_len: usize,
    with_phone: bool,
    persona: &Persona,
    model: &mut dyn Subject,
    subject: &mut dyn Subject,
) -> Option<Finding> {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = proptest::test_runner::TestRng::from_seed(
        proptest::test_runner::RngAlgorithm::ChaCha,
        &bytes,
    );
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = proptest::collection::vec(step_strategy(with_phone), 1..max_len.max(2));
    let cell = std::cell::RefCell::new((model, subject));
    let result = runner.run(&strategy, |steps| {
        let mut pair = cell.borrow_mut();
        let (m, s) = &mut *pair;
        compare(&steps, persona, *m, *s).map(drop).map_err(|d| {
            TestCaseError::fail(format!("step {}: {} / {}", d.step, d.expected, d.actual))
        })
    });
    match result {
        Err(TestError::Fail(_, steps)) => {
            let mut pair = cell.borrow_mut();
            let (m, s) = &mut *pair;
            let divergence = compare(&steps, persona, *m, *s).err()?;
            Some(Finding { steps, divergence })
        }
        _ => None,
    }
}

fn stimulus_yaml(step: &FuzzStep, screen: &str) -> String {
    let phone = is_phone_pin_screen(screen);
    match step {
        FuzzStep::RightPin if phone => "enter_pin: \"${persona.phone_auth_pin}\"".into(),
        FuzzStep::WrongPin if phone => "enter_pin: \"${persona.wrong_phone_auth_pin}\"".into(),
        FuzzStep::RightPin => "enter_pin: \"${persona.auth_pin}\"".into(),
        FuzzStep::WrongPin => "enter_pin: \"${persona.wrong_auth_pin}\"".into(),
        FuzzStep::Stimulus(s) => match s {
            Stimulus::PlaceCard {
                card,
                placement,
                face_only_marking,
            } => format!(
                "place_card: {{ card: {}, placement: {}, face_only_marking: {face_only_marking} }}",
                name(card),
                name(placement)
            ),
            Stimulus::ChooseMethod { method } => format!("choose_method: {}", method.as_str()),
            Stimulus::FaceResult { outcome } => format!("face_result: {}", name(outcome)),
            Stimulus::Press { button } => format!("press: \"{}\"", button.as_str()),
            Stimulus::SelectPhone { phone } => format!("select_phone: {}", name(phone)),
            Stimulus::Clock {
                change: ClockChange::AdvanceSeconds(n),
            } => format!("reader_clock: {{ advance: {n} }}"),
            Stimulus::Clock {
                change: ClockChange::Set(t),
            } => format!("reader_clock: {{ set: \"{t}\" }}"),
            other => format!("{}: {{}}", other.name()),
        },
    }
}

fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The finding as a scenario file: the model's world, the shrunk steps,
/// and after each the model's observation as expectations (so against the
/// faulty reader it fails at the diverging step).
pub fn scenario_yaml(
    id: &str,
    persona: &Persona,
    steps: &[FuzzStep],
    model: &mut dyn Subject,
) -> String {
    let mut world_body = world_of(persona);
    if let Some(map) = world_body.as_object_mut() {
        map.remove("op");
    }
    let observed = run_model(steps, persona, model);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `myna-conform fuzz --family reader`: a shrunk random sequence on which the"
    );
    let _ = writeln!(
        out,
        "# reader under test differed from the model; each expectation is the model's observation."
    );
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(
        out,
        "title: \"A random stimulus sequence, shrunk, on which a reader differed from the model\""
    );
    let _ = writeln!(out, "requirements: [READER-OUTPUT-RECORD, READER-CONSENT-EXPLICIT, READER-PIN-VERIFIED-BY-CARD, READER-STIMULUS-STATE]");
    let _ = writeln!(out, "tags: [reader, fuzz]");
    let _ = writeln!(out, "applies_if: [reader.flow, reader.clock]");
    let _ = writeln!(out, "persona: {}", persona.id());
    let _ = writeln!(out, "steps:");
    let _ = writeln!(out, "  - world: {world_body}");
    let _ = writeln!(out, "  - reader_clock: {{ set: \"{START}\" }}");
    let mut records = 0usize;
    let mut screen = "idle";
    for (step, (accepted, obs)) in steps.iter().zip(observed.iter()) {
        records += obs.records.len();
        let _ = writeln!(out, "  - {}", stimulus_yaml(step, screen));
        screen = obs.screen.id.as_str();
        let mut expect = format!(
            "accepted: {accepted}, screen: {}, records: {records}",
            obs.screen.id
        );
        let state: Vec<String> = obs
            .consent_state
            .iter()
            .map(|(k, v)| format!("{k}: \"{v}\""))
            .collect();
        if !state.is_empty() {
            let _ = write!(expect, ", consent_state: {{ {} }}", state.join(", "));
        }
        if let Some(r) = obs.records.last() {
            let consents: Vec<String> = r
                .consents
                .iter()
                .map(|c| format!("{}: {}", c.item.as_str(), c.choice.as_str()))
                .collect();
            let _ = write!(
                expect,
                ", record: {{ end: {}, last_screen: {}, consents: {{ {} }} }}",
                name(&r.end),
                r.last_screen,
                consents.join(", ")
            );
        }
        if let Some(tries) = obs.screen.fields.get("tries_left") {
            let _ = write!(expect, ", fields: {{ tries_left: \"{tries}\" }}");
        }
        let _ = writeln!(out, "    expect: {{ {expect} }}");
    }
    out
}

fn run_model(
    steps: &[FuzzStep],
    persona: &Persona,
    model: &mut dyn Subject,
) -> Vec<(bool, Observation)> {
    let world = world_of(persona);
    if model.reset(&world).is_err() {
        return Vec::new();
    }
    let _ = model.stimulate(&Stimulus::Clock {
        change: ClockChange::Set(START.into()),
    });
    let mut seen: Vec<(bool, Observation)> = Vec::new();
    for step in steps {
        let screen = seen.last().map_or("idle", |(_, o)| o.screen.id.as_str());
        match model.stimulate(&concrete(step, persona, screen)) {
            Ok(observed) => seen.push(observed),
            Err(_) => break,
        }
    }
    seen
}

/// Loads a persona (for the CLI).
pub fn load_persona(dir: &Path, id: &str) -> Result<Persona, String> {
    Persona::load_named(dir, id).map_err(|e| format!("persona `{id}`: {e}"))
}
