//! The stable counterpart of fuzz/fuzz_targets/portal_request.rs: the
//! reference portal's request decoder (`PortalService::handle`, shared by
//! the HTTP server and the in-process target) answers any method, path,
//! header and body with a documented status, never a 500, and every error
//! with the one JSON error shape naming a code. The committed findings
//! (fuzz/regressions/portal, control bodies that overflowed the clock)
//! are replayed first.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use myna_oqs::{InProcessTarget, OqsTarget};
use myna_portal::{OqsLink, PortalConfig, PortalRequest, PortalResponse, PortalService};
use myna_serve::ErrorBody;
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn portal(config: PortalConfig) -> PortalService {
    PortalService::new(&root().join("vectors/personas/ca"), config).unwrap()
}

fn call(
    service: &mut PortalService,
    oqs: &mut InProcessTarget,
    method: &str,
    path: &str,
    body: &[u8],
) -> PortalResponse {
    let mut link = OqsLink::new(oqs as &mut dyn OqsTarget);
    service.handle(
        PortalRequest {
            method,
            path,
            authorization: Some("Bearer x"),
            idempotency_key: Some("k"),
            body,
        },
        &mut link,
    )
}

/// A documented status (no 5xx but the documented 502 and 503 of an
/// unreachable eligibility or revocation service), and an error in the
/// one shape.
fn assert_well_formed(answer: &PortalResponse, what: &str) {
    assert!(
        (200..500).contains(&answer.status) || [502, 503].contains(&answer.status),
        "{what}: status {}",
        answer.status
    );
    if answer.status >= 400 {
        assert_eq!(answer.content_type, "application/json", "{what}");
        let error: ErrorBody = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            panic!(
                "{what}: not the JSON error shape ({e}): {}",
                String::from_utf8_lossy(&answer.body)
            )
        });
        assert!(!error.error.code.is_empty(), "{what}");
        assert!(!error.error.message.is_empty(), "{what}");
    }
}

const CONTROL: &str = "/control/v1/command";

#[test]
fn the_committed_regressions_are_4xx_naming_the_field_and_the_portal_keeps_serving() {
    let dir = root().join("fuzz/regressions/portal");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        // Near the calendar's end, as repeated advances would bring it.
        let mut service = portal(PortalConfig {
            seed: Some(1),
            start: time::macros::datetime!(9999-11-30 00:00 UTC),
            ..PortalConfig::default()
        });
        let mut oqs = InProcessTarget::new();
        let answer = call(&mut service, &mut oqs, "POST", CONTROL, &body);
        let what = path.display().to_string();
        assert_well_formed(&answer, &what);
        assert_eq!(answer.status, 400, "{what}");
        let error: ErrorBody = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(
            error.error.field.as_deref(),
            Some("advance_minutes"),
            "{what}"
        );
        // The portal still answers, and sets deadlines from its clock.
        for (method, route) in [("POST", "/auth/challenge"), ("GET", "/terms")] {
            let again = call(&mut service, &mut oqs, method, route, b"");
            assert!(again.status < 300, "{what}: {route} {}", again.status);
        }
        seen += 1;
    }
    assert!(seen >= 3, "{seen} regression files");
}

#[test]
fn the_clock_moves_up_to_its_documented_end_and_no_further() {
    let mut service = portal(PortalConfig {
        seed: Some(1),
        ..PortalConfig::default()
    });
    let mut oqs = InProcessTarget::new();
    let year = br#"{"op":"clock","advance_minutes":525600}"#;
    let mut refused = None;
    for n in 0..9000 {
        let answer = call(&mut service, &mut oqs, "POST", CONTROL, year);
        assert_well_formed(&answer, "a year forward");
        if answer.status == 400 {
            refused = Some(n);
            break;
        }
    }
    assert!(refused.is_some(), "the clock never stopped");
    assert!(service.now() <= myna_portal::service::LATEST_CLOCK);
    assert!(service.now().year() >= 9998);
    let answer = call(&mut service, &mut oqs, "POST", "/auth/challenge", b"");
    assert_eq!(answer.status, 201);
}

/// Every documented route, a few undocumented ones.
const PATHS: &[&str] = &[
    "/openapi.yaml",
    "/auth/challenge",
    "/auth/login",
    "/auth/logout",
    "/me",
    "/terms",
    "/terms/acceptance",
    "/email-codes",
    "/users",
    "/health-insurance/applications",
    "/health-insurance/applications/app-x",
    "/health-insurance/status",
    "/banks",
    "/banks/0001/branches",
    "/banks/%zz/branches?q=%",
    "/public-fund-account",
    CONTROL,
    "/",
    "",
    "/me?x=1&&=&%",
    "//auth//login",
];

const METHODS: &[&str] = &[
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "",
    "ＧＥＴ",
];

/// Bodies: JSON-shaped around the control and flow fields, or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        Just("-9223372036854775808".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("525600".to_owned()),
        Just("1e308".to_owned()),
        Just("6.5".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let json = (
        prop::sample::select(vec![
            "clock",
            "terms",
            "revoke",
            "holder_name",
            "outbox",
            "state",
            "reset",
            "warp",
        ]),
        prop::sample::select(vec![
            "advance_minutes",
            "version",
            "serial",
            "name_kana",
            "email",
            "challenge_id",
            "certificate",
            "signature",
            "code",
        ]),
        number,
    )
        .prop_map(|(op, key, value)| format!(r#"{{"op":"{op}","{key}":{value}}}"#).into_bytes());
    prop_oneof![
        3 => json,
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => "\\PC{0,100}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_request_is_answered_in_the_documented_shape(
        requests in proptest::collection::vec(
            (0..METHODS.len(), 0..PATHS.len(), body()), 1..6)
    ) {
        let mut service = portal(PortalConfig { seed: Some(3), ..PortalConfig::default() });
        let mut oqs = InProcessTarget::new();
        for (method, path, body) in requests {
            let what = format!("{} {}", METHODS[method], PATHS[path]);
            let answer = call(&mut service, &mut oqs, METHODS[method], PATHS[path], &body);
            assert_well_formed(&answer, &what);
        }
    }
}
