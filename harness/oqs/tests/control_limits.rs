//! The control API holds its documented limits (docs/oqs.md "Limits"):
//! out-of-range arguments are a 4xx naming the field, the model is left as
//! it was, and no request can make the server answer 500 afterwards.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use myna_oqs::control::{
    control_schema, MAX_ADVANCE_DAYS, MAX_ADVANCE_HOURS, MAX_ADVANCE_MINUTES, MAX_ADVANCE_MONTHS,
    MAX_POPULATION_COUNT, MAX_SLOW_MS,
};
use myna_oqs::service::CONTROL_PATH;
use myna_oqs::OqsService;
use serde_json::{json, Value};

fn control(service: &mut OqsService, command: Value) -> (u16, Value) {
    let answer = service.handle("POST", CONTROL_PATH, command.to_string().as_bytes());
    (answer.status, answer.body)
}

fn state(service: &mut OqsService) -> Value {
    let (status, body) = control(service, json!({ "op": "state" }));
    assert_eq!(status, 200, "{body}");
    body["state"].clone()
}

#[test]
fn clock_advance_overflow_is_a_400_naming_the_field_and_moves_nothing() {
    let mut service = OqsService::new();
    let before = state(&mut service);
    for (field, value) in [
        ("days", json!(i64::MIN)),
        ("hours", json!(i64::MIN)),
        ("minutes", json!(i64::MIN)),
        ("days", json!(i64::MAX)),
        ("hours", json!(i64::MAX)),
        ("minutes", json!(i64::MAX)),
        ("days", json!(-1)),
        ("months", json!(u32::MAX)),
    ] {
        let command = json!({
            "op": "clock",
            "set": "2030-01-01",
            "advance": { field: value },
        });
        let (status, body) = control(&mut service, command);
        assert_eq!(status, 400, "{field}={value}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains(&format!("advance.{field}")),
            "{field}: {message}"
        );
        assert_eq!(
            state(&mut service),
            before,
            "{field}={value} changed the model"
        );
    }
    assert_eq!(service.handle("GET", "/healthz", b"").status, 200);
}

#[test]
fn slow_ms_above_its_cap_is_a_400() {
    let mut service = OqsService::new();
    let (status, body) = control(
        &mut service,
        json!({ "op": "fault", "slow_ms": MAX_SLOW_MS + 1, "outage": true }),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("slow_ms"));
    assert_eq!(state(&mut service)["faults"]["outage"], json!(false));
    let (status, body) = control(
        &mut service,
        json!({ "op": "fault", "slow_ms": MAX_SLOW_MS }),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn population_is_bounded_and_refused_whole() {
    let mut service = OqsService::new();
    let (status, body) = control(
        &mut service,
        json!({ "op": "population", "count": MAX_POPULATION_COUNT + 1, "first_serial": "1000" }),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(state(&mut service)["persons"], json!(0));
    // A serial range that runs off the end: refused before anyone is added.
    let (status, body) = control(
        &mut service,
        json!({ "op": "population", "count": 10, "first_serial": "FFFFFFFFFFFFFFFA" }),
    );
    assert!((400..500).contains(&status), "{body}");
    assert_eq!(state(&mut service)["persons"], json!(0));
    // Overlapping an earlier population: refused whole.
    let (status, body) = control(
        &mut service,
        json!({ "op": "population", "count": 10, "first_serial": "1000" }),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = control(
        &mut service,
        json!({ "op": "population", "count": 10, "first_serial": "1005" }),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(state(&mut service)["persons"], json!(10));
}

#[test]
fn the_schema_ranges_are_the_checked_limits() {
    let schema = control_schema();
    let text = schema.to_string();
    let max_of = |definition: &str, field: &str| -> u64 {
        let found = schema
            .pointer(&format!(
                "/definitions/{definition}/properties/{field}/maximum"
            ))
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{definition}.{field} has no maximum in {text}"));
        found as u64
    };
    assert_eq!(max_of("Advance", "months"), u64::from(MAX_ADVANCE_MONTHS));
    assert_eq!(max_of("Advance", "days"), MAX_ADVANCE_DAYS as u64);
    assert_eq!(max_of("Advance", "hours"), MAX_ADVANCE_HOURS as u64);
    assert_eq!(max_of("Advance", "minutes"), MAX_ADVANCE_MINUTES as u64);
    let ops = schema["oneOf"].as_array().cloned().unwrap_or_default();
    let op_max = |op: &str, field: &str| -> u64 {
        ops.iter()
            .find(|o| o.pointer("/properties/op/enum/0") == Some(&json!(op)))
            .and_then(|o| o.pointer(&format!("/properties/{field}/maximum")))
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{op}.{field} has no maximum")) as u64
    };
    assert_eq!(
        op_max("population", "count"),
        u64::from(MAX_POPULATION_COUNT)
    );
    assert_eq!(op_max("fault", "slow_ms"), MAX_SLOW_MS);
}

/// The committed findings of issue 9 (fuzz/regressions/oqs): each is a 4xx
/// and leaves the service answering.
#[test]
fn the_committed_regressions_are_4xx() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/oqs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let mut service = OqsService::new();
        let answer = service.handle("POST", CONTROL_PATH, &body);
        assert!(
            (400..500).contains(&answer.status),
            "{}: {}",
            path.display(),
            answer.status
        );
        assert_eq!(service.handle("GET", "/healthz", b"").status, 200);
        seen += 1;
    }
    assert!(seen >= 7, "{seen} regression files");
}

mod fuzz_counterpart {
    use super::*;
    use myna_oqs::service::{CAPABILITIES_PATH, SEARCH_PATH};
    use proptest::prelude::*;

    /// Bodies: random bytes, and control commands with random numbers in
    /// every numeric field (the stable counterpart of fuzz/oqs_request).
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let number = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            Just("-9223372036854775808".to_string()),
            Just("1e400".to_string()),
        ];
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            (0..4usize, number.clone()).prop_map(|(field, n)| {
                let field = ["months", "days", "hours", "minutes"][field];
                format!(r#"{{"op":"clock","advance":{{"{field}":{n}}}}}"#).into_bytes()
            }),
            number
                .clone()
                .prop_map(|n| format!(r#"{{"op":"fault","slow_ms":{n}}}"#).into_bytes()),
            number.prop_map(|n| {
                format!(r#"{{"op":"population","count":{n},"first_serial":"FFFFFFFFFFFFFF00"}}"#)
                    .into_bytes()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn any_body_on_any_route_is_answered_below_500(body in body()) {
            let mut service = OqsService::new();
            for (method, path) in [("POST", CONTROL_PATH), ("POST", SEARCH_PATH), ("GET", CAPABILITIES_PATH)] {
                let answer = service.handle(method, path, &body);
                prop_assert!(answer.status < 500, "{method} {path}: {}", answer.status);
            }
            prop_assert_eq!(service.handle("GET", "/healthz", b"").status, 200);
        }
    }
}
