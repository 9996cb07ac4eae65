//! The abstract reception reader of tests/state_machine.rs: a
//! `proptest_state_machine::ReferenceStateMachine` written from the flow of
//! health-insurance-system.md §1.2 and docs/reader.md, not from
//! `ReferenceReader`'s code. Its state is what a certifier would track on
//! paper: the screen, whether a card (or phone) is on the reader, the card's
//! 利用者証明用 PIN tries left (§1.4) and, apart from it, the smartphone
//! card's own PIN tries left (seed 004: the phone is a card of its own, its
//! PIN typed on the reader for Android, §1.5), the visit's explicit consent choices
//! and the agreements in force (§2.2: 24 hours), and the virtual clock.
//! Its transitions are the fuzzer's alphabet (`myna_reader::fuzz::step_strategy`)
//! plus odd placements; each predicts the screen, whether the reader takes
//! the stimulus, and the output record the reader must write.

mod flow;

use std::collections::BTreeMap;

use myna_reader::fuzz::{step_strategy, FuzzStep};
use myna_reader::{
    AuthBy, Button, CardKind, ClockChange, ConsentChoice, ConsentItem, FaceOutcome, Method, Phone,
    Placement, RuleSet, ScreenId, Stimulus, VisitEnd,
};
use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;
use serde_json::{json, Value};
use time::macros::{date, datetime};
use time::{Duration, PrimitiveDateTime};

/// The persona whose card is used (vectors/personas/README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Everything valid, 40–74 (特定健診).
    Taro,
    /// 75+ (後期高齢者健診).
    Kiyoshi,
    /// Under 15: the smartphone card is refused (seed 004 A17).
    Sakura,
    /// 利用者証明用 PIN tries left 0 at manufacture (the phone's are not).
    Blocked,
}

impl Who {
    const ALL: [Who; 4] = [Who::Taro, Who::Kiyoshi, Who::Sakura, Who::Blocked];

    /// The persona directory's name.
    pub fn id(self) -> &'static str {
        match self {
            Who::Taro => "taro",
            Who::Kiyoshi => "kiyoshi",
            Who::Sakura => "sakura",
            Who::Blocked => "blocked",
        }
    }

    fn tries_at_manufacture(self) -> u8 {
        match self {
            Who::Blocked => 0,
            Who::Taro | Who::Kiyoshi | Who::Sakura => MAX_TRIES,
        }
    }
}

/// 利用者証明用 PIN: three consecutive failures lock it (§1.4); the
/// smartphone card's PIN has a counter of the same size (vectors/personas).
const MAX_TRIES: u8 = 3;

/// The days a case starts on: under the rule set until 2024-10-06 (a
/// few 24-hour advances cross into the next) and under the one from
/// 2024-10-07.
pub const STARTS: [PrimitiveDateTime; 2] =
    [datetime!(2024-10-01 09:00), datetime!(2025-04-01 09:00)];

/// The consent rule set in force (§2.3): the new one from 2024-10-07.
pub fn rules_on(t: PrimitiveDateTime) -> RuleSet {
    if t.date() < date!(2024 - 10 - 07) {
        RuleSet::Until20241006
    } else {
        RuleSet::From20241007
    }
}

/// A consent question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    Bulk,
    Checkup,
    Medical,
    HighCost,
    Limit,
}

/// The screen the reader must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Idle,
    Unreadable(Placement),
    NotMyNumber,
    AuthMethod,
    /// Face mismatches so far.
    FaceCapture(u32),
    FaceFailed,
    /// The tries left shown.
    PinEntry(u8),
    PinLocked,
    Question(Question),
    PhoneType,
    PhoneAuthIphone,
    /// The tries left, after a wrong Android PIN.
    PhonePin(Option<u8>),
    PhoneHold,
    Done,
    CardForgotten,
    /// The screen that timed out.
    TimedOut(ScreenId),
    PhoneRefused,
}

impl Shown {
    /// Its core screen id.
    pub fn id(self) -> ScreenId {
        match self {
            Shown::Idle => ScreenId::Idle,
            Shown::Unreadable(_) => ScreenId::CardUnreadable,
            Shown::NotMyNumber => ScreenId::NotMyNumberCard,
            Shown::AuthMethod => ScreenId::AuthMethod,
            Shown::FaceCapture(_) => ScreenId::FaceCapture,
            Shown::FaceFailed => ScreenId::FaceFailed,
            Shown::PinEntry(_) => ScreenId::PinEntry,
            Shown::PinLocked => ScreenId::PinLocked,
            Shown::Question(Question::Bulk) => ScreenId::ConsentBulk,
            Shown::Question(Question::Checkup) => ScreenId::ConsentCheckup,
            Shown::Question(Question::Medical) => ScreenId::ConsentMedical,
            Shown::Question(Question::HighCost) => ScreenId::ConsentHighCost,
            Shown::Question(Question::Limit) => ScreenId::ConsentLimit,
            Shown::PhoneType => ScreenId::PhoneType,
            Shown::PhoneAuthIphone => ScreenId::PhoneAuthIphone,
            Shown::PhonePin(_) => ScreenId::PhonePin,
            Shown::PhoneHold => ScreenId::PhoneHold,
            Shown::Done => ScreenId::Done,
            Shown::CardForgotten => ScreenId::CardForgotten,
            Shown::TimedOut(_) => ScreenId::TimedOut,
            Shown::PhoneRefused => ScreenId::PhoneRefused,
        }
    }
}

/// What lies on the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holding {
    Nothing,
    Card,
    /// The smartphone flow (the phone is held at the generic reader).
    Phone,
}

/// A visit in progress.
#[derive(Clone, Debug, Default)]
pub struct Visit {
    number: u32,
    face_only: bool,
    phone: Option<Phone>,
    auth: Option<AuthBy>,
    rules: Option<RuleSet>,
    /// The explicit choices so far, with their times.
    choices: BTreeMap<ConsentItem, (ConsentChoice, PrimitiveDateTime)>,
    /// Android: whether the PIN typed was the right one.
    typed_right: Option<bool>,
}

/// The record the reader must write on a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub visit: u32,
    pub end: VisitEnd,
    pub last_screen: ScreenId,
    pub auth: Option<AuthBy>,
    /// The visit was on the smartphone card (its serial in the record).
    pub phone: bool,
    pub rules: RuleSet,
    /// Per item: the choice and, when explicit, its time.
    pub consents: BTreeMap<ConsentItem, (ConsentChoice, Option<PrimitiveDateTime>)>,
    pub ended_at: PrimitiveDateTime,
}

impl Expected {
    /// The explicit choice the holder made on screen for `item`, if any.
    pub fn explicit(&self, item: ConsentItem) -> Option<ConsentChoice> {
        self.consents
            .get(&item)
            .filter(|(_, at)| at.is_some())
            .map(|(choice, _)| *choice)
    }
}

/// The abstract reader.
#[derive(Clone, Debug)]
pub struct Model {
    pub who: Who,
    pub start: PrimitiveDateTime,
    pub now: PrimitiveDateTime,
    /// When the screen was entered (timeouts count from here).
    since: PrimitiveDateTime,
    pub screen: Shown,
    pub holding: Holding,
    /// The card's 利用者証明用 PIN tries left.
    pub tries: u8,
    /// The smartphone card's PIN tries left: its own counter.
    pub phone_tries: u8,
    visit: Option<Visit>,
    visits: u32,
    /// The agreements of the last authenticated visit, with their times.
    agreed: BTreeMap<ConsentItem, PrimitiveDateTime>,
    /// Whether the reader takes the last stimulus.
    pub accepted: bool,
    /// The record the last stimulus must write.
    pub written: Option<Expected>,
}

impl Model {
    /// Idle, `who`'s card unused, the clock at `start`.
    pub fn new(who: Who, start: PrimitiveDateTime) -> Model {
        Model {
            who,
            start,
            now: start,
            since: start,
            screen: Shown::Idle,
            holding: Holding::Nothing,
            tries: who.tries_at_manufacture(),
            phone_tries: MAX_TRIES,
            visit: None,
            visits: 0,
            agreed: BTreeMap::new(),
            accepted: true,
            written: None,
        }
    }

    /// 同意区分 per item now (OQSCD016): 1 agreed and within 24 hours,
    /// 2 expired, 0 none.
    pub fn consent_state(&self) -> BTreeMap<String, String> {
        ConsentItem::ALL
            .iter()
            .map(|item| {
                let state = match self.agreed.get(item) {
                    Some(at) if self.now < *at + Duration::hours(24) => "1",
                    Some(_) => "2",
                    None => "0",
                };
                (item.as_str().to_string(), state.to_string())
            })
            .collect()
    }

    /// The visible fields the screen must carry (`name` is the holder's,
    /// seed 003); `holder` is the name the eligibility world knows.
    pub fn fields(&self, holder: &str) -> Vec<(&'static str, Value)> {
        let elderly = self.who == Who::Kiyoshi;
        match self.screen {
            Shown::AuthMethod => {
                let face_only = self.visit.as_ref().is_some_and(|v| v.face_only);
                let methods = if face_only {
                    json!(["face"])
                } else {
                    json!(["face", "pin"])
                };
                vec![("methods", methods)]
            }
            Shown::Unreadable(p) => vec![("hint", json!(hint(p)))],
            Shown::FaceCapture(n) => vec![("failed_attempts", json!(n))],
            Shown::PinEntry(t) | Shown::PhonePin(Some(t)) => vec![("tries_left", json!(t))],
            Shown::Question(Question::Checkup) => vec![
                ("name", json!(holder)),
                (
                    "label",
                    json!(if elderly {
                        "後期高齢者健診"
                    } else {
                        "特定健診"
                    }),
                ),
            ],
            Shown::Question(_) | Shown::Done => vec![("name", json!(holder))],
            Shown::TimedOut(on) => vec![("timed_out_on", json!(on.as_str()))],
            Shown::PhoneRefused => vec![("reason", json!("under_15"))],
            _ => Vec::new(),
        }
    }
}

fn hint(placement: Placement) -> &'static str {
    match placement {
        Placement::Covered => "cover",
        Placement::Landscape => "orientation",
        Placement::FaceDown => "face_down",
        _ => "position",
    }
}

/// Every stimulus with its weight when the screen expects it. While a
/// visit is in progress the steps that move it on weigh three times more
/// and the interruptions (removal, the clock) weigh 1
/// ([`ReaderModel::transitions`]), so sequences reach the later screens;
/// removal is the way out of a finished visit.
/// The fuzzer's alphabet (`step_strategy`) supplies the rest, unexpected
/// stimuli included.
fn alphabet() -> Vec<(u32, FuzzStep)> {
    let s = FuzzStep::Stimulus;
    let place = |card, placement, face_only_marking| {
        s(Stimulus::PlaceCard {
            card,
            placement,
            face_only_marking,
        })
    };
    let clock = |seconds| {
        s(Stimulus::Clock {
            change: ClockChange::AdvanceSeconds(seconds),
        })
    };
    let method = |method| s(Stimulus::ChooseMethod { method });
    let face = |outcome| s(Stimulus::FaceResult { outcome });
    let phone = |phone| s(Stimulus::SelectPhone { phone });
    let mut steps = vec![
        (8, place(CardKind::MyNumber, Placement::Correct, false)),
        // A face-only card (§1.4), another IC card, a card lying badly.
        (1, place(CardKind::MyNumber, Placement::Correct, true)),
        (1, place(CardKind::Other, Placement::Correct, false)),
        (1, place(CardKind::MyNumber, Placement::Landscape, false)),
        (1, place(CardKind::MyNumber, Placement::FaceDown, false)),
        (6, s(Stimulus::RemoveCard)),
        (4, method(Method::Face)),
        (4, method(Method::Pin)),
        (2, method(Method::Smartphone)),
        (4, face(FaceOutcome::Match)),
        (4, face(FaceOutcome::Mismatch)),
        (4, FuzzStep::RightPin),
        (3, FuzzStep::WrongPin),
        (4, phone(Phone::Iphone)),
        (4, phone(Phone::Android)),
        (4, s(Stimulus::PhoneAuthenticated)),
        (4, s(Stimulus::HoldPhone)),
        (1, s(Stimulus::StaffVisualCheck)),
        // Less than the screen timeout, more, and a day.
        (1, clock(30)),
        (1, clock(61)),
        (1, clock(86_400)),
    ];
    steps.extend(
        Button::ALL
            .iter()
            .map(|b| (4, s(Stimulus::Press { button: *b }))),
    );
    steps
}

/// Whether `step` can physically happen: a card is placed only on an
/// empty reader and taken only from a busy one.
fn physical(state: &Model, step: &FuzzStep) -> bool {
    match step {
        FuzzStep::Stimulus(Stimulus::PlaceCard { .. }) => state.holding == Holding::Nothing,
        FuzzStep::Stimulus(Stimulus::RemoveCard) => state.holding != Holding::Nothing,
        _ => true,
    }
}

/// The reference state machine.
pub struct ReaderModel;

impl ReferenceStateMachine for ReaderModel {
    type State = Model;
    type Transition = FuzzStep;

    fn init_state() -> BoxedStrategy<Model> {
        (
            proptest::sample::select(Who::ALL.to_vec()),
            proptest::sample::select(STARTS.to_vec()),
        )
            .prop_map(|(who, start)| Model::new(who, start))
            .boxed()
    }

    /// Mostly a stimulus the screen expects, else anything of the
    /// fuzzer's alphabet (so every screen also meets stimuli it must turn
    /// away without changing).
    fn transitions(state: &Model) -> BoxedStrategy<FuzzStep> {
        let expected: Vec<(u32, BoxedStrategy<FuzzStep>)> = alphabet()
            .into_iter()
            .filter(|(_, step)| physical(state, step) && Self::apply(state.clone(), step).accepted)
            .map(|(weight, step)| {
                let interrupts = matches!(
                    step,
                    FuzzStep::Stimulus(Stimulus::RemoveCard | Stimulus::Clock { .. })
                );
                let weight = match (state.visit.is_some(), interrupts) {
                    (true, true) => 1,
                    (true, false) => 3 * weight,
                    (false, _) => weight,
                };
                (weight, Just(step).boxed())
            })
            .collect();
        if expected.is_empty() {
            return step_strategy(true);
        }
        let expected = proptest::strategy::Union::new_weighted(expected);
        prop_oneof![1 => step_strategy(true), 3 => expected].boxed()
    }

    fn apply(mut state: Model, step: &FuzzStep) -> Model {
        state.written = None;
        let mut next = state.clone();
        next.accepted = next.stimulate(step);
        // A stimulus the reader does not take changes nothing.
        if next.accepted {
            next
        } else {
            state.accepted = false;
            state
        }
    }

    /// What can happen at a reception desk ([`physical`]).
    fn preconditions(state: &Model, step: &FuzzStep) -> bool {
        physical(state, step)
    }
}
