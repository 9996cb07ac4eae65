//! Every persona in vectors/personas loads, has the properties its name
//! promises, and never shows a secret in Debug output.

use std::path::{Path, PathBuf};

use myna_card_emu::persona::{self, Persona, PersonaError};
use time::macros::date;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas")
}

fn load(id: &str) -> Persona {
    Persona::load_named(&root(), id).unwrap_or_else(|e| panic!("{id}: {e}"))
}

#[test]
fn list_names_the_seven_personas_sorted_without_ca() {
    let ids = persona::list(&root()).expect("list");
    assert_eq!(
        ids,
        ["blocked", "expired", "hanako", "kao", "kiyoshi", "revoked", "sakura", "taro"]
    );
}

#[test]
fn every_persona_loads_and_is_consistent() {
    for id in persona::list(&root()).expect("list") {
        let p = load(&id);
        assert_eq!(p.id(), id);
        assert!(persona::is_valid_my_number(
            std::str::from_utf8(p.my_number().expose()).expect("ascii")
        ));
        assert_eq!(p.atr(), &persona::DEFAULT_ATR);
        assert_eq!(p.token_label(), "JPKIAPICCTOKEN2");
        assert!(p.name().contains('\u{3000}'), "{id}");
        let check_b = std::str::from_utf8(p.check_b().expose())
            .expect("ascii")
            .to_owned();
        assert_eq!(check_b.len(), 14, "{id}");
        assert!(check_b.starts_with(std::str::from_utf8(p.birth_key().expose()).expect("ascii")));
        assert!(check_b.ends_with(std::str::from_utf8(p.security_code().expose()).expect("ascii")));
        assert_eq!(&check_b[6..10], format!("{}", p.card_expiry().year()));
    }
}

#[test]
fn taro_birth_key_is_showa_55() {
    let taro = load("taro");
    assert_eq!(taro.birth_key().expose(), b"550217");
    assert_eq!(taro.check_b().expose(), b"55021720352285");
}

#[test]
fn age_bands_on_a_fixed_date() {
    let on = date!(2026 - 04 - 01);
    assert!((40..=74).contains(&load("taro").age_on(on)));
    assert!((18..=39).contains(&load("hanako").age_on(on)));
    assert!(load("kiyoshi").age_on(on) >= 75);
    assert!(load("sakura").age_on(on) < 15);
}

#[test]
fn special_personas() {
    let sakura = load("sakura");
    assert!(sakura.sign().is_none() && sakura.sign_password().is_none());
    assert!(sakura.auth_pin().is_some());

    let kao = load("kao");
    assert!(kao.face_only());
    assert!(kao.auth_pin().is_none() && kao.text_pin().is_none() && kao.sign_password().is_none());

    assert!(
        kao.phone().is_none(),
        "a face-only card has no smartphone card"
    );

    let blocked = load("blocked");
    assert_eq!(blocked.retries().auth_pin.left, 0);
    let phone = blocked.phone().expect("blocked has a smartphone card");
    assert_eq!(phone.tries.left, 3, "the phone's counter is its own");
    assert_eq!(blocked.retries().auth_pin.max, 3);
    assert_eq!(load("taro").retries().auth_pin.left, 3);

    let expired = load("expired");
    let expected = persona::parse_utc("2024-12-07T14:59:59Z").expect("time");
    assert_eq!(expired.auth().not_after, expected);
    assert_eq!(expired.sign().expect("sign cert").not_after, expected);
    assert!(load("taro").auth().not_after > expected);
}

#[test]
fn debug_never_shows_a_secret() {
    for id in persona::list(&root()).expect("list") {
        let p = load(&id);
        let secret_vars: Vec<_> = p.variables().into_iter().filter(|v| v.secret).collect();
        // auth_pin, sign_password, text_pin, juki_pin, my_number, check_b,
        // birth_key, security_code and the smartphone card's phone_auth_pin.
        assert_eq!(secret_vars.len(), 9);
        // Non-secret variables hold certificate hex, where any 4 digits may occur by chance.
        let debug = format!("{p:?} {secret_vars:?} {:?}", p.ca());
        let mut secrets = vec![
            p.my_number().expose().to_vec(),
            p.check_b().expose().to_vec(),
            p.birth_key().expose().to_vec(),
            p.security_code().expose().to_vec(),
        ];
        let phone_pin = p.phone().map(|phone| &phone.pin);
        for s in [
            p.auth_pin(),
            p.sign_password(),
            p.text_pin(),
            p.juki_pin(),
            phone_pin,
        ]
        .into_iter()
        .flatten()
        {
            secrets.push(s.expose().to_vec());
        }
        for secret in secrets {
            let text = String::from_utf8(secret).expect("ascii");
            assert!(
                !debug.contains(&text),
                "{id}: Debug shows a secret of {} chars at {:?}",
                text.len(),
                debug.find(&text).map(|i| &debug[i.saturating_sub(40)..i])
            );
        }
        let profile_debug = format!(
            "{:?}",
            p.card_profile()
                .applications
                .iter()
                .map(|a| &a.secrets)
                .collect::<Vec<_>>()
        );
        assert!(profile_debug.contains("redacted"));
        let pin = p
            .auth_pin()
            .map(|s| String::from_utf8_lossy(s.expose()).into_owned());
        if let Some(pin) = pin {
            assert!(!profile_debug.contains(&pin), "{id}");
        }
    }
}

#[test]
fn unknown_persona_and_ca_are_refused() {
    for id in ["nobody", "ca", "../personas/taro", ""] {
        match Persona::load_named(&root(), id) {
            Err(PersonaError::UnknownPersona { .. }) => {}
            other => panic!(
                "{id}: expected UnknownPersona, got {:?}",
                other.map(|p| p.id().to_owned())
            ),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// A scratch copy of `ca/` and `taro/` whose persona.yaml is edited.
fn broken_taro(
    tag: &str,
    edit: impl Fn(String) -> String,
) -> (PathBuf, Result<Persona, PersonaError>) {
    let scratch = std::env::temp_dir().join(format!("persona-load-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(&root().join("ca"), &scratch.join("ca"));
    copy_dir(&root().join("taro"), &scratch.join("taro"));
    let yaml_path = scratch.join("taro/persona.yaml");
    let yaml = std::fs::read_to_string(&yaml_path).expect("yaml");
    std::fs::write(&yaml_path, edit(yaml)).expect("write");
    let result = Persona::load(&scratch.join("taro"));
    (scratch, result)
}

#[test]
fn errors_are_located_and_never_show_the_value() {
    let (dir, result) = broken_taro("pin", |y| {
        y.replace("auth_pin: '4826'", "auth_pin: '48261'")
    });
    let message = result
        .map(|_| ())
        .expect_err("5-digit PIN refused")
        .to_string();
    assert!(
        message.contains("persona.yaml") && message.contains("auth_pin"),
        "{message}"
    );
    assert!(!message.contains("48261"), "{message}");
    let _ = std::fs::remove_dir_all(dir);

    let (dir, result) = broken_taro("unquoted", |y| {
        y.replace("text_pin: '7391'", "text_pin: 7391")
    });
    let message = result
        .map(|_| ())
        .expect_err("unquoted PIN refused")
        .to_string();
    assert!(!message.contains("7391"), "{message}");
    let _ = std::fs::remove_dir_all(dir);

    let (dir, result) = broken_taro("checkdigit", |y| {
        y.replace("my_number: '314159265352'", "my_number: '314159265353'")
    });
    let message = result
        .map(|_| ())
        .expect_err("bad check digit refused")
        .to_string();
    assert!(
        message.contains("my_number") && !message.contains("31415926535"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(dir);

    let (dir, result) = broken_taro("serial", |y| {
        y.replace("serial: 18C453E", "serial: 18C453D")
    });
    match result {
        Err(PersonaError::Mismatch { path, reason }) => {
            assert!(path.ends_with("auth-cert.der"), "{}", path.display());
            assert!(
                reason.contains("18C453E") && reason.contains("18C453D"),
                "{reason}"
            );
        }
        other => panic!(
            "expected Mismatch, got {:?}",
            other.map(|p| p.id().to_owned())
        ),
    }
    let _ = std::fs::remove_dir_all(dir);

    let (dir, result) = broken_taro("testonly", |y| {
        y.replace("test_only: true", "test_only: false")
    });
    assert!(matches!(
        result,
        Err(PersonaError::InvalidField {
            field: "test_only",
            ..
        })
    ));
    let _ = std::fs::remove_dir_all(dir);
}
