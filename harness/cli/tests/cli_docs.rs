//! The documentation's claims hold at the command line (issue 13's docs
//! findings): every persona field docs/scenario-format.md lists is a
//! variable `check` accepts (`${persona.sign_cert_len}` was documented and
//! refused), and one it does not list is refused.

#![allow(clippy::unwrap_used)]

use std::process::Command;

mod common;
use common::root;

/// The backticked names of the paragraph listing the persona fields.
fn documented_persona_fields() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/scenario-format.md")).unwrap();
    let start = doc.find("Secret persona fields:").unwrap();
    let end = start + doc[start..].find("A secret value never appears").unwrap();
    let mut fields: Vec<String> = doc[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| {
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_owned)
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

fn check_with_vars(name: &str, fields: &[String]) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("myna-docs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let vars: String = fields
        .iter()
        .map(|f| format!("  v_{f}: \"${{persona.{f}}}\"\n"))
        .collect();
    let file = dir.join("fields.yaml");
    std::fs::write(
        &file,
        format!(
            "id: card.docs.fields\ntitle: every documented persona field\n\
             requirements: [CARD-PIN-CHANGE-KEY]\nvars:\n{vars}steps:\n  - select: common\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(["check", file.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_documented_persona_field_is_a_variable_check_accepts() {
    let fields = documented_persona_fields();
    for expected in ["auth_pin", "sign_cert_len", "check_b", "wrong_juki_pin"] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected}: {fields:?}"
        );
    }
    let (code, err) = check_with_vars("all", &fields);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check_with_vars("unknown", &["sign_cert_length".to_owned()]);
    assert_eq!(code, Some(2), "an undocumented field is refused: {err}");
    assert!(err.contains("persona.sign_cert_length"), "{err}");
}
