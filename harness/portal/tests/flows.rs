//! The flows after login against the reference, with the eligibility model
//! in process: 申込 → システム準備中 → 登録完了 visible to the lookup,
//! twice, cancellation, re-issue, terms, 利用者登録, 公金受取口座, IDOR.

#![allow(clippy::unwrap_used)]

mod common;

use common::Rig;
use myna_oqs::ControlCommand;
use myna_oqs::Serial;
use serde_json::{json, Value};

fn registered_at_oqs(rig: &Rig, serial: &str) -> bool {
    let mut model = rig.oqs.service().model().clone();
    matches!(
        model.authenticate(Serial::parse(serial).unwrap()),
        myna_oqs::AuthOutcome::Authenticated { .. }
    )
}

#[test]
fn an_application_is_prepared_then_registered_and_found_by_the_lookup() {
    let mut rig = Rig::new();
    rig.oqs_world(&[("taro", "18C453E")]);
    let session = rig.login("taro");
    let version = rig.terms_version();
    let status = rig.call(
        "GET",
        "/health-insurance/status",
        Some(&session),
        Value::Null,
    );
    assert_eq!(status.json["registration_status"], "未申込");
    let app = rig.call(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        json!({ "terms_version": version }),
    );
    assert_eq!(app.status, 201, "{}", app.json);
    assert_eq!(app.json["application_status"], "正常に受け付けました");
    assert_eq!(app.json["registration_status"], "システム準備中");
    assert!(app.json.get("portal_user_registration").is_none());
    assert!(!registered_at_oqs(&rig, "18C453E"));
    rig.control(json!({ "op": "clock", "advance_minutes": 60 }));
    // 申込状況を確認: a new login (the first session has expired meanwhile).
    let session = rig.login("taro");
    let status = rig.call(
        "GET",
        "/health-insurance/status",
        Some(&session),
        Value::Null,
    );
    assert_eq!(
        status.json["registration_status"], "登録完了",
        "{}",
        status.json
    );
    assert!(registered_at_oqs(&rig, "18C453E"));
    // Twice: refused while one is in force.
    let again = rig.call(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        json!({ "terms_version": version }),
    );
    assert_eq!((again.status, again.code()), (409, "application_exists"));
    // Cancelled: unlinked at the eligibility service.
    let id = app.json["application_id"].as_str().unwrap().to_owned();
    let cancel = rig.call(
        "DELETE",
        &format!("/health-insurance/applications/{id}"),
        Some(&session),
        Value::Null,
    );
    assert_eq!(cancel.json["application_status"], "取消済み");
    assert!(!registered_at_oqs(&rig, "18C453E"));
}

#[test]
fn the_checkbox_line_appears_only_when_ticked_and_the_key_replays() {
    let mut rig = Rig::new();
    let session = rig.login("hanako");
    let version = rig.terms_version();
    let body =
        serde_json::to_vec(&json!({ "terms_version": version, "portal_user_registration": true }))
            .unwrap();
    let first = rig.call_with(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        Some("k1"),
        &body,
    );
    assert_eq!(
        first.json["portal_user_registration"],
        "正常に受け付けました"
    );
    let replay = rig.call_with(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        Some("k1"),
        &body,
    );
    assert_eq!((replay.status, &replay.json), (201, &first.json));
    let other = serde_json::to_vec(&json!({ "terms_version": version })).unwrap();
    let mismatch = rig.call_with(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        Some("k1"),
        &other,
    );
    assert_eq!(
        (mismatch.status, mismatch.code()),
        (422, "idempotency_key_reused")
    );
    let me = rig.call("GET", "/me", Some(&session), Value::Null);
    assert!(me.json.get("user").is_some());
}

#[test]
fn an_outdated_terms_version_is_refused() {
    let mut rig = Rig::new();
    let session = rig.login("taro");
    rig.accept_terms(&session);
    rig.control(json!({ "op": "terms", "version": "2026-04" }));
    let a = rig.call(
        "POST",
        "/health-insurance/applications",
        Some(&session),
        json!({ "terms_version": "2024-12" }),
    );
    assert_eq!((a.status, a.code()), (409, "terms_version_outdated"));
    let u = rig.call(
        "POST",
        "/users",
        Some(&session),
        json!({ "email": "t@example.jp", "code": "000000", "email_notification": false }),
    );
    assert_eq!((u.status, u.code()), (403, "terms_not_accepted"));
}

#[test]
fn a_reissued_certificate_finds_the_registration_by_the_old_serial() {
    let mut rig = Rig::new();
    rig.oqs(serde_json::from_value(json!({
        "op": "world", "config": { "renewal_delay_hours": 0 },
        "persons": [{ "id": "hanako", "name": "佐藤 花子", "kana": "ｻﾄｳ ﾊﾅｺ", "birth_date": "1995-07-03",
            "certificate": { "serial": "2A1A000", "not_after": "2029-07-03" },
            "qualifications": [{ "insurer_number": "06130012", "number": "2", "qualification_date": "2020-04-01" }] }]
    })).unwrap());
    rig.oqs(ControlCommand::Reissue {
        person: "hanako".into(),
        new_serial: "2A1B001".into(),
        not_after: "2029-07-03".into(),
    });
    let session = rig.login("hanako");
    let status = rig.call(
        "GET",
        "/health-insurance/status",
        Some(&session),
        Value::Null,
    );
    assert_eq!(
        status.json["registration_status"], "登録完了",
        "{}",
        status.json
    );
    assert_eq!(status.json["found_by"], "eligibility_lookup");
}

#[test]
fn another_persons_application_is_unreachable() {
    let mut rig = Rig::new();
    let taro = rig.login("taro");
    let hanako = rig.login("hanako");
    let version = rig.terms_version();
    let app = rig.call(
        "POST",
        "/health-insurance/applications",
        Some(&taro),
        json!({ "terms_version": version }),
    );
    let id = app.json["application_id"].as_str().unwrap().to_owned();
    let path = format!("/health-insurance/applications/{id}");
    assert_eq!(
        rig.call("GET", &path, Some(&hanako), Value::Null).code(),
        "resource_not_found"
    );
    assert_eq!(
        rig.call("DELETE", &path, Some(&hanako), Value::Null).code(),
        "resource_not_found"
    );
    assert_eq!(rig.call("GET", &path, Some(&taro), Value::Null).status, 200);
}

#[test]
fn user_registration_needs_the_emailed_code() {
    let mut rig = Rig::new();
    let session = rig.login("taro");
    rig.accept_terms(&session);
    rig.call(
        "POST",
        "/email-codes",
        Some(&session),
        json!({ "email": "taro@example.jp" }),
    );
    let wrong = rig.call(
        "POST",
        "/users",
        Some(&session),
        json!({ "email": "taro@example.jp", "code": "x", "email_notification": true }),
    );
    assert_eq!(
        (wrong.status, wrong.json["error"]["field"].as_str()),
        (400, Some("code"))
    );
    let code = rig
        .control(json!({ "op": "outbox", "email": "taro@example.jp" }))
        .json["code"]
        .clone();
    let ok = rig.call(
        "POST",
        "/users",
        Some(&session),
        json!({ "email": "taro@example.jp", "code": code, "email_notification": false }),
    );
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json["email_notification"], false);
    let twice = rig.call(
        "POST",
        "/users",
        Some(&session),
        json!({ "email": "taro@example.jp", "code": code, "email_notification": false }),
    );
    assert_eq!(twice.code(), "user_exists");
}

#[test]
fn the_account_flow_checks_fields_the_card_and_flags_a_shared_account() {
    let mut rig = Rig::new();
    let taro = rig.login("taro");
    rig.register_user(&taro, "taro@example.jp");
    for (field, value) in [
        ("bank_code", json!("12")),
        ("branch_code", json!("999")),
        ("account_type", json!("checking")),
        ("account_number", json!("123")),
        ("holder_kana", json!("山田")),
        ("own_name_confirmed", json!(false)),
        ("phone", json!("12ab")),
        ("email", json!("taro@x.jp")),
        ("agreed", json!(false)),
    ] {
        let mut body = rig.account_body("taro", "1234567");
        body[field] = value;
        let a = rig.call("PUT", "/public-fund-account", Some(&taro), body);
        let expected = if field == "email" {
            "email_code"
        } else {
            field
        };
        assert!(a.status >= 400 && a.status < 500, "{field}: {}", a.json);
        assert_eq!(
            a.json["error"]["field"].as_str(),
            Some(expected),
            "{field}: {}",
            a.json
        );
    }
    // The 名義 must be the card holder's (本人情報), a relative's neither.
    for other in ["サトウ　ハナコ", "ヤマダ　ハナコ"] {
        let mut body = rig.account_body("taro", "1234567");
        body["holder_kana"] = json!(other);
        let a = rig.call("PUT", "/public-fund-account", Some(&taro), body);
        assert_eq!(
            (a.status, a.code(), a.json["error"]["field"].as_str()),
            (422, "holder_name_mismatch", Some("holder_kana")),
            "{other}"
        );
    }
    // The shared terminal: hanako's card on taro's session.
    let body = rig.account_body("hanako", "1234567");
    let a = rig.call("PUT", "/public-fund-account", Some(&taro), body);
    assert_eq!((a.status, a.code()), (403, "card_mismatch"));
    assert!(rig.service(|s| s.accounts().is_empty()));
    let body = rig.account_body("taro", "1234567");
    let a = rig.call("PUT", "/public-fund-account", Some(&taro), body);
    assert_eq!(a.json["status"], "登録手続き完了", "{}", a.json);
    // Without e-mail the code is skipped; with one it is needed and checked.
    let hanako = rig.login("hanako");
    rig.register_user(&hanako, "hanako@example.jp");
    let body = rig.account_body("hanako", "1234567");
    let a = rig.call("PUT", "/public-fund-account", Some(&hanako), body);
    assert_eq!(a.json["status"], "確認中");
    assert_eq!(
        a.json["flags"],
        json!(["account_registered_to_another_person"])
    );
    let mine = rig.call("GET", "/public-fund-account", Some(&taro), Value::Null);
    assert_eq!(mine.json["status"], "登録手続き完了");
}
