//! The reference reader: the state machine of [`crate::state`] driven by
//! stimuli, reading the card through myna-family-card's [`JpkiHost`] (so
//! the PIN counter is the card's, §1.4) and checking eligibility through
//! any [`OqsTarget`]. Every waiting screen times out on the reader's
//! virtual clock; every visit ends in an [`OutputRecord`].

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use myna_family_card::host::{HostError, JpkiHost, VerifyOutcome};
use myna_family_card::target::{CardTarget, PowerEvent, TransportError};
use myna_oqs::OqsTarget;
use time::{Date, Duration, PrimitiveDateTime};

use crate::config::ReaderConfig;
use crate::consent::{
    agreement_state, format_time, ConsentChoice, ConsentEntry, ConsentItem, RuleSet,
};
use crate::eligibility::{self, Eligibility};
use crate::record::{AuthBy, OutputRecord, Qualification, VisitEnd};
use crate::screen::{Screen, ScreenId};
use crate::serial::serial_of_certificate;
use crate::state::{ConsentStep, State, Visit};
use crate::stimulus::{
    Button, CardKind, ClockChange, FaceOutcome, Method, Phone, PinDigits, Placement, Stimulus,
};

/// What the reader reaches: the card on it, the smartphone held to the
/// generic reader, and the eligibility service.
pub struct Peers<'a> {
    /// The card target (the emulator, a PC/SC card, the card role's
    /// recording target).
    pub card: &'a mut dyn CardTarget,
    /// The holder's smartphone card (its own serial, PIN and counter, seed
    /// 004) on the generic reader; `None`: the smartphone flow reads `card`
    /// (a target that is itself the smartphone form, `card.smartphone`).
    pub phone: Option<&'a mut dyn CardTarget>,
    /// The eligibility service.
    pub eligibility: &'a mut dyn OqsTarget,
}

/// Why the reader could not carry a stimulus out: its environment broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderError {
    /// The card's transport failed (not a status word: the card is gone,
    /// PC/SC is down).
    Card(String),
}

impl std::fmt::Display for ReaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReaderError::Card(m) => write!(f, "card: {m}"),
        }
    }
}

impl std::error::Error for ReaderError {}

impl From<TransportError> for ReaderError {
    fn from(e: TransportError) -> Self {
        ReaderError::Card(e.to_string())
    }
}

/// How the reader took a stimulus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Carried out.
    Accepted,
    /// Not expected on this screen (the protocol's `wrong_state`); nothing
    /// changed.
    Rejected(String),
}

/// Test-only defects of the reference reader, for showing that the suite
/// and `fuzz` catch them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Defect {
    /// Records "agreed" for every unanswered consent when the card is
    /// removed (the 社保審 第175回 p.21 hazard).
    ConsentOnRemoval,
    /// Sends a wrong PIN a second time by itself.
    RetriesWrongPin,
}

/// The reference reader.
#[derive(Clone, Debug)]
pub struct ReferenceReader {
    config: ReaderConfig,
    state: State,
    now: PrimitiveDateTime,
    since: PrimitiveDateTime,
    records: Vec<OutputRecord>,
    visits: u32,
    defect: Option<Defect>,
}

impl Default for ReferenceReader {
    fn default() -> Self {
        ReferenceReader::new(ReaderConfig::default())
    }
}

/// The reader's clock at start: 2025-04-01 09:00, as the eligibility
/// model's.
fn start_time() -> PrimitiveDateTime {
    myna_oqs::VirtualClock::default().now()
}

impl ReferenceReader {
    /// A reader with `config`, idle, its clock at 2025-04-01 09:00.
    pub fn new(config: ReaderConfig) -> Self {
        let now = start_time();
        ReferenceReader {
            config,
            state: State::Idle,
            now,
            since: now,
            records: Vec::new(),
            visits: 0,
            defect: None,
        }
    }

    /// The same reader with a test-only defect.
    pub fn with_defect(mut self, defect: Defect) -> Self {
        self.defect = Some(defect);
        self
    }

    /// The settings.
    pub fn config(&self) -> &ReaderConfig {
        &self.config
    }

    /// Replaces the settings (between visits).
    pub fn set_config(&mut self, config: ReaderConfig) {
        self.config = config;
    }

    /// The screen shown.
    pub fn screen(&self) -> Screen {
        self.state.screen()
    }

    /// The state (for the model-based tests).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Every record written so far, oldest first.
    pub fn records(&self) -> &[OutputRecord] {
        &self.records
    }

    /// The reader's clock.
    pub fn now(&self) -> PrimitiveDateTime {
        self.now
    }

    /// The consent rule set in force today.
    pub fn rules(&self) -> RuleSet {
        RuleSet::on(self.now.date())
    }

    /// 同意区分 of each item for the holder of the last visit, now
    /// (OQSCD016: 0 none, 1 agreed and valid, 2 expired after 24 h).
    pub fn consents_in_force(&self) -> BTreeMap<ConsentItem, &'static str> {
        let last = self.records.iter().rev().find(|r| r.serial.is_some());
        ConsentItem::ALL
            .iter()
            .map(|item| {
                let state = last
                    .and_then(|r| r.consent(*item))
                    .filter(|e| e.choice == ConsentChoice::Agreed)
                    .and_then(|e| e.time.as_deref())
                    .and_then(parse_time)
                    .map(|t| agreement_state(t, self.now))
                    .unwrap_or("0");
                (*item, state)
            })
            .collect()
    }

    /// Carries out one stimulus.
    pub fn handle(
        &mut self,
        stimulus: &Stimulus,
        peers: &mut Peers<'_>,
    ) -> Result<Reaction, ReaderError> {
        if let Stimulus::Clock { change } = stimulus {
            return Ok(self.clock(change));
        }
        let state = std::mem::replace(&mut self.state, State::Idle);
        let screen = state.screen().id;
        match self.transition(state, stimulus, peers) {
            Ok(Step::To(next)) => {
                self.enter(next);
                Ok(Reaction::Accepted)
            }
            Ok(Step::Kept) => Ok(Reaction::Accepted),
            Ok(Step::Stay(state)) => {
                self.state = state;
                Ok(Reaction::Rejected(format!(
                    "`{}` is not expected on screen `{screen}`",
                    stimulus.name()
                )))
            }
            Ok(Step::Refuse(state, why)) => {
                self.state = state;
                Ok(Reaction::Rejected(why))
            }
            // The card broke: the visit cannot go on; the reader is idle.
            Err(e) => Err(e),
        }
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.since = self.now;
    }

    fn clock(&mut self, change: &ClockChange) -> Reaction {
        let target = match change {
            ClockChange::AdvanceSeconds(s) => {
                let seconds = i64::try_from(*s).unwrap_or(i64::MAX);
                match self.now.checked_add(Duration::seconds(seconds)) {
                    Some(t) => t,
                    None => return Reaction::Rejected("the clock cannot move that far".into()),
                }
            }
            ClockChange::Set(text) => match parse_time(text) {
                Some(t) => t,
                None => {
                    return Reaction::Rejected(format!(
                        "expected YYYY-MM-DDTHH:MM[:SS], found {text:?}"
                    ))
                }
            },
        };
        if target < self.now {
            // Set backwards: nothing has waited.
            self.now = target;
            self.since = target;
            return Reaction::Accepted;
        }
        self.now = target;
        let waited = (self.now - self.since).whole_seconds();
        let timeout = i64::try_from(self.config.screen_timeout_s).unwrap_or(i64::MAX);
        let forgotten = i64::try_from(self.config.forgotten_card_s).unwrap_or(i64::MAX);
        let state = std::mem::replace(&mut self.state, State::Idle);
        match state {
            s if s.is_waiting() && waited >= timeout => {
                let visit = s.visit().cloned().unwrap_or_default();
                let screen = Screen::core(ScreenId::TimedOut).with("timed_out_on", s.screen().id);
                self.finish(visit, screen, VisitEnd::TimedOut);
            }
            State::Finished(screen) if screen.id == "done" && waited >= forgotten => {
                self.state = State::Finished(Screen::core(ScreenId::CardForgotten));
            }
            s => self.state = s,
        }
        Reaction::Accepted
    }

    /// Writes the visit's record and shows `screen` until the card goes.
    fn finish(&mut self, visit: Visit, screen: Screen, end: VisitEnd) {
        let rules = visit.rules.unwrap_or_else(|| self.rules());
        let completed = end == VisitEnd::Completed;
        let consents = ConsentItem::ALL
            .iter()
            .map(|item| match visit.consents.get(item) {
                Some((choice, at)) => ConsentEntry::new(*item, *choice, *at),
                None if completed && visit.in_grace => {
                    ConsentEntry::new(*item, ConsentChoice::NotAsked, None)
                }
                None if completed && *item == ConsentItem::Limit => {
                    ConsentEntry::new(*item, rules.limit_without_screen(), None)
                }
                None if self.defect == Some(Defect::ConsentOnRemoval)
                    && end == VisitEnd::Removed =>
                {
                    ConsentEntry::new(*item, ConsentChoice::Agreed, Some(self.now))
                }
                None => ConsentEntry::new(*item, ConsentChoice::None, None),
            })
            .collect();
        self.records.push(OutputRecord {
            visit: visit.number,
            serial: visit.serial,
            auth: visit.auth,
            end,
            last_screen: screen.id.clone(),
            qualification: visit.qualification,
            rules,
            consents,
            ended_at: format_time(self.now),
        });
        self.enter(State::Finished(screen));
    }

    fn new_visit(&mut self, face_only: bool) -> Visit {
        self.visits += 1;
        Visit {
            number: self.visits,
            face_only,
            ..Visit::default()
        }
    }

    fn transition(
        &mut self,
        state: State,
        stimulus: &Stimulus,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        use Stimulus as S;
        if matches!(stimulus, S::RemoveCard) {
            return Ok(self.removed(state));
        }
        if matches!(stimulus, S::StaffVisualCheck) {
            return match state {
                State::AuthMethod(v)
                | State::FaceCapture(v, _)
                | State::FaceFailed(v)
                | State::PinEntry(v, _)
                | State::PinLocked(v) => self.authenticated(v, AuthBy::Visual, peers),
                other => Ok(Step::Stay(other)),
            };
        }
        Ok(match (state, stimulus) {
            (
                State::Idle,
                S::PlaceCard {
                    card,
                    placement,
                    face_only_marking,
                },
            ) => return self.placed(*card, *placement, *face_only_marking, peers),
            (
                State::Idle,
                S::ChooseMethod {
                    method: Method::Smartphone,
                },
            ) => {
                let visit = self.new_visit(false);
                Step::To(State::PhoneType(visit))
            }
            (
                State::AuthMethod(v),
                S::ChooseMethod {
                    method: Method::Face,
                },
            ) => Step::To(State::FaceCapture(v, 0)),
            (
                State::AuthMethod(v),
                S::ChooseMethod {
                    method: Method::Pin,
                },
            ) => return self.pin_chosen(v, State::AuthMethod, peers),
            (
                State::FaceFailed(v),
                S::ChooseMethod {
                    method: Method::Pin,
                },
            ) => return self.pin_chosen(v, State::FaceFailed, peers),
            (State::FaceCapture(v, failed), S::FaceResult { outcome }) => match outcome {
                FaceOutcome::Match => return self.authenticated(v, AuthBy::Face, peers),
                FaceOutcome::Mismatch if failed + 1 >= self.config.face_attempts => {
                    Step::To(State::FaceFailed(v))
                }
                FaceOutcome::Mismatch => Step::To(State::FaceCapture(v, failed + 1)),
            },
            (State::PinEntry(v, tries), S::EnterPin { digits }) => {
                return self.pin_entered(v, tries, digits, peers)
            }
            (
                State::RegistrationRequired(v),
                S::Press {
                    button: Button::Continue,
                },
            ) => Step::To(State::RegistrationTerms(v)),
            (
                State::RegistrationTerms(v),
                S::Press {
                    button: Button::Agree,
                },
            ) => {
                let serial = v.serial.clone().unwrap_or_default();
                match eligibility::register(peers.eligibility, &serial, self.deadline()) {
                    Ok(()) => Step::To(State::RegistrationDone(v)),
                    Err(code) => {
                        let screen = Screen::core(ScreenId::EligibilityError).with("code", code);
                        self.finish(v, screen, VisitEnd::Refused);
                        return Ok(Step::Kept);
                    }
                }
            }
            (
                State::RegistrationRequired(v) | State::RegistrationTerms(v),
                S::Press {
                    button: Button::Stop,
                },
            ) => {
                self.finish(v, Screen::core(ScreenId::Cancelled), VisitEnd::Cancelled);
                return Ok(Step::Kept);
            }
            (
                State::RegistrationDone(v),
                S::Press {
                    button: Button::GetQualification,
                },
            ) => return Ok(self.look_up(v, peers)),
            (State::CertificateExpiring(v), S::Press { button: Button::Ok }) => {
                self.consent_start(v)
            }
            (State::CertificateGrace(v), S::Press { button: Button::Ok }) => {
                self.complete(v);
                return Ok(Step::Kept);
            }
            (State::Consent(v, step), S::Press { button }) => {
                return Ok(self.consent(v, step, *button))
            }
            (State::PhoneType(mut v), S::SelectPhone { phone }) => {
                v.phone = Some(*phone);
                match phone {
                    Phone::Iphone => Step::To(State::PhoneAuthIphone(v)),
                    Phone::Android => Step::To(State::PhonePin(v, None)),
                }
            }
            (State::PhoneAuthIphone(v), S::PhoneAuthenticated) => {
                Step::To(State::PhoneHold(v, None))
            }
            (State::PhonePin(v, _), S::EnterPin { digits }) => {
                Step::To(State::PhoneHold(v, Some(digits.clone())))
            }
            (State::PhoneHold(v, pin), S::HoldPhone) => return self.phone_held(v, pin, peers),
            (state, _) => Step::Stay(state),
        })
    }

    fn deadline(&self) -> StdDuration {
        StdDuration::from_millis(self.config.eligibility_timeout_ms)
    }

    fn removed(&mut self, state: State) -> Step {
        match state {
            State::Idle => Step::Refuse(State::Idle, "no card is on the reader".into()),
            State::Finished(_) | State::Unreadable(_) | State::NotMyNumber => Step::To(State::Idle),
            s => {
                let screen = s.screen();
                let visit = s.visit().cloned().unwrap_or_default();
                self.finish(visit, screen, VisitEnd::Removed);
                Step::To(State::Idle)
            }
        }
    }

    fn placed(
        &mut self,
        card: CardKind,
        placement: Placement,
        face_only: bool,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        if card == CardKind::Other {
            return Ok(Step::To(State::NotMyNumber));
        }
        if placement != Placement::Correct {
            return Ok(Step::To(State::Unreadable(placement)));
        }
        power_up(peers.card)?;
        let mut host = JpkiHost::new(peers.card);
        match host.select_jpki() {
            Ok(()) => {
                let visit = self.new_visit(face_only);
                Ok(Step::To(State::AuthMethod(visit)))
            }
            Err(HostError::Status { .. }) => Ok(Step::To(State::NotMyNumber)),
            Err(HostError::Transport(e)) => Err(e.into()),
        }
    }

    /// PIN chosen on `here`'s screen; a refusal stays on it.
    fn pin_chosen(
        &mut self,
        mut v: Visit,
        here: fn(Visit) -> State,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        if v.face_only {
            return Ok(Step::Refuse(
                here(v),
                "a face-only card offers no PIN".into(),
            ));
        }
        let mut host = JpkiHost::new(peers.card);
        match host.auth_pin_tries() {
            Ok(Some(0)) => Ok(Step::To(State::PinLocked(v))),
            Ok(Some(n)) => Ok(Step::To(State::PinEntry(v, n))),
            Ok(None) => {
                v.face_only = true;
                Ok(Step::Refuse(
                    here(v),
                    "the card has no 利用者証明用 PIN".into(),
                ))
            }
            Err(HostError::Status { .. }) => Ok(Step::To(State::PinLocked(v))),
            Err(HostError::Transport(e)) => Err(e.into()),
        }
    }

    fn pin_entered(
        &mut self,
        v: Visit,
        tries: u8,
        digits: &PinDigits,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        let mut host = JpkiHost::new(peers.card);
        let mut outcome = verify(&mut host, digits)?;
        if self.defect == Some(Defect::RetriesWrongPin)
            && matches!(outcome, VerifyOutcome::Wrong { .. })
        {
            outcome = verify(&mut host, digits)?;
        }
        match outcome {
            VerifyOutcome::Verified => self.authenticated(v, AuthBy::Pin, peers),
            VerifyOutcome::Wrong { tries_left } => Ok(Step::To(State::PinEntry(v, tries_left))),
            VerifyOutcome::Blocked => Ok(Step::To(State::PinLocked(v))),
            VerifyOutcome::NoPin | VerifyOutcome::Other(_) => {
                Ok(Step::To(State::PinEntry(v, tries)))
            }
        }
    }

    /// The phone is held to the generic reader: Android's PIN is VERIFYd by
    /// the phone (its own counter; a blocked phone PIN is never sent),
    /// the iPhone authenticated itself (§1.5).
    fn phone_held(
        &mut self,
        mut v: Visit,
        pin: Option<PinDigits>,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        let phone = device(&v, peers);
        power_up(phone)?;
        let mut host = JpkiHost::new(phone);
        match host.select_jpki() {
            Ok(()) => {}
            Err(HostError::Status { .. }) => {
                let screen =
                    Screen::core(ScreenId::PhoneRefused).with("reason", "not_a_phone_card");
                self.finish(v, screen, VisitEnd::Refused);
                return Ok(Step::Kept);
            }
            Err(HostError::Transport(e)) => return Err(e.into()),
        }
        match (v.phone, pin) {
            (Some(Phone::Android), Some(pin)) => {
                match host.auth_pin_tries() {
                    Ok(Some(0)) | Err(HostError::Status { .. }) => {
                        return Ok(Step::To(State::PinLocked(v)))
                    }
                    Ok(_) => {}
                    Err(HostError::Transport(e)) => return Err(e.into()),
                }
                let mut outcome = verify(&mut host, &pin)?;
                if self.defect == Some(Defect::RetriesWrongPin)
                    && matches!(outcome, VerifyOutcome::Wrong { .. })
                {
                    outcome = verify(&mut host, &pin)?;
                }
                match outcome {
                    VerifyOutcome::Verified => self.authenticated(v, AuthBy::Android, peers),
                    VerifyOutcome::Wrong { tries_left } => {
                        Ok(Step::To(State::PhonePin(v, Some(tries_left))))
                    }
                    _ => Ok(Step::To(State::PinLocked(v))),
                }
            }
            (Some(Phone::Iphone), _) => self.authenticated(v, AuthBy::Iphone, peers),
            (_, _) => {
                v.phone = None;
                Ok(Step::Refuse(
                    State::PhoneType(v),
                    "choose the phone first".into(),
                ))
            }
        }
    }

    /// The holder is authenticated: read the certificate, check
    /// eligibility.
    fn authenticated(
        &mut self,
        mut v: Visit,
        by: AuthBy,
        peers: &mut Peers<'_>,
    ) -> Result<Step, ReaderError> {
        v.auth = Some(by);
        let mut host = JpkiHost::new(device(&v, peers));
        let serial = match host.read_auth_cert() {
            Ok(der) => serial_of_certificate(&der),
            Err(HostError::Status { .. }) => None,
            Err(HostError::Transport(e)) => return Err(e.into()),
        };
        let Some(serial) = serial else {
            let screen = Screen::core(ScreenId::CardUnreadable).with("hint", "certificate");
            self.finish(v, screen, VisitEnd::Refused);
            return Ok(Step::Kept);
        };
        v.serial = Some(serial);
        Ok(self.look_up(v, peers))
    }

    fn look_up(&mut self, mut v: Visit, peers: &mut Peers<'_>) -> Step {
        let serial = v.serial.clone().unwrap_or_default();
        let answer = eligibility::check(
            peers.eligibility,
            &serial,
            &self.config.institution_code,
            self.deadline(),
        );
        let outcome = |id: ScreenId| Qualification {
            outcome: id.as_str().to_string(),
            validity: None,
            code: answer.code(),
            insurer_number: None,
            name: None,
        };
        let refuse = |me: &mut Self, v: Visit, screen: Screen| {
            me.finish(v, screen, VisitEnd::Refused);
            Step::Kept
        };
        match &answer {
            Eligibility::Valid { holder, warning } => {
                v.holder = holder.clone();
                v.age = holder
                    .birthdate
                    .as_deref()
                    .and_then(|b| age_on(b, self.now.date()));
                let mut q = outcome(ScreenId::Done);
                q.validity = Some("1".into());
                q.insurer_number = holder.insurer_number.clone();
                q.name = holder.name.clone();
                let grace = warning.as_deref() == Some("OQS-W-CERT-GRACE");
                let expiring = warning.as_deref() == Some("OQS-W-CERT-EXPIRING");
                if v.phone.is_some() {
                    let young = v.age.is_some_and(|a| a < self.config.phone_min_age);
                    let reason = if young {
                        Some("under_15")
                    } else if grace {
                        Some("certificate")
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        q.outcome = ScreenId::PhoneRefused.as_str().into();
                        v.qualification = Some(q);
                        let screen = Screen::core(ScreenId::PhoneRefused).with("reason", reason);
                        return refuse(self, v, screen);
                    }
                }
                v.qualification = Some(q);
                if grace {
                    v.in_grace = true;
                    Step::To(State::CertificateGrace(v))
                } else if expiring {
                    Step::To(State::CertificateExpiring(v))
                } else {
                    self.consent_start(v)
                }
            }
            Eligibility::NoQualification { validity, holder } => {
                let mut q = outcome(ScreenId::NoEligibility);
                q.validity = Some(validity.clone());
                q.name = holder.name.clone();
                v.qualification = Some(q);
                let screen =
                    Screen::core(ScreenId::NoEligibility).with("validity", validity.as_str());
                refuse(self, v, screen)
            }
            Eligibility::NotRegistered { .. } => {
                v.qualification = Some(outcome(ScreenId::RegistrationRequired));
                Step::To(State::RegistrationRequired(v))
            }
            Eligibility::Revoked | Eligibility::Expired => {
                let id = if answer == Eligibility::Revoked {
                    ScreenId::CertificateRevoked
                } else {
                    ScreenId::CertificateExpired
                };
                v.qualification = Some(outcome(id));
                refuse(self, v, Screen::core(id).with("code", "006"))
            }
            Eligibility::Outage => {
                v.qualification = Some(outcome(ScreenId::EligibilityOutage));
                refuse(self, v, Screen::core(ScreenId::EligibilityOutage))
            }
            Eligibility::Timeout => {
                v.qualification = Some(outcome(ScreenId::EligibilityTimeout));
                refuse(self, v, Screen::core(ScreenId::EligibilityTimeout))
            }
            Eligibility::Error { code } => {
                v.qualification = Some(outcome(ScreenId::EligibilityError));
                let screen = Screen::core(ScreenId::EligibilityError).with("code", code.as_str());
                refuse(self, v, screen)
            }
        }
    }

    fn consent_start(&mut self, mut v: Visit) -> Step {
        let rules = self.rules();
        v.rules = Some(rules);
        let first = match rules {
            RuleSet::Until20241006 => ConsentStep::Checkup,
            RuleSet::From20241007 => ConsentStep::Bulk,
        };
        Step::To(State::Consent(v, first))
    }

    fn consent(&mut self, mut v: Visit, step: ConsentStep, button: Button) -> Step {
        let now = Some(self.now);
        let rules = v.rules.unwrap_or_else(|| self.rules());
        let choose = |v: &mut Visit, item, agreed: bool| {
            let choice = if agreed {
                ConsentChoice::Agreed
            } else {
                ConsentChoice::Declined
            };
            v.consents.insert(item, (choice, now));
        };
        let next = match (step, button) {
            (ConsentStep::Bulk, Button::AgreeAll) => {
                choose(&mut v, ConsentItem::Checkup, true);
                choose(&mut v, ConsentItem::Medical, true);
                None
            }
            (ConsentStep::Bulk, Button::ChooseEach) => Some(ConsentStep::Checkup),
            (ConsentStep::Checkup, Button::Agree | Button::Decline) => {
                choose(&mut v, ConsentItem::Checkup, button == Button::Agree);
                Some(ConsentStep::Medical)
            }
            (ConsentStep::Medical, Button::Agree | Button::Decline) => {
                choose(&mut v, ConsentItem::Medical, button == Button::Agree);
                match rules {
                    RuleSet::Until20241006 => Some(ConsentStep::HighCost),
                    RuleSet::From20241007 => None,
                }
            }
            (ConsentStep::HighCost, Button::Yes) => Some(ConsentStep::Limit),
            (ConsentStep::HighCost, Button::No) => None,
            (ConsentStep::Limit, Button::Agree | Button::Decline) => {
                choose(&mut v, ConsentItem::Limit, button == Button::Agree);
                None
            }
            _ => return Step::Stay(State::Consent(v, step)),
        };
        match next {
            Some(step) => Step::To(State::Consent(v, step)),
            None => {
                self.complete(v);
                Step::Kept
            }
        }
    }

    fn complete(&mut self, v: Visit) {
        let name = v.holder.name.clone().unwrap_or_default();
        self.finish(
            v,
            Screen::core(ScreenId::Done).with("name", name),
            VisitEnd::Completed,
        );
    }
}

/// What a transition decided.
enum Step {
    /// Go to this state.
    To(State),
    /// The state was already entered (a visit finished).
    Kept,
    /// The stimulus does not fit the screen; nothing changes.
    Stay(State),
    /// It fits but cannot be done, for this reason.
    Refuse(State, String),
}

/// The device a visit reads: in the smartphone flow the phone on the
/// generic reader (when the reader has one), else the card.
fn device<'p>(v: &Visit, peers: &'p mut Peers<'_>) -> &'p mut dyn CardTarget {
    match (v.phone, peers.phone.as_deref_mut()) {
        (Some(_), Some(phone)) => phone,
        _ => &mut *peers.card,
    }
}

fn verify(host: &mut JpkiHost<'_>, digits: &PinDigits) -> Result<VerifyOutcome, ReaderError> {
    match host.verify_auth_pin(&digits.0) {
        Ok(outcome) => Ok(outcome),
        Err(HostError::Status { sw, .. }) => Ok(VerifyOutcome::Other(sw)),
        Err(HostError::Transport(e)) => Err(e.into()),
    }
}

/// Powers the card up afresh (a card placed on the reader); a target that
/// cannot power-cycle (a shared PC/SC card) is used as it is.
fn power_up(card: &mut dyn CardTarget) -> Result<(), ReaderError> {
    match card.power(PowerEvent::Reset) {
        Ok(_) | Err(TransportError::Unsupported(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` (or a date alone, at 00:00).
pub fn parse_time(text: &str) -> Option<PrimitiveDateTime> {
    myna_oqs::clock::parse_datetime("time", text).ok()
}

/// Age on `today` of someone born `YYYYMMDD`.
fn age_on(birth: &str, today: Date) -> Option<u32> {
    let year: i32 = birth.get(0..4)?.parse().ok()?;
    let month: u8 = birth.get(4..6)?.parse().ok()?;
    let day: u8 = birth.get(6..8)?.parse().ok()?;
    let before_birthday = (u8::from(today.month()), today.day()) < (month, day);
    let years = today.year() - year - i32::from(before_birthday);
    u32::try_from(years).ok()
}
