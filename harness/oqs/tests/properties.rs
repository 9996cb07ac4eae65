//! Serial tracing as a state machine: random sequences of register,
//! re-issue, revoke, expire, clock, JPKI and lookup events run against the
//! model (index included) and a naive reference written for clarity, not
//! speed. DESIGN.md §8: the newest serial always resolves to its person's
//! registration, an old serial never authenticates, tracing terminates, two
//! persons never merge, and the index agrees with the naive model.

use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use time::{Date, Duration, Month};

use myna_oqs::clock::{add_months, month_end, wire_date};
use myna_oqs::control::{Advance, CertificateSpec, ControlCommand, ModelConfig, PersonSpec};
use myna_oqs::{AuthOutcome, OqsModel, Resolution, Serial};

fn start_day() -> Date {
    Date::from_calendar_date(2025, Month::April, 1).expect("a real date")
}

#[derive(Clone, Debug)]
struct Cert {
    serial: u64,
    person: usize,
    prev: Option<usize>,
    revoked: bool,
    superseded: bool,
    not_after: Date,
}

#[derive(Clone, Debug, Default)]
struct Holder {
    linked: Option<usize>,
    cancelled: bool,
    newest: Option<usize>,
}

/// The outcome both sides must agree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Auth {
        person: usize,
        relinked: bool,
        in_grace: bool,
    },
    NotRegistered,
    Revoked,
    Expired,
    Cancelled,
    JpkiDown,
}

#[derive(Clone, Debug)]
struct Naive {
    today: Date,
    certs: Vec<Cert>,
    holders: Vec<Holder>,
    jpki_down: bool,
    next_serial: u64,
    last: Option<Expected>,
}

#[derive(Clone, Debug)]
enum Transition {
    AddPerson {
        serial: u64,
        registered: bool,
        valid_days: i64,
    },
    Register {
        person: usize,
    },
    Reissue {
        person: usize,
        serial: u64,
        valid_days: i64,
    },
    Revoke {
        serial: u64,
    },
    Expire {
        serial: u64,
        offset_days: i64,
    },
    Advance {
        days: i64,
    },
    Jpki {
        down: bool,
    },
    Lookup {
        serial: u64,
    },
}

fn grace_end(not_after: Date) -> Date {
    // Month-end rule, written independently: the last day of the month three
    // months after the expiry month.
    let mut year = not_after.year();
    let mut month = not_after.month() as u8 + 3;
    if month > 12 {
        month -= 12;
        year += 1;
    }
    let m = Month::try_from(month).expect("1..=12");
    Date::from_calendar_date(year, m, m.length(year)).expect("a real date")
}

impl Naive {
    fn find(&self, serial: u64) -> Option<usize> {
        self.certs.iter().position(|c| c.serial == serial)
    }

    fn lookup(&mut self, serial: u64) -> Expected {
        let Some(c) = self.find(serial) else {
            return Expected::NotRegistered;
        };
        let cert = self.certs[c].clone();
        if cert.revoked || cert.superseded {
            return Expected::Revoked;
        }
        let p = cert.person;
        if self.today > grace_end(cert.not_after) {
            if self.holders[p].newest == Some(c) && self.holders[p].linked.is_some() {
                self.holders[p].cancelled = true;
            }
            return Expected::Expired;
        }
        if self.holders[p].cancelled {
            return Expected::Cancelled;
        }
        let in_grace = self.today > cert.not_after;
        if self.holders[p].linked == Some(c) {
            return Expected::Auth {
                person: p,
                relinked: false,
                in_grace,
            };
        }
        if self.jpki_down {
            return Expected::JpkiDown;
        }
        let mut walk = cert.prev;
        while let Some(a) = walk {
            if self.holders[self.certs[a].person].linked == Some(a) {
                self.holders[p].linked = Some(c);
                return Expected::Auth {
                    person: p,
                    relinked: true,
                    in_grace,
                };
            }
            walk = self.certs[a].prev;
        }
        Expected::NotRegistered
    }

    fn issue(&mut self, person: usize, serial: u64, valid_days: i64) -> usize {
        let prev = self.holders[person].newest;
        if let Some(old) = prev {
            if self.today > grace_end(self.certs[old].not_after)
                && self.holders[person].linked.is_some()
            {
                self.holders[person].cancelled = true;
            }
            self.certs[old].superseded = true;
        }
        self.certs.push(Cert {
            serial,
            person,
            prev,
            revoked: false,
            superseded: false,
            not_after: self.today + Duration::days(valid_days),
        });
        let id = self.certs.len() - 1;
        self.holders[person].newest = Some(id);
        id
    }
}

struct NaiveMachine;

impl ReferenceStateMachine for NaiveMachine {
    type State = Naive;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Naive> {
        Just(Naive {
            today: start_day(),
            certs: Vec::new(),
            holders: Vec::new(),
            jpki_down: false,
            next_serial: 0x100,
            last: None,
        })
        .boxed()
    }

    fn transitions(state: &Naive) -> BoxedStrategy<Transition> {
        let next = state.next_serial;
        let persons = state.holders.len();
        let serials: Vec<u64> = state.certs.iter().map(|c| c.serial).collect();
        let mut options: Vec<(u32, BoxedStrategy<Transition>)> = vec![
            (
                3,
                (any::<bool>(), 1i64..1500)
                    .prop_map(move |(registered, valid_days)| Transition::AddPerson {
                        serial: next,
                        registered,
                        valid_days,
                    })
                    .boxed(),
            ),
            (
                2,
                (1i64..200)
                    .prop_map(|days| Transition::Advance { days })
                    .boxed(),
            ),
            (
                1,
                any::<bool>()
                    .prop_map(|down| Transition::Jpki { down })
                    .boxed(),
            ),
            (
                1,
                (next + 10_000..next + 10_100)
                    .prop_map(|serial| Transition::Lookup { serial })
                    .boxed(),
            ),
        ];
        if persons > 0 {
            options.push((
                3,
                (0..persons, 1i64..1500)
                    .prop_map(move |(person, valid_days)| Transition::Reissue {
                        person,
                        serial: next,
                        valid_days,
                    })
                    .boxed(),
            ));
            options.push((
                2,
                (0..persons)
                    .prop_map(|person| Transition::Register { person })
                    .boxed(),
            ));
        }
        if !serials.is_empty() {
            let s = serials.clone();
            options.push((
                6,
                proptest::sample::select(s)
                    .prop_map(|serial| Transition::Lookup { serial })
                    .boxed(),
            ));
            let s = serials.clone();
            options.push((
                1,
                proptest::sample::select(s)
                    .prop_map(|serial| Transition::Revoke { serial })
                    .boxed(),
            ));
            options.push((
                1,
                (proptest::sample::select(serials), -200i64..30)
                    .prop_map(|(serial, offset_days)| Transition::Expire {
                        serial,
                        offset_days,
                    })
                    .boxed(),
            ));
        }
        proptest::strategy::Union::new_weighted(options).boxed()
    }

    fn preconditions(state: &Naive, transition: &Transition) -> bool {
        match transition {
            Transition::Register { person } => state
                .holders
                .get(*person)
                .and_then(|h| h.newest)
                .is_some_and(|c| {
                    let cert = &state.certs[c];
                    !cert.revoked && !cert.superseded
                }),
            Transition::AddPerson { serial, .. } => state.find(*serial).is_none(),
            Transition::Reissue { person, serial, .. } => {
                *person < state.holders.len() && state.find(*serial).is_none()
            }
            _ => true,
        }
    }

    fn apply(mut state: Naive, transition: &Transition) -> Naive {
        state.last = None;
        match transition {
            Transition::AddPerson {
                serial,
                registered,
                valid_days,
            } => {
                state.holders.push(Holder::default());
                let p = state.holders.len() - 1;
                let c = state.issue(p, *serial, *valid_days);
                if *registered {
                    state.holders[p].linked = Some(c);
                }
                state.next_serial += 1;
            }
            Transition::Register { person } => {
                let c = state.holders[*person].newest;
                state.holders[*person].linked = c;
                state.holders[*person].cancelled = false;
            }
            Transition::Reissue {
                person,
                serial,
                valid_days,
            } => {
                state.issue(*person, *serial, *valid_days);
                state.next_serial += 1;
            }
            Transition::Revoke { serial } => {
                if let Some(c) = state.find(*serial) {
                    state.certs[c].revoked = true;
                }
            }
            Transition::Expire {
                serial,
                offset_days,
            } => {
                if let Some(c) = state.find(*serial) {
                    state.certs[c].not_after = state.today + Duration::days(*offset_days);
                }
            }
            Transition::Advance { days } => state.today += Duration::days(*days),
            Transition::Jpki { down } => state.jpki_down = *down,
            Transition::Lookup { serial } => {
                let outcome = state.lookup(*serial);
                state.last = Some(outcome);
            }
        }
        state
    }
}

struct ModelUnderTest;

fn serial(v: u64) -> String {
    Serial::new(v).expect("non-zero").to_string()
}

fn apply_ok(model: &mut OqsModel, command: ControlCommand) {
    if let Err(e) = model.apply(&command) {
        panic!("{command:?} failed: {e}");
    }
}

impl StateMachineTest for ModelUnderTest {
    type SystemUnderTest = OqsModel;
    type Reference = NaiveMachine;

    fn init_test(_: &Naive) -> OqsModel {
        let mut model = OqsModel::new();
        apply_ok(
            &mut model,
            ControlCommand::World {
                clock: Some("2025-04-01T09:00".into()),
                // Tracing is checked without the renewal delay (the naive
                // reference knows none); tests/model_fidelity.rs checks it.
                config: Some(Box::new(ModelConfig {
                    renewal_delay_hours: 0,
                    ..ModelConfig::default()
                })),
                persons: vec![],
            },
        );
        model
    }

    fn apply(mut model: OqsModel, after: &Naive, transition: Transition) -> OqsModel {
        let today = model.clock().today();
        match transition {
            Transition::AddPerson {
                serial: s,
                registered,
                valid_days,
            } => {
                let person = after.holders.len() - 1;
                apply_ok(
                    &mut model,
                    ControlCommand::Seed {
                        persons: vec![PersonSpec {
                            id: format!("p{person}"),
                            name: "同姓 同名".into(),
                            kana: "ﾄﾞｳｾｲ ﾄﾞｳﾒｲ".into(),
                            birth_date: "1980-01-01".into(),
                            sex: "1".into(),
                            name_of_other: None,
                            name_of_other_kana: None,
                            sex2: None,
                            reference_numbers: vec![],
                            address: None,
                            post_number: None,
                            certificate: Some(CertificateSpec {
                                serial: serial(s),
                                not_after: wire_date(today + Duration::days(valid_days)),
                                phone_serial: None,
                            }),
                            registered,
                            qualifications: vec![],
                        }],
                    },
                );
            }
            Transition::Register { person } => {
                let newest = after.holders[person].newest.expect("precondition");
                apply_ok(
                    &mut model,
                    ControlCommand::Register {
                        person: format!("p{person}"),
                        serial: serial(after.certs[newest].serial),
                    },
                );
            }
            Transition::Reissue {
                person,
                serial: s,
                valid_days,
            } => apply_ok(
                &mut model,
                ControlCommand::Reissue {
                    person: format!("p{person}"),
                    new_serial: serial(s),
                    not_after: wire_date(today + Duration::days(valid_days)),
                },
            ),
            Transition::Revoke { serial: s } => {
                apply_ok(&mut model, ControlCommand::Revoke { serial: serial(s) })
            }
            Transition::Expire {
                serial: s,
                offset_days,
            } => apply_ok(
                &mut model,
                ControlCommand::Expire {
                    serial: serial(s),
                    on: Some(wire_date(today + Duration::days(offset_days))),
                },
            ),
            Transition::Advance { days } => apply_ok(
                &mut model,
                ControlCommand::Clock {
                    advance: Some(Advance {
                        days,
                        ..Advance::default()
                    }),
                    set: None,
                },
            ),
            Transition::Jpki { down } => apply_ok(
                &mut model,
                ControlCommand::Fault {
                    outage: None,
                    slow_ms: None,
                    jpki_down: Some(down),
                },
            ),
            Transition::Lookup { serial: s } => {
                let got = match model.authenticate(Serial::new(s).expect("non-zero")) {
                    AuthOutcome::Authenticated {
                        person,
                        relinked,
                        in_grace,
                        ..
                    } => Expected::Auth {
                        person: person as usize,
                        relinked,
                        in_grace,
                    },
                    AuthOutcome::NotRegistered => Expected::NotRegistered,
                    AuthOutcome::NotYetInEffect => {
                        panic!(
                            "no renewal delay is configured, yet {} is pending",
                            serial(s)
                        )
                    }
                    AuthOutcome::Revoked => Expected::Revoked,
                    AuthOutcome::Expired => Expected::Expired,
                    AuthOutcome::RegistrationCancelled => Expected::Cancelled,
                    AuthOutcome::JpkiUnavailable => Expected::JpkiDown,
                };
                assert_eq!(Some(got), after.last, "lookup of {}", serial(s));
            }
        }
        model
    }

    fn check_invariants(model: &OqsModel, naive: &Naive) {
        let index = model.index();
        assert_eq!(model.clock().today(), naive.today);
        assert_eq!(index.certificates(), naive.certs.len());
        for cert in &naive.certs {
            let s = Serial::new(cert.serial).expect("non-zero");
            let id = index.find(s).expect("every issued serial is indexed");
            // Two persons never share: the owner is the naive owner.
            assert_eq!(index.owner(id), Some(cert.person as u32));
            // A revoked or replaced serial never authenticates.
            if cert.revoked || cert.superseded {
                assert!(
                    matches!(index.resolve(s), Resolution::Revoked { .. }),
                    "{s} must resolve as revoked"
                );
            }
            // Tracing terminates within the number of certificates.
            assert!(index.trace(id).steps as usize <= naive.certs.len());
        }
        for (p, holder) in naive.holders.iter().enumerate() {
            let p32 = p as u32;
            assert_eq!(
                index.is_cancelled(p32),
                holder.cancelled,
                "p{p} cancellation"
            );
            let linked = holder.linked.map(|c| naive.certs[c].serial);
            assert_eq!(
                index
                    .linked(p32)
                    .and_then(|c| index.serial(c))
                    .map(Serial::value),
                linked,
                "p{p} link"
            );
            // The newest serial resolves to its person's registration.
            if let (Some(newest), Some(_)) = (holder.newest, holder.linked) {
                let cert = &naive.certs[newest];
                if !cert.revoked && !holder.cancelled {
                    let s = Serial::new(cert.serial).expect("non-zero");
                    match index.resolve(s) {
                        Resolution::Linked { person, .. } => assert_eq!(person, p32),
                        Resolution::Unlinked { cert, person } => {
                            assert_eq!(person, p32);
                            assert_eq!(
                                index.trace(cert).registered,
                                Some(p32),
                                "p{p}'s newest serial traces home"
                            );
                        }
                        other => panic!("p{p}'s newest serial {s} resolved as {other:?}"),
                    }
                }
            }
        }
        let _ = (add_months, month_end); // the model's helpers are not used by the reference
    }
}

prop_state_machine! {
    #![proptest_config(Config { cases: 96, failure_persistence: None, .. Config::default() })]
    #[test]
    fn serial_tracing_agrees_with_the_naive_model(sequential 1..60 => ModelUnderTest);
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, .. Config::default() })]

    #[test]
    fn lookup_handler_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut service = myna_oqs::OqsService::new();
        let answer = service.handle("POST", myna_oqs::service::SEARCH_PATH, &body);
        prop_assert!((400..500).contains(&answer.status));
        let answer = service.handle("POST", myna_oqs::service::CONTROL_PATH, &body);
        prop_assert!((400..500).contains(&answer.status) || answer.status == 200);
    }

    #[test]
    fn grace_end_matches_the_independent_rule(days in 0i64..20_000) {
        let model = OqsModel::new();
        let date = Date::from_calendar_date(2000, Month::January, 1).expect("a real date") + Duration::days(days);
        prop_assert_eq!(model.grace_end(date), grace_end(date));
    }
}
