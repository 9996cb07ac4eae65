//! `fuzz --family card`: random VERIFY sequences on the 利用者証明用 PIN
//! against any card, with the PIN model as the oracle (card-protocol.md
//! §3.2: 3 tries, a right PIN resets, a blocked PIN stays blocked, the
//! empty VERIFY spends nothing); the shrunk first divergence is written as
//! a scenario. Without `destructive`, no sequence lets the counter reach 0,
//! so a real card is never blocked.

use std::fmt::Write as _;

use myna_card_emu::{Secret, StatusWord};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::host::JpkiHost;
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
    /// The shrunk sequence (after the resetting right PIN).
    pub steps: Vec<PinStep>,
    /// Index of the diverging step.
    pub at: usize,
    /// The model's status word.
    pub expected: u16,
    /// The card's.
    pub actual: String,
}

fn run_case(
    card: &mut dyn CardTarget,
    right: &Secret,
    wrong: &Secret,
    steps: &[PinStep],
) -> Result<(), PinFinding> {
    let mut host = JpkiHost::new(card);
    let fail = |at: usize, expected: u16, actual: String| PinFinding {
        steps: steps.to_vec(),
        at,
        expected,
        actual,
    };
    // Every case starts from a full counter (a right PIN resets it).
    match host.verify_auth_pin(right) {
        Ok(crate::host::VerifyOutcome::Verified) => {}
        other => return Err(fail(0, 0x9000, format!("the resetting VERIFY: {other:?}"))),
    }
    let mut model = PinModel { tries: 3, max: 3 };
    for (i, step) in steps.iter().enumerate() {
        let (expected, next) = model.step(*step);
        model = next;
        let sw = match step {
            PinStep::Right => host.verify_auth_pin(right).map(|_| ()),
            PinStep::Wrong => host.verify_auth_pin(wrong).map(|_| ()),
            PinStep::Query => host.auth_pin_tries().map(|_| ()),
        };
        if let Err(e) = sw {
            return Err(fail(i, expected, e.to_string()));
        }
        let actual = host
            .trace
            .last()
            .and_then(|x| match x.response.as_slice() {
                [.., a, b] => Some(u16::from_be_bytes([*a, *b])),
                _ => None,
            })
            .unwrap_or(0);
        if actual != expected {
            return Err(fail(i, expected, format!("{}", StatusWord(actual))));
        }
    }
    Ok(())
}

/// Runs `cases` random sequences against the card `open` gives (called
/// once per case); the shrunk first divergence.
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
    let strategy = proptest::collection::vec(step, 1..max_len.max(2))
        .prop_filter("would block the PIN", move |s| {
            destructive || !PinModel { tries: 3, max: 3 }.blocks(s)
        });
    let open_error = std::cell::RefCell::new(None);
    let cell = std::cell::RefCell::new(open);
    let result = runner.run(&strategy, |steps| {
        let mut card = match (cell.borrow_mut())() {
            Ok(c) => c,
            Err(e) => {
                *open_error.borrow_mut() = Some(e.clone());
                return Err(TestCaseError::reject(e));
            }
        };
        run_case(card.as_mut(), right, wrong, &steps)
            .map_err(|f| TestCaseError::fail(format!("{f:?}")))
    });
    if let Some(e) = open_error.into_inner() {
        return Err(e);
    }
    match result {
        Err(TestError::Fail(_, steps)) => {
            let mut card = (cell.borrow_mut())()?;
            Ok(run_case(card.as_mut(), right, wrong, &steps).err())
        }
        Err(TestError::Abort(why)) => Err(why.to_string()),
        Ok(()) => Ok(None),
    }
}

/// The finding as a card scenario: the model's status word after each step.
pub fn pin_scenario_yaml(id: &str, persona: &str, steps: &[PinStep]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `myna-conform fuzz --family card`: a shrunk VERIFY sequence on which the card");
    let _ = writeln!(
        out,
        "# differed from the PIN model (card-protocol.md §3.2); each sw is the model's."
    );
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "title: \"A random VERIFY sequence, shrunk, on which the card differed from the PIN model\"");
    let _ = writeln!(out, "requirements: [CARD-JPKI-AUTH-PIN-LOCK, CARD-JPKI-AUTH-PIN-RESET, CARD-JPKI-AUTH-PIN-TRIES]");
    let mut model = PinModel { tries: 3, max: 3 };
    let destructive = model.blocks(steps);
    let _ = writeln!(
        out,
        "tags: [pin, fuzz{}]",
        if destructive { ", destructive" } else { "" }
    );
    let _ = writeln!(out, "persona: {persona}");
    let _ = writeln!(out, "steps:\n  - select: jpki\n  - select_ef: auth-pin\n  - verify: {{ pin: \"${{persona.auth_pin}}\" }}\n    expect: {{ sw: \"9000\" }}");
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
