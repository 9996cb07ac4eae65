//! The model's transitions: what each stimulus does to the abstract reader
//! (health-insurance-system.md §1.2–§1.5, §2; docs/reader.md).

use std::collections::BTreeMap;

use myna_reader::fuzz::FuzzStep;
use myna_reader::{
    AuthBy, Button, CardKind, ClockChange, ConsentChoice, ConsentItem, FaceOutcome, Method, Phone,
    Placement, ReaderConfig, RuleSet, ScreenId, Stimulus, VisitEnd,
};
use time::Duration;

use super::{rules_on, Expected, Holding, Model, Question, Shown, Visit, Who, MAX_TRIES};

impl Model {
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
            phone: v.phone.is_some(),
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

    /// One VERIFY of the right or a wrong PIN on the card, or on the
    /// smartphone card: each its own counter (a blocked one is not sent).
    fn verify(&mut self, right: bool, on_phone: bool) -> Result<(), u8> {
        let tries = if on_phone {
            &mut self.phone_tries
        } else {
            &mut self.tries
        };
        match (*tries, right) {
            (0, _) => Err(0),
            (_, true) => {
                *tries = MAX_TRIES;
                Ok(())
            }
            (n, false) => {
                *tries = n - 1;
                Err(n - 1)
            }
        }
    }

    fn pin_entered(&mut self, right: bool) -> bool {
        match self.verify(right, false) {
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
            (_, Some(right)) => match self.verify(right, true) {
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
    pub(super) fn stimulate(&mut self, step: &FuzzStep) -> bool {
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
