//! The committed OpenAPI 3.1 document: third-party parsers and validators
//! read it (oas3 here; openapi-spec-validator from PyPI when installed,
//! mandatory in CI), its operations are the ones the reference routes, the
//! reference serves it byte for byte (in process and over HTTP), and every
//! test-control error has the documented shape, the eligibility service's.

#![allow(clippy::unwrap_used)]

mod common;

use common::{OpenApi, Rig};
use myna_oqs::{InProcessTarget, OqsTarget};
use myna_portal::server::{spawn_background, Backend};
use myna_portal::{PortalConfig, PortalService};
use serde_json::{json, Value};

#[test]
fn a_third_party_parser_reads_the_document_as_openapi_3_1() {
    // The YAML read as JSON (serde_yaml), then parsed by oas3.
    let json = serde_json::to_string(&OpenApi::load().doc).unwrap();
    let spec = oas3::from_json(json).expect("oas3 parses the document");
    let version = spec.validate_version().expect("a supported version");
    assert_eq!((version.major, version.minor), (3, 1));
    let operations: Vec<String> = spec
        .operations()
        .map(|(path, method, _)| format!("{method} {path}"))
        .collect();
    assert_eq!(operations.len(), 18, "{operations:?}");
    for op in spec.operations() {
        assert!(
            op.2.operation_id.is_some(),
            "{} {} has an operationId",
            op.1,
            op.0
        );
    }
}

#[test]
fn the_reference_serves_exactly_the_committed_file() {
    let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let mut rig = Rig::new();
    let served = rig.call("GET", "/openapi.yaml", None, Value::Null);
    assert_eq!(served.status, 200);
    assert_eq!(served.raw, committed);
    OpenApi::load()
        .check("GET", "/openapi.yaml", &served)
        .unwrap();

    let service =
        PortalService::new(&common::personas().join("ca"), PortalConfig::default()).unwrap();
    let server = spawn_background(
        "127.0.0.1:0".parse().unwrap(),
        Backend {
            service,
            eligibility: Box::new(InProcessTarget::new()),
        },
    )
    .unwrap();
    let mut response = ureq::get(format!("{}/openapi.yaml", server.url()))
        .call()
        .unwrap();
    assert_eq!(response.body_mut().read_to_vec().unwrap(), committed);
}

#[test]
fn bad_input_over_http_is_a_json_4xx() {
    let service =
        PortalService::new(&common::personas().join("ca"), PortalConfig::default()).unwrap();
    let server = spawn_background(
        "127.0.0.1:0".parse().unwrap(),
        Backend {
            service,
            eligibility: Box::new(InProcessTarget::new()),
        },
    )
    .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for (path, body) in [
        ("/auth/login", vec![b'{']),
        ("/auth/login", vec![0xFF, 0xFE]),
        ("/auth/login", vec![b' '; 200 * 1024]),
        (
            "/control/v1/command",
            br#"{"op":"clock","advance_minutes":-1}"#.to_vec(),
        ),
    ] {
        let mut response = agent
            .post(format!("{}{path}", server.url()))
            .header("content-type", "application/json")
            .send(&body[..])
            .unwrap();
        let status = response.status().as_u16();
        let json: Value =
            serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(json["error"]["code"].is_string(), "{json}");
    }
}

/// Every error case of the test-control API, with the field it must name.
fn control_error_cases() -> Vec<(&'static str, Vec<u8>, u16, Option<&'static str>)> {
    let json = |v: Value| serde_json::to_vec(&v).unwrap();
    vec![
        ("POST", b"{not json".to_vec(), 400, Some("body")),
        ("POST", b"[]".to_vec(), 400, Some("op")),
        ("POST", Vec::new(), 400, Some("body")),
        ("POST", json(json!({ "op": "warp" })), 400, Some("op")),
        (
            "POST",
            json(json!({ "op": "clock" })),
            400,
            Some("advance_minutes"),
        ),
        (
            "POST",
            json(json!({ "op": "clock", "advance_minutes": -1 })),
            400,
            Some("advance_minutes"),
        ),
        (
            "POST",
            json(json!({ "op": "clock", "advance_minutes": 600_000 })),
            400,
            Some("advance_minutes"),
        ),
        (
            "POST",
            json(json!({ "op": "terms", "version": " " })),
            400,
            Some("version"),
        ),
        (
            "POST",
            json(json!({ "op": "revoke", "serial": "xyz" })),
            400,
            Some("serial"),
        ),
        (
            "POST",
            json(json!({ "op": "holder_name", "serial": "18C453E", "name_kana": "yamada" })),
            400,
            Some("name_kana"),
        ),
        (
            "POST",
            json(json!({ "op": "holder_name", "serial": "", "name_kana": "ヤマダ" })),
            400,
            Some("serial"),
        ),
        (
            "POST",
            json(json!({ "op": "outbox", "email": "nobody@example.jp" })),
            404,
            Some("email"),
        ),
        (
            "POST",
            json(json!({ "op": "state", "extra": 1 })),
            400,
            Some("extra"),
        ),
        ("POST", vec![b' '; 200 * 1024], 413, None),
        ("GET", Vec::new(), 405, None),
        ("PUT", json(json!({ "op": "state" })), 405, None),
        ("DELETE", Vec::new(), 405, None),
    ]
}

/// The body read as the one error wire type and written back is the same
/// JSON: the same field names, nothing else.
fn round_trips(json: &Value) -> bool {
    serde_json::from_value::<myna_portal::wire::ErrorBody>(json.clone())
        .ok()
        .and_then(|body| serde_json::to_value(body).ok())
        .as_ref()
        == Some(json)
}

#[test]
fn every_control_error_answers_the_documented_error_shape_in_process_and_over_http() {
    let api = OpenApi::load();
    for (transport, mut rig) in [("in-process", Rig::new()), ("http", Rig::http())] {
        for (method, body, status, field) in control_error_cases() {
            let answer = rig.call_with(method, "/control/v1/command", None, None, &body);
            let case = format!(
                "{transport} {method} {}",
                String::from_utf8_lossy(&body[..body.len().min(60)])
            );
            assert_eq!(answer.status, status, "{case}: {}", answer.json);
            api.check(method, "/control/v1/command", &answer)
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(round_trips(&answer.json), "{case}: {}", answer.json);
            if let Some(field) = field {
                assert_eq!(
                    answer.json["error"]["field"].as_str(),
                    Some(field),
                    "{case}: {}",
                    answer.json
                );
            }
        }
    }
}

#[test]
fn the_eligibility_control_api_answers_the_same_error_shape() {
    // One wire type: the eligibility service's error is the portal's.
    let same: fn(myna_oqs::wire::ErrorBody) -> myna_portal::wire::ErrorBody = |e| e;
    let _ = same;
    // The portal's documented error schema, its code list aside, validates
    // the eligibility service's control errors.
    let api = OpenApi::load();
    let mut error = api.doc["components"]["schemas"]["Error"].clone();
    error["properties"]["error"]["properties"]["code"] = json!({ "type": "string" });
    let validator = jsonschema::draft202012::new(&error).unwrap();
    let mut oqs = InProcessTarget::new();
    let mut fields = 0;
    for body in [
        &br#"{"op":"launch"}"#[..],
        b"{not json",
        br#"{"op":"revoke","serial":"zz"}"#,
        br#"{"op":"register","person":"nobody","serial":"1"}"#,
    ] {
        let answer = oqs
            .request("POST", "/control/v1/command", body, None)
            .unwrap();
        let json: Value = serde_json::from_slice(&answer.body).unwrap();
        assert!((400..500).contains(&answer.status), "{json}");
        assert!(validator.is_valid(&json), "{json}");
        assert!(round_trips(&json), "{json}");
        fields += usize::from(json["error"]["field"].is_string());
    }
    // A bad field is named as the portal names it.
    assert_eq!(fields, 1);
}

/// `python3 -m openapi_spec_validator --schema 3.1 FILE`: `Some((passed,
/// output))`, or `None` when the validator is not installed (SKIPPED,
/// unless `CI=true`: `.ci/portal-api.sh install` installs it there).
fn openapi_spec_validator(file: &std::path::Path) -> Option<(bool, String)> {
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(file)
        .output();
    let installed = output
        .as_ref()
        .is_ok_and(|o| !String::from_utf8_lossy(&o.stderr).contains("No module named"));
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openapi-spec-validator is required in CI (bash .ci/portal-api.sh install)"
        );
        eprintln!("SKIPPED: openapi-spec-validator not installed (bash .ci/portal-api.sh install)");
        return None;
    }
    let output = output.ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status.success(), text))
}

#[test]
fn openapi_spec_validator_accepts_the_document_and_refuses_a_broken_copy() {
    let committed = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"));
    let Some((ok, output)) = openapi_spec_validator(committed) else {
        return;
    };
    assert!(ok, "{output}");
    assert!(output.contains("OK"), "{output}");
    // The validator has teeth: a reference to a schema that does not exist.
    let dir = std::env::temp_dir().join(format!("myna-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("openapi.yaml");
    let text = myna_portal::OPENAPI_YAML.replace(
        "$ref: '#/components/schemas/Challenge'",
        "$ref: '#/components/schemas/NoSuchSchema'",
    );
    assert_ne!(text, myna_portal::OPENAPI_YAML);
    std::fs::write(&broken, text).unwrap();
    let (ok, output) = openapi_spec_validator(&broken).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "a dangling $ref passed: {output}");
}
