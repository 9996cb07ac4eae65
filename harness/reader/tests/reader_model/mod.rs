//! The abstract reception reader of tests/state_machine.rs: a
//! `proptest_state_machine::ReferenceStateMachine` written from the flow of
//! health-insurance-system.md §1.2 and docs/reader.md, not from
//! `ReferenceReader`'s code. Its state is what a certifier would track on
//! paper: the screen, whether a card (or phone) is on the reader, the card's
//! 利用者証明用 PIN tries left (§1.4), the visit's explicit consent choices
//! and the agreements in force (§2.2: 24 hours), and the virtual clock.
//! Its transitions are the fuzzer's alphabet (`myna_reader::fuzz::step_strategy`)
//! plus odd placements; each predicts the screen, whether the reader takes
//! the stimulus, and the output record the reader must write.

use std::collections::BTreeMap;

use myna_reader::fuzz::{step_strategy, FuzzStep};
use myna_reader::{
    AuthBy, Button, CardKind, ClockChange, ConsentChoice, ConsentItem, FaceOutcome, Method, Phone,
    Placement, ReaderConfig, RuleSet, ScreenId, Stimulus, VisitEnd,
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
    /// Under 15: no smartphone card (seed 004 A17).
    Sakura,
    /// 利用者証明用 PIN tries left 0 at manufacture.
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

/// 利用者証明用 PIN: three consecutive failures lock it (§1.4).
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

    fn show(&mut self, screen: Shown) {
        self.screen = screen;
        self.since = self.now;
    }

    fn visit(&mut self) -> &mut Visit {
        self.visit.as_mut().expect("a visit is in progress")
    }

    fn start_visit(&mut self, face_only: bool) {
        self.visits += 1;
        self.visit = Some(Visit {
            number: self.visits,
            face_only,
            ..Visit::default()
        });
    }

    /// Ends the visit: its record, then `next` until the card goes.
    fn finish(&mut self, last_screen: ScreenId, next: Shown, end: VisitEnd) {
        let v = self.visit.take().expect("a visit is in progress");
        let rules = v.rules.unwrap_or_else(|| rules_on(self.now));
        let consents: BTreeMap<_, _> = ConsentItem::ALL
            .iter()
            .map(|item| {
                let entry = match v.choices.get(item) {
                    Some((choice, at)) => (*choice, Some(*at)),
                    // 限度額 without a screen: not asked until 2024-10-06,
                    // provided by law from 2024-10-07 (§2.3).
                    None if end == VisitEnd::Completed && *item == ConsentItem::Limit => {
                        match rules {
                            RuleSet::Until20241006 => (ConsentChoice::NotAsked, None),
                            _ => (ConsentChoice::Statutory, None),
                        }
                    }
                    // Never a flag without an explicit choice (§1.2).
                    None => (ConsentChoice::None, None),
                };
                (*item, entry)
            })
            .collect();
        if v.auth.is_some() {
            self.agreed = consents
                .iter()
                .filter_map(|(item, (choice, at))| {
                    (*choice == ConsentChoice::Agreed).then_some((*item, (*at)?))
                })
                .collect();
        }
        self.written = Some(Expected {
            visit: v.number,
            end,
            last_screen,
            auth: v.auth,
            rules,
            consents,
            ended_at: self.now,
        });
        self.show(next);
    }

    fn removed(&mut self) -> bool {
        if self.holding == Holding::Nothing {
            return false;
        }
        self.holding = Holding::Nothing;
        if self.visit.is_some() {
            let shown = self.screen.id();
            self.finish(shown, Shown::Idle, VisitEnd::Removed);
        } else {
            self.show(Shown::Idle);
        }
        true
    }

    fn advance(&mut self, seconds: u64) {
        self.now += Duration::seconds(i64::try_from(seconds).expect("a small advance"));
        let waited = (self.now - self.since).whole_seconds();
        let config = ReaderConfig::default();
        let timeout = i64::try_from(config.screen_timeout_s).expect("a small timeout");
        let forgotten = i64::try_from(config.forgotten_card_s).expect("a small timeout");
        if self.visit.is_some() && waited >= timeout {
            let on = self.screen.id();
            self.finish(ScreenId::TimedOut, Shown::TimedOut(on), VisitEnd::TimedOut);
        } else if self.screen == Shown::Done && waited >= forgotten {
            self.screen = Shown::CardForgotten;
        }
    }

    fn placed(&mut self, card: CardKind, placement: Placement, face_only: bool) -> bool {
        self.holding = Holding::Card;
        if card != CardKind::MyNumber {
            self.show(Shown::NotMyNumber);
        } else if placement != Placement::Correct {
            self.show(Shown::Unreadable(placement));
        } else {
            self.start_visit(face_only);
            self.show(Shown::AuthMethod);
        }
        true
    }

    /// The holder is authenticated: the card's certificate serial is read
    /// and the eligibility world answers the holder registered and insured.
    fn authenticated(&mut self, by: AuthBy) {
        let v = self.visit();
        v.auth = Some(by);
        if v.phone.is_some() && self.who == Who::Sakura {
            self.finish(
                ScreenId::PhoneRefused,
                Shown::PhoneRefused,
                VisitEnd::Refused,
            );
            return;
        }
        let rules = rules_on(self.now);
        self.visit().rules = Some(rules);
        self.show(Shown::Question(match rules {
            RuleSet::Until20241006 => Question::Checkup,
            _ => Question::Bulk,
        }));
    }

    fn pin_chosen(&mut self) -> bool {
        if self.visit().face_only {
            return false;
        }
        let screen = match self.tries {
            0 => Shown::PinLocked,
            n => Shown::PinEntry(n),
        };
        self.show(screen);
        true
    }

    /// One VERIFY of the right or a wrong PIN: the card's counter.
    fn verify(&mut self, right: bool) -> Result<(), u8> {
        match (self.tries, right) {
            (0, _) => Err(0),
            (_, true) => {
                self.tries = MAX_TRIES;
                Ok(())
            }
            (n, false) => {
                self.tries = n - 1;
                Err(n - 1)
            }
        }
    }

    fn pin_entered(&mut self, right: bool) -> bool {
        match self.verify(right) {
            Ok(()) => self.authenticated(AuthBy::Pin),
            Err(0) => self.show(Shown::PinLocked),
            Err(n) => self.show(Shown::PinEntry(n)),
        }
        true
    }

    fn phone_held(&mut self) -> bool {
        let v = self.visit();
        match (v.phone, v.typed_right.take()) {
            (Some(Phone::Iphone), _) => self.authenticated(AuthBy::Iphone),
            (_, Some(right)) => match self.verify(right) {
                Ok(()) => self.authenticated(AuthBy::Android),
                Err(0) => self.show(Shown::PinLocked),
                Err(n) => self.show(Shown::PhonePin(Some(n))),
            },
            (_, None) => unreachable!("phone_hold is reached with a phone chosen"),
        }
        true
    }

    fn answer(&mut self, question: Question, button: Button) -> bool {
        let now = self.now;
        let rules = self
            .visit()
            .rules
            .expect("consent questions follow the rules");
        let choose = |m: &mut Model, item| {
            let choice = if button == Button::Decline {
                ConsentChoice::Declined
            } else {
                ConsentChoice::Agreed
            };
            m.visit().choices.insert(item, (choice, now));
        };
        let next = match (question, button) {
            (Question::Bulk, Button::AgreeAll) => {
                choose(self, ConsentItem::Checkup);
                choose(self, ConsentItem::Medical);
                None
            }
            (Question::Bulk, Button::ChooseEach) => Some(Question::Checkup),
            (Question::Checkup, Button::Agree | Button::Decline) => {
                choose(self, ConsentItem::Checkup);
                Some(Question::Medical)
            }
            (Question::Medical, Button::Agree | Button::Decline) => {
                choose(self, ConsentItem::Medical);
                (rules == RuleSet::Until20241006).then_some(Question::HighCost)
            }
            (Question::HighCost, Button::Yes) => Some(Question::Limit),
            (Question::HighCost, Button::No) => None,
            (Question::Limit, Button::Agree | Button::Decline) => {
                choose(self, ConsentItem::Limit);
                None
            }
            _ => return false,
        };
        match next {
            Some(q) => self.show(Shown::Question(q)),
            None => self.finish(ScreenId::Done, Shown::Done, VisitEnd::Completed),
        }
        true
    }

    /// Carries `step` out; whether the reader takes it.
    fn stimulate(&mut self, step: &FuzzStep) -> bool {
        use Stimulus as S;
        let pin = match step {
            FuzzStep::RightPin => Some(true),
            FuzzStep::WrongPin => Some(false),
            FuzzStep::Stimulus(_) => None,
        };
        let stimulus = match step {
            FuzzStep::Stimulus(s) => Some(s),
            FuzzStep::RightPin | FuzzStep::WrongPin => None,
        };
        if let Some(right) = pin {
            return match self.screen {
                Shown::PinEntry(_) => self.pin_entered(right),
                Shown::PhonePin(_) => {
                    self.visit().typed_right = Some(right);
                    self.show(Shown::PhoneHold);
                    true
                }
                _ => false,
            };
        }
        let Some(stimulus) = stimulus else {
            return false;
        };
        match (self.screen, stimulus) {
            (_, S::Clock { change }) => {
                match change {
                    ClockChange::AdvanceSeconds(s) => self.advance(*s),
                    ClockChange::Set(_) => unreachable!("the strategies only advance the clock"),
                }
                true
            }
            (_, S::RemoveCard) => self.removed(),
            (
                Shown::AuthMethod
                | Shown::FaceCapture(_)
                | Shown::FaceFailed
                | Shown::PinEntry(_)
                | Shown::PinLocked,
                S::StaffVisualCheck,
            ) => {
                self.authenticated(AuthBy::Visual);
                true
            }
            (
                Shown::Idle,
                S::PlaceCard {
                    card,
                    placement,
                    face_only_marking,
                },
            ) => self.placed(*card, *placement, *face_only_marking),
            (
                Shown::Idle,
                S::ChooseMethod {
                    method: Method::Smartphone,
                },
            ) => {
                self.holding = Holding::Phone;
                self.start_visit(false);
                self.show(Shown::PhoneType);
                true
            }
            (
                Shown::AuthMethod,
                S::ChooseMethod {
                    method: Method::Face,
                },
            ) => {
                self.show(Shown::FaceCapture(0));
                true
            }
            (
                Shown::AuthMethod | Shown::FaceFailed,
                S::ChooseMethod {
                    method: Method::Pin,
                },
            ) => self.pin_chosen(),
            (Shown::FaceCapture(failed), S::FaceResult { outcome }) => {
                let attempts = ReaderConfig::default().face_attempts;
                match outcome {
                    FaceOutcome::Match => self.authenticated(AuthBy::Face),
                    FaceOutcome::Mismatch if failed + 1 >= attempts => self.show(Shown::FaceFailed),
                    FaceOutcome::Mismatch => self.show(Shown::FaceCapture(failed + 1)),
                }
                true
            }
            (Shown::Question(q), S::Press { button }) => self.answer(q, *button),
            (Shown::PhoneType, S::SelectPhone { phone }) => {
                self.visit().phone = Some(*phone);
                self.show(match phone {
                    Phone::Iphone => Shown::PhoneAuthIphone,
                    Phone::Android => Shown::PhonePin(None),
                });
                true
            }
            (Shown::PhoneAuthIphone, S::PhoneAuthenticated) => {
                self.show(Shown::PhoneHold);
                true
            }
            (Shown::PhoneHold, S::HoldPhone) => self.phone_held(),
            _ => false,
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
