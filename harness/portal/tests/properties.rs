//! Properties of the reference over random request sequences: no request
//! reaches another person's data; a registration or account exists only
//! after a login with a valid certificate (and the account only with the
//! session's own card); the operations the API calls idempotent are; every
//! answer validates against the OpenAPI document. Each property runs in
//! process (24 cases) and over real HTTP against the reference server on
//! 127.0.0.1 through the HTTP client (8 cases, a server each).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use common::{OpenApi, Rig};
use proptest::prelude::*;
use serde_json::{json, Value};

const PERSONAS: &[(&str, &str, bool)] = &[
    ("taro", "18C453E", true),
    ("hanako", "2A1B001", true),
    ("kiyoshi", "3C2D101", true),
    ("expired", "7061501", false),
    ("revoked", "8A70601", false),
];

#[derive(Clone, Debug)]
enum Action {
    Login(usize),
    Logout(usize),
    Apply(usize, Option<u8>),
    Status(usize),
    ReadApplication(usize, usize),
    Cancel(usize, usize),
    Terms(usize),
    Account(usize, usize),
    ReadAccount(usize),
    Me(usize),
    Clock(u32),
    Garbage(usize, Vec<u8>),
}

fn who() -> impl Strategy<Value = usize> {
    0..PERSONAS.len()
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => who().prop_map(Action::Login),
        1 => who().prop_map(Action::Logout),
        2 => (who(), proptest::option::of(0u8..3)).prop_map(|(p, k)| Action::Apply(p, k)),
        1 => who().prop_map(Action::Status),
        2 => (who(), who()).prop_map(|(p, q)| Action::ReadApplication(p, q)),
        1 => (who(), who()).prop_map(|(p, q)| Action::Cancel(p, q)),
        1 => who().prop_map(Action::Terms),
        2 => (who(), who()).prop_map(|(p, q)| Action::Account(p, q)),
        1 => who().prop_map(Action::ReadAccount),
        1 => who().prop_map(Action::Me),
        1 => (0u32..90).prop_map(Action::Clock),
        1 => (who(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(|(p, b)| Action::Garbage(p, b)),
    ]
}

struct World {
    rig: Rig,
    api: OpenApi,
    sessions: HashMap<usize, String>,
    applications: HashMap<usize, String>,
    logged_in: HashSet<usize>,
    own_card_account: HashSet<usize>,
}

impl World {
    fn call(
        &mut self,
        method: &str,
        path: &str,
        p: Option<usize>,
        key: Option<&str>,
        body: &[u8],
    ) -> common::Answer {
        let session = p.and_then(|p| self.sessions.get(&p).cloned());
        let answer = self
            .rig
            .call_with(method, path, session.as_deref(), key, body);
        if let Err(e) = self.api.check(method, path, &answer) {
            panic!("{e}");
        }
        // No answer to one person's session carries another's serial.
        if let (Some(p), true) = (p, session.is_some()) {
            for pointer in ["/serial", "/application/serial"] {
                if let Some(serial) = answer.json.pointer(pointer).and_then(Value::as_str) {
                    assert_eq!(serial, PERSONAS[p].1, "{method} {path}: {}", answer.json);
                }
            }
        }
        assert!(
            answer.status < 500 || answer.status == 502 || answer.status == 503,
            "{method} {path}: {}",
            answer.status
        );
        answer
    }

    fn json(&mut self, method: &str, path: &str, p: usize, body: Value) -> common::Answer {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        self.call(method, path, Some(p), None, &bytes)
    }

    fn run(&mut self, action: &Action) {
        match action {
            Action::Login(p) => {
                let answer = self.rig.login_answer(PERSONAS[*p].0);
                self.api.check("POST", "/auth/login", &answer).unwrap();
                assert_eq!(answer.status == 200, PERSONAS[*p].2, "{}", answer.json);
                if let Some(token) = answer.json["session"].as_str() {
                    self.sessions.insert(*p, token.to_owned());
                    self.logged_in.insert(*p);
                }
            }
            Action::Logout(p) => {
                self.json("POST", "/auth/logout", *p, Value::Null);
                self.sessions.remove(p);
            }
            Action::Apply(p, key) => {
                let version = self.rig.terms_version();
                let body = serde_json::to_vec(&json!({ "terms_version": version })).unwrap();
                let key = key.map(|k| format!("key-{k}"));
                let first = self.call(
                    "POST",
                    "/health-insurance/applications",
                    Some(*p),
                    key.as_deref(),
                    &body,
                );
                if let Some(id) = first.json["application_id"].as_str() {
                    self.applications.insert(*p, id.to_owned());
                }
                if key.is_some() {
                    let again = self.call(
                        "POST",
                        "/health-insurance/applications",
                        Some(*p),
                        key.as_deref(),
                        &body,
                    );
                    if first.status == 201 {
                        assert_eq!(
                            (again.status, &again.json),
                            (201, &first.json),
                            "same key, same answer"
                        );
                    }
                }
            }
            Action::Status(p) => {
                self.json("GET", "/health-insurance/status", *p, Value::Null);
            }
            Action::ReadApplication(p, q) => {
                if let Some(id) = self.applications.get(q).cloned() {
                    let a = self.json(
                        "GET",
                        &format!("/health-insurance/applications/{id}"),
                        *p,
                        Value::Null,
                    );
                    if p != q {
                        assert!(a.status == 404 || a.status == 401, "{}", a.json);
                    }
                }
            }
            Action::Cancel(p, q) => {
                if let Some(id) = self.applications.get(q).cloned() {
                    let path = format!("/health-insurance/applications/{id}");
                    let first = self.json("DELETE", &path, *p, Value::Null);
                    if p != q {
                        assert!(first.status == 404 || first.status == 401, "{}", first.json);
                    } else if first.status == 200 {
                        let again = self.json("DELETE", &path, *p, Value::Null);
                        assert_eq!(
                            (again.status, &again.json),
                            (200, &first.json),
                            "cancel is idempotent"
                        );
                    }
                }
            }
            Action::Terms(p) => {
                let version = self.rig.terms_version();
                let first = self.json(
                    "POST",
                    "/terms/acceptance",
                    *p,
                    json!({ "version": version }),
                );
                let again = self.json(
                    "POST",
                    "/terms/acceptance",
                    *p,
                    json!({ "version": version }),
                );
                assert_eq!(first.status, again.status);
            }
            Action::Account(p, q) => {
                if let Some(session) = self.sessions.get(p).cloned() {
                    let body = self.rig.account_body(PERSONAS[*q].0, "7654321");
                    let a = self.json("PUT", "/public-fund-account", *p, body);
                    if a.status == 201 {
                        assert_eq!(p, q, "an account needs the session's own card");
                        self.own_card_account.insert(*p);
                    }
                    let _ = session;
                }
            }
            Action::ReadAccount(p) => {
                self.json("GET", "/public-fund-account", *p, Value::Null);
            }
            Action::Me(p) => {
                self.json("GET", "/me", *p, Value::Null);
            }
            Action::Clock(minutes) => {
                self.rig
                    .control(json!({ "op": "clock", "advance_minutes": minutes }));
            }
            Action::Garbage(p, bytes) => {
                for path in [
                    "/auth/login",
                    "/health-insurance/applications",
                    "/users",
                    "/terms/acceptance",
                ] {
                    let a = self.call("POST", path, Some(*p), None, bytes);
                    assert!((400..500).contains(&a.status), "{path}: {}", a.status);
                }
            }
        }
        // Registrations and accounts only of persons who logged in with a
        // valid certificate.
        let serial_of = |s: &str| {
            PERSONAS
                .iter()
                .position(|(_, serial, _)| *serial == s)
                .unwrap()
        };
        let (applicants, accounts): (Vec<String>, Vec<String>) = self.rig.service(|s| {
            (
                s.applicants().into_iter().map(str::to_owned).collect(),
                s.accounts()
                    .into_iter()
                    .map(|(serial, _)| serial.to_owned())
                    .collect(),
            )
        });
        for serial in &applicants {
            assert!(
                self.logged_in.contains(&serial_of(serial)),
                "{serial} applied without a login"
            );
        }
        for serial in &accounts {
            assert!(
                self.own_card_account.contains(&serial_of(serial)),
                "{serial} has an account it did not register"
            );
        }
    }
}

fn run_sequence(rig: Rig, actions: &[Action]) {
    let mut world = World {
        rig,
        api: OpenApi::load(),
        sessions: HashMap::new(),
        applications: HashMap::new(),
        logged_in: HashSet::new(),
        own_card_account: HashSet::new(),
    };
    for (name, _, _) in PERSONAS.iter().take(3) {
        // Everyone valid may need a user for the account flow.
        let session = world.rig.login(name);
        world
            .rig
            .register_user(&session, &format!("{name}@example.jp"));
    }
    world.logged_in.extend(0..3);
    for action in actions {
        world.run(action);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_persons_apart_and_answer_as_documented(actions in proptest::collection::vec(action(), 1..24)) {
        run_sequence(Rig::new(), &actions);
    }
}

proptest! {
    // Over real HTTP (the reference served on 127.0.0.1, the HTTP client):
    // fewer cases, each with a server of its own.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn the_same_properties_hold_over_http(actions in proptest::collection::vec(action(), 1..24)) {
        run_sequence(Rig::http(), &actions);
    }
}
