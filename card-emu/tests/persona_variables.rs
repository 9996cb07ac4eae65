//! `Persona::variables` offers exactly the persona fields of
//! docs/scenario-format.md § Variables, with the right secret flags and formats.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use myna_card_emu::persona::{self, is_sign_password, Persona, PersonaVariable};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas")
}

/// Backticked snake_case words of `text`.
fn backticked_names(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(str::to_owned)
        .collect()
}

/// (all documented persona fields, the secret ones), read from the doc.
fn documented() -> (BTreeSet<String>, BTreeSet<String>) {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scenario-format.md");
    let doc = std::fs::read_to_string(doc_path).expect("docs/scenario-format.md");
    let section = doc
        .split("## Variables")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("Variables section");
    let secret_part = section
        .split("Secret persona fields:")
        .nth(1)
        .and_then(|s| s.split("Other persona fields:").next())
        .expect("secret list");
    let other_part = section
        .split("Other persona fields:")
        .nth(1)
        .and_then(|s| s.split("A secret value never").next())
        .expect("other list");
    let secret = backticked_names(secret_part);
    let mut all = backticked_names(other_part);
    all.extend(secret.iter().cloned());
    (all, secret)
}

fn value<'a>(vars: &'a [PersonaVariable], name: &str) -> &'a str {
    &vars
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .value
}

#[test]
fn names_and_secret_flags_match_the_doc() {
    let (documented_all, documented_secret) = documented();
    assert!(
        documented_all.len() >= 30,
        "doc parse found only {documented_all:?}"
    );
    for id in persona::list(&root()).expect("list") {
        let p = Persona::load_named(&root(), &id).expect("load");
        let vars = p.variables();
        let names: BTreeSet<String> = vars.iter().map(|v| v.name.clone()).collect();
        assert_eq!(names.len(), vars.len(), "{id}: duplicate names");
        assert_eq!(names, documented_all, "{id}");
        let secret: BTreeSet<String> = vars
            .iter()
            .filter(|v| v.secret)
            .map(|v| v.name.clone())
            .collect();
        assert_eq!(secret, documented_secret, "{id}");
    }
}

#[test]
fn values_have_the_documented_formats() {
    for id in persona::list(&root()).expect("list") {
        let p = Persona::load_named(&root(), &id).expect("load");
        let vars = p.variables();
        let auth_serial = value(&vars, "auth_serial");
        assert!(
            !auth_serial.starts_with('0')
                && auth_serial
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert_eq!(
            value(&vars, "auth_cert"),
            hex::encode_upper(&p.auth().cert_der)
        );
        assert_eq!(
            value(&vars, "auth_cert_len"),
            p.auth().cert_der.len().to_string()
        );
        assert_eq!(
            value(&vars, "auth_ca_cert"),
            hex::encode_upper(&p.ca().auth_ca_cert)
        );
        let not_after = value(&vars, "auth_not_after");
        assert_eq!(not_after.len(), 20, "{not_after}");
        assert!(not_after.ends_with("T14:59:59Z"), "{not_after}");
        assert_eq!(value(&vars, "birth_date").len(), 8);
        assert_eq!(value(&vars, "card_expiry").len(), 8);
        assert_eq!(value(&vars, "token_label"), "JPKIAPICCTOKEN2");
        assert_eq!(value(&vars, "municipality_code").len(), 5);
        assert_eq!(
            value(&vars, "auth_pin_tries"),
            p.retries().auth_pin.left.to_string()
        );
        match p.sign() {
            Some(sign) => {
                assert_eq!(value(&vars, "sign_serial"), sign.serial_hex());
                assert_eq!(
                    value(&vars, "sign_cert_len"),
                    sign.cert_der.len().to_string()
                );
            }
            None => {
                assert_eq!(value(&vars, "sign_serial"), "");
                assert_eq!(value(&vars, "sign_cert"), "");
                assert_eq!(value(&vars, "sign_cert_len"), "0");
            }
        }
        for (wrong, right) in [
            ("wrong_auth_pin", "auth_pin"),
            ("wrong_text_pin", "text_pin"),
        ] {
            let w = value(&vars, wrong);
            assert!(
                w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()),
                "{id} {wrong}"
            );
            assert_ne!(w, value(&vars, right), "{id} {wrong}");
        }
        let wrong_password = value(&vars, "wrong_sign_password");
        assert!(is_sign_password(wrong_password));
        assert_ne!(wrong_password, value(&vars, "sign_password"));
    }
}

#[test]
fn taro_values() {
    let p = Persona::load_named(&root(), "taro").expect("load");
    let vars = p.variables();
    assert_eq!(value(&vars, "auth_serial"), "18C453E");
    assert_eq!(value(&vars, "birth_key"), "550217");
    assert_eq!(value(&vars, "sex"), "1");
    assert_eq!(value(&vars, "birth_date"), "19800217");
    assert_eq!(value(&vars, "auth_not_after"), "2030-02-17T14:59:59Z");
    assert_eq!(value(&vars, "auth_pin_tries"), "3");
    assert_eq!(value(&vars, "sign_password_tries"), "5");
    let blocked = Persona::load_named(&root(), "blocked").expect("load");
    assert_eq!(value(&blocked.variables(), "auth_pin_tries"), "0");
}
