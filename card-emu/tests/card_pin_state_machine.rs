//! PIN lockout as a state-machine property test: a reference model of the
//! counters and the DF session (card-protocol.md §3.2, §3.3) against the
//! emulator, over random sequences of VERIFY (right / wrong / empty),
//! CHANGE REFERENCE DATA, SELECT DF and power events, for the auth PIN
//! (3 tries), the sign password (5) and the text PIN (3).

mod card_support;

use std::collections::BTreeSet;

use card_support::*;
use myna_card_emu::{AppKind, Card, ResponseApdu};
use proptest::prelude::*;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pin {
    Auth,
    Sign,
    Text,
}

impl Pin {
    const ALL: [Pin; 3] = [Pin::Auth, Pin::Sign, Pin::Text];

    fn df(self) -> Df {
        match self {
            Pin::Auth | Pin::Sign => Df::Jpki,
            Pin::Text => Df::Text,
        }
    }

    fn fid(self) -> u16 {
        match self {
            Pin::Auth => 0x18,
            Pin::Sign => 0x1B,
            Pin::Text => 0x11,
        }
    }

    fn max_tries(self) -> u8 {
        match self {
            Pin::Auth | Pin::Text => 3,
            Pin::Sign => 5,
        }
    }

    fn index(self) -> usize {
        match self {
            Pin::Auth => 0,
            Pin::Sign => 1,
            Pin::Text => 2,
        }
    }

    fn p2(self) -> u8 {
        0x80 | self.fid() as u8
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Df {
    Jpki,
    Text,
    Common,
}

impl Df {
    fn select(self) -> &'static str {
        match self {
            Df::Jpki => SELECT_JPKI,
            Df::Text => SELECT_TEXT,
            Df::Common => SELECT_COMMON,
        }
    }

    fn kind(self) -> AppKind {
        match self {
            Df::Jpki => AppKind::Jpki,
            Df::Text => AppKind::TextHelper,
            Df::Common => AppKind::Common,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    Right,
    Wrong,
    Empty,
}

#[derive(Clone, Debug)]
enum Transition {
    Verify(Pin, Attempt),
    Change(Pin, Vec<u8>),
    SelectDf(Df),
    PowerOff,
    PowerOn,
    Reset,
}

/// What the card must answer to the last transition.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    None,
    NotPowered,
    Sw(u16),
    Atr,
}

#[derive(Clone, Debug)]
struct Model {
    powered: bool,
    current: Option<Df>,
    /// Security status, bound to one DF; survives warm reset.
    session: Option<(Df, BTreeSet<Pin>)>,
    tries: [u8; 3],
    values: [Vec<u8>; 3],
    last: Answer,
}

impl Model {
    fn new() -> Model {
        Model {
            powered: true,
            current: None,
            session: None,
            tries: [3, 5, 3],
            values: [AUTH_PIN.to_vec(), SIGN_PASSWORD.to_vec(), TEXT_PIN.to_vec()],
            last: Answer::None,
        }
    }

    fn verified(&self, pin: Pin) -> bool {
        self.current == Some(pin.df())
            && matches!(&self.session, Some((df, set)) if *df == pin.df() && set.contains(&pin))
    }

    fn set_verified(&mut self, pin: Pin, verified: bool) {
        if let Some((df, set)) = &mut self.session {
            if *df == pin.df() {
                if verified {
                    set.insert(pin);
                } else {
                    set.remove(&pin);
                }
            }
        }
    }

    fn wrong_value(&self, pin: Pin) -> Vec<u8> {
        let mut wrong = self.values[pin.index()].clone();
        wrong.push(b'0');
        wrong
    }
}

struct PinModel;

impl ReferenceStateMachine for PinModel {
    type State = Model;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    fn transitions(_state: &Model) -> BoxedStrategy<Transition> {
        let pin = prop_oneof![Just(Pin::Auth), Just(Pin::Sign), Just(Pin::Text)];
        let attempt = prop_oneof![
            2 => Just(Attempt::Right),
            3 => Just(Attempt::Wrong),
            1 => Just(Attempt::Empty),
        ];
        let df = prop_oneof![Just(Df::Jpki), Just(Df::Text), Just(Df::Common)];
        let new_value = prop_oneof![
            Just(b"1111".to_vec()),
            Just(b"NEWPASS9".to_vec()),
            Just(b"0000".to_vec())
        ];
        prop_oneof![
            6 => (pin.clone(), attempt).prop_map(|(p, a)| Transition::Verify(p, a)),
            2 => (pin, new_value).prop_map(|(p, v)| Transition::Change(p, v)),
            3 => df.prop_map(Transition::SelectDf),
            1 => Just(Transition::PowerOff),
            1 => Just(Transition::PowerOn),
            1 => Just(Transition::Reset),
        ]
        .boxed()
    }

    fn apply(mut state: Model, transition: &Transition) -> Model {
        state.last = match transition {
            Transition::PowerOff => {
                state.powered = false;
                state.current = None;
                state.session = None;
                Answer::None
            }
            Transition::PowerOn => {
                if !state.powered {
                    state.powered = true;
                    state.current = None;
                    state.session = None;
                }
                Answer::Atr
            }
            Transition::Reset => {
                if !state.powered {
                    state.powered = true;
                    state.session = None;
                }
                state.current = None;
                Answer::Atr
            }
            _ if !state.powered => Answer::NotPowered,
            Transition::SelectDf(df) => {
                if state.session.as_ref().map(|(d, _)| *d) != Some(*df) {
                    state.session = Some((*df, BTreeSet::new()));
                }
                state.current = Some(*df);
                Answer::Sw(0x9000)
            }
            Transition::Verify(pin, _) | Transition::Change(pin, _)
                if state.current != Some(pin.df()) =>
            {
                Answer::Sw(0x6A88)
            }
            Transition::Verify(pin, attempt) => {
                let i = pin.index();
                let tries = state.tries[i];
                match attempt {
                    Attempt::Empty => Answer::Sw(0x63C0 | u16::from(tries)),
                    _ if tries == 0 => Answer::Sw(0x6984),
                    Attempt::Right => {
                        state.tries[i] = pin.max_tries();
                        state.set_verified(*pin, true);
                        Answer::Sw(0x9000)
                    }
                    Attempt::Wrong => {
                        state.tries[i] = tries - 1;
                        state.set_verified(*pin, false);
                        Answer::Sw(0x63C0 | u16::from(tries - 1))
                    }
                }
            }
            Transition::Change(pin, value) => {
                let i = pin.index();
                if state.tries[i] == 0 {
                    Answer::Sw(0x6984)
                } else if !state.verified(*pin) {
                    Answer::Sw(0x6982)
                } else {
                    state.values[i] = value.clone();
                    state.tries[i] = pin.max_tries();
                    Answer::Sw(0x9000)
                }
            }
        };
        state
    }
}

struct EmulatorUnderTest;

fn transmit(card: &mut Card, apdu: &[u8]) -> Answer {
    match card.transmit(apdu) {
        Err(_) => Answer::NotPowered,
        Ok(raw) => Answer::Sw(ResponseApdu::parse(&raw).expect("status word").sw.0),
    }
}

impl StateMachineTest for EmulatorUnderTest {
    type SystemUnderTest = (Card, Model);
    type Reference = PinModel;

    fn init_test(ref_state: &Model) -> (Card, Model) {
        (Card::with_seed(shared_profile(), 5), ref_state.clone())
    }

    fn apply(
        (mut card, before): (Card, Model),
        ref_state: &Model,
        transition: Transition,
    ) -> (Card, Model) {
        let answer = match &transition {
            Transition::PowerOff => {
                card.power_off();
                Answer::None
            }
            Transition::PowerOn => {
                assert_eq!(card.power_on(), ATR.to_vec());
                Answer::Atr
            }
            Transition::Reset => {
                assert_eq!(card.reset(), ATR.to_vec());
                Answer::Atr
            }
            Transition::SelectDf(df) => transmit(&mut card, &bytes(df.select())),
            Transition::Verify(pin, attempt) => {
                let apdu = match attempt {
                    Attempt::Empty => vec![0x00, 0x20, 0x00, pin.p2()],
                    Attempt::Right => verify_apdu(pin.p2(), &before.values[pin.index()]),
                    Attempt::Wrong => verify_apdu(pin.p2(), &before.wrong_value(*pin)),
                };
                transmit(&mut card, &apdu)
            }
            Transition::Change(pin, value) => {
                transmit(&mut card, &apdu([0x00, 0x24, 0x01, pin.p2()], value, None))
            }
        };
        assert_eq!(answer, ref_state.last, "after {transition:?}");
        (card, ref_state.clone())
    }

    fn check_invariants((card, _): &(Card, Model), ref_state: &Model) {
        assert_eq!(card.is_powered(), ref_state.powered);
        assert_eq!(card.current_application(), ref_state.current.map(Df::kind));
        for pin in Pin::ALL {
            let kind = pin.df().kind();
            assert_eq!(
                card.tries_left(kind, pin.fid()),
                Some(ref_state.tries[pin.index()]),
                "{pin:?}"
            );
            assert_eq!(
                card.is_verified(kind, pin.fid()),
                ref_state.verified(pin),
                "{pin:?}"
            );
        }
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        .. ProptestConfig::default()
    })]

    #[test]
    fn pin_counters_follow_the_model(sequential 1..60 => EmulatorUnderTest);
}
