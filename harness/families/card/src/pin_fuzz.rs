//! `fuzz --family card`: random VERIFY sequences on the 利用者証明用 PIN
//! against any card, with the PIN model as the oracle (card-protocol.md
//! §3.2: 3 tries, a right PIN resets, a blocked PIN stays blocked, the
//! empty VERIFY spends nothing); the shrunk first divergence is written as
//! a scenario. A real card keeps its counter between cases and runs, so
//! each case reads it first (the empty VERIFY) and the model starts there.
//! Without `destructive`, no sequence lets the counter reach 0, and before
//! each wrong PIN a query checks the card agrees with the model, so even a
//! card that counts wrongly is never blocked; a refused resetting VERIFY
//! stops the run at once.

use std::fmt::Write as _;

use myna_card_emu::{Secret, StatusWord};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::host::{HostError, JpkiHost};
use crate::target::CardTarget;

/// One command of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStep {
    /// VERIFY with the persona's PIN.
    Right,
    /// VERIFY with a wrong PIN.
    Wrong,
    /// The empty VERIFY (tries left).
    Query,
}

/// The PIN model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinModel {
    /// Tries left.
    pub tries: u8,
    /// The maximum (3).
    pub max: u8,
}

impl PinModel {
    /// The status word the card must answer to `step`, and the model after.
    pub fn step(self, step: PinStep) -> (u16, PinModel) {
        match (step, self.tries) {
            (PinStep::Query, t) => (0x63C0 | u16::from(t), self),
            (_, 0) => (0x6984, self),
            (PinStep::Right, _) => (
                0x9000,
                PinModel {
                    tries: self.max,
                    ..self
                },
            ),
            (PinStep::Wrong, t) => (
                0x63C0 | u16::from(t - 1),
                PinModel {
                    tries: t - 1,
                    ..self
                },
            ),
        }
    }

    fn blocks(self, steps: &[PinStep]) -> bool {
        let mut m = self;
        for s in steps {
            m = m.step(*s).1;
            if m.tries == 0 {
                return true;
            }
        }
        false
    }
}

/// What a card fuzz run found.
#[derive(Clone, Debug)]
pub struct PinFinding {
    /// The card's counter read before the case (the model's start).
    pub start: u8,
    /// The shrunk sequence as sent (after the resetting right PIN), with
    /// the guarding queries of a non-destructive run.
    pub steps: Vec<PinStep>,
    /// Index of the diverging step; `None`: the resetting VERIFY.
    pub at: Option<usize>,
    /// The model's status word.
    pub expected: u16,
    /// The card's.
    pub actual: String,
}

/// The 利用者証明用 PIN's tries left as the card reports them (the empty
/// VERIFY; `9000`, already verified, counts as full). Asked twice on a
/// transport error: the first exchange after opening a shared PC/SC card
/// may only learn that another application reset it (and reconnect), and
/// the query spends nothing.
pub fn read_counter(card: &mut dyn CardTarget) -> Result<u8, String> {
    let mut last = String::new();
    for _ in 0..2 {
        let mut host = JpkiHost::new(card);
        match host.auth_pin_tries() {
            Ok(Some(tries)) => return Ok(tries.min(MAX_TRIES)),
            Ok(None) => return Err(
                "the card has no 利用者証明用 PIN to fuzz (the JPKI AP or its PIN EF is missing)"
                    .into(),
            ),
            Err(HostError::Transport(e)) => last = e.to_string(),
            Err(e) => return Err(format!("reading the card's PIN counter: {e}")),
        }
    }
    Err(format!("reading the card's PIN counter: {last}"))
}

/// The 利用者証明用 PIN's tries (card-protocol.md §3.2).
pub const MAX_TRIES: u8 = 3;

/// The status word of the last exchange of `host`.
fn last_sw(host: &JpkiHost<'_>) -> u16 {
    host.trace
        .last()
        .and_then(|x| match x.response.as_slice() {
            [.., a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        })
        .unwrap_or(0)
}

/// One step sent; `Err` is the card's answer when it is not `expected`.
fn send(
    host: &mut JpkiHost<'_>,
    step: PinStep,
    right: &Secret,
    wrong: &Secret,
    expected: u16,
) -> Result<(), String> {
    let sent = match step {
        PinStep::Right => host.verify_auth_pin(right).map(drop),
        PinStep::Wrong => host.verify_auth_pin(wrong).map(drop),
        PinStep::Query => host.auth_pin_tries().map(drop),
    };
    sent.map_err(|e| e.to_string())?;
    match last_sw(host) {
        sw if sw == expected => Ok(()),
        sw => Err(format!("{}", StatusWord(sw))),
    }
}

/// One case. The model starts from the counter the card reports (a real
/// card keeps it between cases and runs); a right PIN then resets it.
/// Without `destructive`, a wrong PIN is sent only after a query showed
/// the card itself at the model's count with at least 2 tries left, so the
/// counter never reaches 0 even on a card that counts wrongly.
fn run_case(
    card: &mut dyn CardTarget,
    right: &Secret,
    wrong: &Secret,
    steps: &[PinStep],
    destructive: bool,
) -> Result<(), CaseEnd> {
    let start = read_counter(card).map_err(CaseEnd::Broken)?;
    run_from(card, start, right, wrong, steps, destructive).map_err(CaseEnd::Differed)
}

/// Why a case stopped.
enum CaseEnd {
    /// The card differed from the model.
    Differed(PinFinding),
    /// The card could not be asked (transport, no PIN): no verdict.
    Broken(String),
}

/// [`run_case`] once the card's counter is known.
fn run_from(
    card: &mut dyn CardTarget,
    start: u8,
    right: &Secret,
    wrong: &Secret,
    steps: &[PinStep],
    destructive: bool,
) -> Result<(), PinFinding> {
    let mut host = JpkiHost::new(card);
    let mut model = PinModel {
        tries: start,
        max: MAX_TRIES,
    };
    let mut sent = Vec::new();
    let fail = |sent: &[PinStep], at: Option<usize>, expected: u16, actual: String| PinFinding {
        start,
        steps: sent.to_vec(),
        at,
        expected,
        actual,
    };
    // Every case starts from a full counter (a right PIN resets it).
    let (expected, next) = model.step(PinStep::Right);
    send(&mut host, PinStep::Right, right, wrong, expected)
        .map_err(|actual| fail(&sent, None, expected, actual))?;
    model = next;
    for step in steps {
        if *step == PinStep::Wrong && !destructive && model.tries > 0 {
            // The guard: never a wrong PIN that could block.
            let (expected, _) = model.step(PinStep::Query);
            sent.push(PinStep::Query);
            send(&mut host, PinStep::Query, right, wrong, expected)
                .map_err(|actual| fail(&sent, Some(sent.len() - 1), expected, actual))?;
            if model.tries < 2 {
                return Err(fail(
                    &sent,
                    Some(sent.len() - 1),
                    expected,
                    "a wrong PIN now would block the PIN (not sent without --allow-destructive)"
                        .into(),
                ));
            }
        }
        let (expected, next) = model.step(*step);
        sent.push(*step);
        send(&mut host, *step, right, wrong, expected)
            .map_err(|actual| fail(&sent, Some(sent.len() - 1), expected, actual))?;
        model = next;
    }
    Ok(())
}

/// Runs `cases` random sequences against the card `open` gives (called
/// once per case); the shrunk first divergence. A refused resetting
/// VERIFY (the persona's PIN is not the card's, or the card is blocked
/// wrongly) ends the run at once, unshrunk: retrying it would spend the
/// card's tries.
pub fn fuzz_pin(
    open: &mut dyn FnMut() -> Result<Box<dyn CardTarget>, String>,
    right: &Secret,
    wrong: &Secret,
    cases: u32,
    seed: u64,
    max_len: usize,
    destructive: bool,
) -> Result<Option<PinFinding>, String> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let step = prop_oneof![
        Just(PinStep::Right),
        Just(PinStep::Wrong),
        Just(PinStep::Query)
    ];
    let strategy = proptest::collection::vec(step, 1..max_len.max(2)).prop_filter(
        "would block the PIN",
        move |s| {
            destructive
                || !PinModel {
                    tries: MAX_TRIES,
                    max: MAX_TRIES,
                }
                .blocks(s)
        },
    );
    let open_error = std::cell::RefCell::new(None);
    let stopped = std::cell::RefCell::new(None);
    let cell = std::cell::RefCell::new(open);
    let result = runner.run(&strategy, |steps| {
        if stopped.borrow().is_some() {
            // Touch the card no more; the run reports the stop below.
            return Ok(());
        }
        let mut card = match (cell.borrow_mut())() {
            Ok(c) => c,
            Err(e) => {
                *open_error.borrow_mut() = Some(e.clone());
                return Err(TestCaseError::reject(e));
            }
        };
        match run_case(card.as_mut(), right, wrong, &steps, destructive) {
            Ok(()) => Ok(()),
            Err(CaseEnd::Differed(finding)) if finding.at.is_some() => {
                Err(TestCaseError::fail(format!("{finding:?}")))
            }
            Err(end) => {
                *stopped.borrow_mut() = Some(end);
                Ok(())
            }
        }
    });
    if let Some(e) = open_error.into_inner() {
        return Err(e);
    }
    match stopped.into_inner() {
        Some(CaseEnd::Differed(finding)) => return Ok(Some(finding)),
        Some(CaseEnd::Broken(why)) => return Err(why),
        None => {}
    }
    match result {
        Err(TestError::Fail(_, steps)) => {
            let mut card = (cell.borrow_mut())()?;
            match run_case(card.as_mut(), right, wrong, &steps, destructive) {
                Ok(()) => Ok(None),
                Err(CaseEnd::Differed(finding)) => Ok(Some(finding)),
                Err(CaseEnd::Broken(why)) => Err(why),
            }
        }
        Err(TestError::Abort(why)) => Err(why.to_string()),
        Ok(()) => Ok(None),
    }
}

/// The finding as a card scenario: the model's status word after each step,
/// from a card whose counter was `start` (the resetting VERIFY first).
pub fn pin_scenario_yaml(id: &str, persona: &str, start: u8, steps: &[PinStep]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `myna-conform fuzz --family card`: a shrunk VERIFY sequence on which the card");
    let _ = writeln!(
        out,
        "# differed from the PIN model (card-protocol.md §3.2); each sw is the model's."
    );
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "title: \"A random VERIFY sequence, shrunk, on which the card differed from the PIN model\"");
    let _ = writeln!(out, "requirements: [CARD-JPKI-AUTH-PIN-LOCK, CARD-JPKI-AUTH-PIN-RESET, CARD-JPKI-AUTH-PIN-TRIES]");
    let (reset_sw, mut model) = PinModel {
        tries: start.min(MAX_TRIES),
        max: MAX_TRIES,
    }
    .step(PinStep::Right);
    let destructive = model.tries > 0 && model.blocks(steps);
    let _ = writeln!(
        out,
        "tags: [pin, fuzz{}]",
        if destructive { ", destructive" } else { "" }
    );
    let _ = writeln!(out, "persona: {persona}");
    let _ = writeln!(out, "steps:\n  - select: jpki\n  - select_ef: auth-pin\n  - verify: {{ pin: \"${{persona.auth_pin}}\" }}\n    expect: {{ sw: \"{reset_sw:04X}\" }}");
    for step in steps {
        let (sw, next) = model.step(*step);
        model = next;
        let verify = match step {
            PinStep::Right => "verify: { pin: \"${persona.auth_pin}\" }",
            PinStep::Wrong => "verify: { pin: \"${persona.wrong_auth_pin}\" }",
            PinStep::Query => "verify: {}",
        };
        let _ = writeln!(out, "  - {verify}\n    expect: {{ sw: \"{sw:04X}\" }}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{CardTargetInfo, EmuCard, PowerEvent, TransportError};
    use std::cell::RefCell;
    use std::rc::Rc;

    const PIN: &[u8] = b"1234";

    /// The JPKI AP's 利用者証明用 PIN and nothing else; with `no_reset`, a
    /// right PIN answers 9000 without restoring the counter. `lowest` is
    /// the lowest the counter ever was.
    struct PinOnlyCard {
        tries: u8,
        no_reset: bool,
        lowest: u8,
    }

    impl CardTarget for PinOnlyCard {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            let sw: u16 = match command {
                [_, 0xA4, ..] => 0x9000,
                [_, 0x20, _, _] => 0x63C0 | u16::from(self.tries),
                [_, 0x20, _, _, _, pin @ ..] if self.tries == 0 => {
                    let _ = pin;
                    0x6984
                }
                [_, 0x20, _, _, _, pin @ ..] if pin == PIN => {
                    if !self.no_reset {
                        self.tries = 3;
                    }
                    0x9000
                }
                [_, 0x20, ..] => {
                    self.tries -= 1;
                    self.lowest = self.lowest.min(self.tries);
                    0x63C0 | u16::from(self.tries)
                }
                _ => 0x6D00,
            };
            Ok(sw.to_be_bytes().to_vec())
        }
        fn power(&mut self, _: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
            Ok(None)
        }
        fn info(&self) -> CardTargetInfo {
            CardTargetInfo::default()
        }
        fn capabilities(&self) -> Vec<String> {
            Vec::new()
        }
    }

    /// One card kept across cases, as a real card in a reader is.
    struct Persistent(Rc<RefCell<PinOnlyCard>>);

    impl CardTarget for Persistent {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.0.borrow_mut().transmit(command)
        }
        fn power(&mut self, e: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
            self.0.borrow_mut().power(e)
        }
        fn info(&self) -> CardTargetInfo {
            self.0.borrow().info()
        }
        fn capabilities(&self) -> Vec<String> {
            self.0.borrow().capabilities()
        }
    }

    fn fuzz_persistent(card: &Rc<RefCell<PinOnlyCard>>) -> Option<PinFinding> {
        let mut open = || Ok(Box::new(Persistent(Rc::clone(card))) as Box<dyn CardTarget>);
        let right = Secret::new(PIN.to_vec());
        let wrong = Secret::new(b"0000".to_vec());
        fuzz_pin(&mut open, &right, &wrong, 64, 3, 12, false).unwrap()
    }

    #[test]
    fn the_model_starts_from_the_counter_the_card_keeps() {
        // One try left from an earlier session; blocked, even.
        for tries in [1, 0] {
            let card = Rc::new(RefCell::new(PinOnlyCard {
                tries,
                no_reset: false,
                lowest: tries,
            }));
            assert!(fuzz_persistent(&card).is_none(), "from {tries}");
            assert_eq!(card.borrow().lowest, tries, "from {tries}");
        }
    }

    #[test]
    fn a_card_that_does_not_reset_is_caught_and_never_blocked() {
        let card = Rc::new(RefCell::new(PinOnlyCard {
            tries: 3,
            no_reset: true,
            lowest: 3,
        }));
        let finding = fuzz_persistent(&card).expect("a divergence");
        assert!(finding.at.is_some(), "{finding:?}");
        assert!(card.borrow().lowest >= 1, "the card was blocked");
    }

    #[test]
    fn the_emulator_agrees_and_the_scenario_starts_from_the_counter() {
        let persona = myna_card_emu::persona::Persona::load_named(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../vectors/personas"
            )),
            "taro",
        )
        .unwrap();
        let profile = persona.card_profile();
        let right = persona.auth_pin().cloned().unwrap();
        let wrong = Secret::new(b"0000".to_vec());
        let mut open = || Ok(Box::new(EmuCard::new(profile.clone())) as Box<dyn CardTarget>);
        assert!(fuzz_pin(&mut open, &right, &wrong, 32, 5, 10, true)
            .unwrap()
            .is_none());
        let blocked = pin_scenario_yaml("x", "taro", 0, &[PinStep::Query]);
        assert!(blocked.contains("sw: \"6984\""), "{blocked}");
        assert!(!blocked.contains("destructive"), "{blocked}");
    }

    #[test]
    fn the_model_counts_down_resets_and_stays_blocked() {
        let m = PinModel { tries: 3, max: 3 };
        let (sw, m) = m.step(PinStep::Wrong);
        assert_eq!((sw, m.tries), (0x63C2, 2));
        let (sw, m) = m.step(PinStep::Right);
        assert_eq!((sw, m.tries), (0x9000, 3));
        let m = PinModel { tries: 0, max: 3 };
        assert_eq!(m.step(PinStep::Right).0, 0x6984);
        assert_eq!(m.step(PinStep::Query).0, 0x63C0);
        assert!(PinModel { tries: 3, max: 3 }.blocks(&[PinStep::Wrong; 3]));
        assert!(!PinModel { tries: 3, max: 3 }.blocks(&[
            PinStep::Wrong,
            PinStep::Wrong,
            PinStep::Right,
            PinStep::Wrong
        ]));
    }
}
