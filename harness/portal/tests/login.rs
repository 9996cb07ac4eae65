//! JPKI login against the reference: every check of the verification
//! order refuses with its own code, and a valid card logs in.

mod common;

use common::Rig;
use myna_portal::wire::b64;
use serde_json::{json, Value};

#[test]
fn a_valid_card_logs_in_bound_to_its_serial() {
    let mut rig = Rig::new();
    let answer = rig.login_answer("taro");
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["serial"], "18C453E");
    assert_eq!(answer.json["user_registered"], false);
    let session = answer.json["session"].as_str().unwrap().to_owned();
    let me = rig.call("GET", "/me", Some(&session), Value::Null);
    assert_eq!(me.json["serial"], "18C453E");
}

#[test]
fn the_wrong_key_expired_and_revoked_certificates_are_refused() {
    let mut rig = Rig::new();
    let wrong_key = rig.proof("taro", "hanako");
    let a = rig.call(
        "POST",
        "/auth/login",
        None,
        serde_json::to_value(wrong_key).unwrap(),
    );
    assert_eq!((a.status, a.code()), (401, "signature_mismatch"));
    let a = rig.login_answer("expired");
    assert_eq!((a.status, a.code()), (401, "certificate_expired"));
    let a = rig.login_answer("revoked");
    assert_eq!((a.status, a.code()), (401, "certificate_revoked"));
    // Revoked at run time by the test CA's status service.
    rig.control(json!({ "op": "revoke", "serial": "2A1B001" }));
    let a = rig.login_answer("hanako");
    assert_eq!((a.status, a.code()), (401, "certificate_revoked"));
}

#[test]
fn a_signing_certificate_is_not_a_login_certificate() {
    let mut rig = Rig::new();
    let mut proof = rig.proof("taro", "taro");
    let sign_cert = std::fs::read(common::personas().join("taro/sign-cert.der")).unwrap();
    proof.certificate = b64::encode(&sign_cert);
    let a = rig.call(
        "POST",
        "/auth/login",
        None,
        serde_json::to_value(proof).unwrap(),
    );
    assert_eq!((a.status, a.code()), (401, "certificate_untrusted"));
}

#[test]
fn challenges_are_single_use_and_expire() {
    let mut rig = Rig::new();
    let proof = serde_json::to_value(rig.proof("taro", "taro")).unwrap();
    assert_eq!(
        rig.call("POST", "/auth/login", None, proof.clone()).status,
        200
    );
    let again = rig.call("POST", "/auth/login", None, proof);
    assert_eq!((again.status, again.code()), (400, "challenge_used"));
    let late = serde_json::to_value(rig.proof("taro", "taro")).unwrap();
    rig.control(json!({ "op": "clock", "advance_minutes": 6 }));
    let a = rig.call("POST", "/auth/login", None, late);
    assert_eq!((a.status, a.code()), (400, "challenge_expired"));
    let mut unknown = rig.proof("taro", "taro");
    unknown.challenge_id = "nope".into();
    let a = rig.call(
        "POST",
        "/auth/login",
        None,
        serde_json::to_value(unknown).unwrap(),
    );
    assert_eq!((a.status, a.code()), (400, "challenge_unknown"));
}

#[test]
fn bad_input_is_4xx_naming_the_field() {
    let mut rig = Rig::new();
    let mut proof = serde_json::to_value(rig.proof("taro", "taro")).unwrap();
    proof["certificate"] = json!("not base64!");
    let a = rig.call("POST", "/auth/login", None, proof);
    assert_eq!(
        (a.status, a.json["error"]["field"].as_str()),
        (400, Some("certificate"))
    );
    let a = rig.call("POST", "/auth/login", None, json!({ "challenge_id": 5 }));
    assert_eq!(
        (a.status, a.json["error"]["field"].as_str()),
        (400, Some("challenge_id"))
    );
    let a = rig.call("POST", "/auth/login", None, json!({ "challenge_id": "x" }));
    assert_eq!(
        (a.status, a.json["error"]["field"].as_str()),
        (400, Some("certificate"))
    );
    let a = rig.call_with("POST", "/auth/login", None, None, b"{");
    assert_eq!(a.status, 400);
    let a = rig.call("GET", "/auth/login", None, Value::Null);
    assert_eq!((a.status, a.code()), (405, "method_not_allowed"));
    let a = rig.call("GET", "/nowhere", None, Value::Null);
    assert_eq!((a.status, a.code()), (404, "not_found"));
    let big = vec![b' '; 70 * 1024];
    assert_eq!(
        rig.call_with("POST", "/auth/login", None, None, &big)
            .status,
        413
    );
}

#[test]
fn sessions_expire_when_idle_and_end_at_logout() {
    let mut rig = Rig::new();
    let session = rig.login("taro");
    rig.control(json!({ "op": "clock", "advance_minutes": 29 }));
    assert_eq!(
        rig.call("GET", "/me", Some(&session), Value::Null).status,
        200
    );
    rig.control(json!({ "op": "clock", "advance_minutes": 31 }));
    let a = rig.call("GET", "/me", Some(&session), Value::Null);
    assert_eq!((a.status, a.code()), (401, "session_expired"));
    let session = rig.login("taro");
    assert_eq!(
        rig.call("POST", "/auth/logout", Some(&session), Value::Null)
            .status,
        200
    );
    let a = rig.call("GET", "/me", Some(&session), Value::Null);
    assert_eq!((a.status, a.code()), (401, "unauthenticated"));
}
