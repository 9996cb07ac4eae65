//! The committed OpenAPI 3.1 document: a third-party parser reads it, its
//! operations are the ones the reference routes, and the reference serves
//! it byte for byte (in process and over HTTP).

mod common;

use common::{OpenApi, Rig};
use myna_oqs::InProcessTarget;
use myna_portal::server::{spawn_background, Backend};
use myna_portal::{PortalConfig, PortalService};
use serde_json::Value;

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
