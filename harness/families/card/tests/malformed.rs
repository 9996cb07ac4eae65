//! A malformed file yields every problem, each at its line:col.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::load_scenario;
use common::*;
use myna_scenario::*;

#[test]
fn every_problem_is_reported_at_its_place() {
    let text = fixture("malformed.yaml");
    let diags = load_scenario("fixtures/malformed.yaml", &text, &MemoryLoader::new()).unwrap_err();
    let found: Vec<(u32, u32, &str)> = diags
        .iter()
        .map(|d| (d.at.line, d.at.col, d.message.as_str()))
        .collect();
    let expected: Vec<(u32, u32, &str)> = vec![
        (1, 1, "expected key `title` (one line for people), found none"),
        (2, 1, "expected one of the keys `id`, `title`, `family`, `requirements`, `level`, `tags`, `applies_if`, `persona`, `vars`, `steps`, `finally`, found `titel`"),
        (3, 16, "expected a requirement id like `CARD-JPKI-AUTH-PIN-LOCK`, found `card-lower`"),
        (5, 13, "expected an application (`jpki`, `text`, `surface`, `common`, `juki`, `isd`) or a hex AID of 5 to 16 bytes, found `jpkx`"),
        (6, 11, "expected an even number of hex digits, found 5"),
        (7, 20, "expected `}` closing `${` in a template, found the end of the text"),
        (8, 19, "expected a status word of 4 hex digits or `X` (like `9000`, `63CX`), found `9G00`"),
        (9, 13, "expected a repeat count (an integer from 1 to 10000), found `0`"),
        (10, 12, "expected a power action (`off`, `on`, `reset`), found `sideways`"),
        (12, 5, "expected exactly one action key per step, found `select` and `select_ef`"),
        (13, 24, "expected le (an integer from 0 to 256), found `300`"),
    ];
    assert_eq!(found[..expected.len()], expected[..]);
    assert_eq!(found.len(), expected.len() + 1);
    let last = &diags[expected.len()];
    assert_eq!((last.at.line, last.at.col), (14, 5));
    assert!(last.message.ends_with("found `frobnicate`"));
    // near misses come with help
    assert_eq!(diags[1].help.as_deref(), Some("did you mean `title`?"));
    assert_eq!(diags[3].help.as_deref(), Some("did you mean `jpki`?"));
    // Display is file:line:col: message
    assert!(diags[2]
        .to_string()
        .starts_with("fixtures/malformed.yaml:3:16: expected a requirement id"));
    // render points at the token
    let rendered = diags[3].render(&text);
    assert!(
        rendered.contains("5 |   - select: jpkx\n  |             ^^^^\n"),
        "{rendered}"
    );
}

#[test]
fn yaml_syntax_errors_are_located() {
    let found = problems("id: card.a.b\nsteps: [\n  - x\n");
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .2
            .starts_with("expected valid YAML, found a syntax error"),
        "{found:?}"
    );
    assert!(found[0].0 >= 2);
}

#[test]
fn duplicate_keys_are_reported() {
    let found = problems(&card("  - select: jpki\n    select: text\n"));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1), (6, 5));
    assert!(found[0]
        .2
        .contains("found `select` again (first at line 5, column 5)"));
}

#[test]
fn top_level_shape_problems() {
    assert_eq!(problems("- a\n- b\n").len(), 1);
    assert_eq!(problems("").len(), 1);
    let found = problems(
        "id: Card.X\ntitle: [a]\nrequirements: []\nsteps: []\nlevel: may\nfamily: cards\n",
    );
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(found.len(), 6, "{messages:#?}");
    assert!(messages[0].contains("dotted lowercase id"));
    assert!(messages[1].starts_with("expected a one-line title, found a list"));
    assert!(messages[2].contains("at least one requirement id"));
    assert!(messages[3].contains("at least one step"));
    assert!(messages[4].contains("found `may`"));
    assert!(messages[5].contains("found `cards`"));
    assert_eq!(found[5].3.as_deref(), Some("did you mean `card`?"));
}

#[test]
fn id_without_a_family_needs_family_key() {
    let found = problems("id: misc.a\ntitle: t\nrequirements: [A-B]\nsteps:\n  - x: 1\n");
    // The unknown family and, not hidden by it, the unknown step key.
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].2.contains("starting with a registered family"));
    assert!(found[1].2.contains("found `x`"));
}

#[test]
fn step_shape_problems() {
    let found = problems(&card(
        "  - name: only a name\n  - apdu: 00 A4\n  - select: jp\n    expect: { sw: [] , colour: red }\n  - just a string\n  - power: on\n    capture: { 1x: data, y: dat, z: { secret: true } }\n",
    ));
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert!(
        messages[0].starts_with("expected exactly one action key"),
        "{messages:#?}"
    );
    assert!(messages[1].starts_with("expected a C-APDU of at least 4 bytes"));
    assert!(messages[2].contains("found `jp`"));
    assert!(messages[3].contains("at least one status word"));
    assert!(messages[4].contains("found `colour`"));
    assert!(messages[5]
        .starts_with("expected a step (a map with one action key), found `just a string`"));
    assert!(messages[6].starts_with("expected a variable name"));
    assert!(messages[7].starts_with("expected a capture source"));
    assert!(messages[8].starts_with("expected key `from`"));
    assert_eq!(found.len(), 9);
}

#[test]
fn action_value_problems() {
    let found = problems(&card(
        "  - read_binary: { offset: 40000, le: 1 }\n  - read_binary: { offset: 0 }\n  - sign: { p1: 100, data: '00', hash: { hash: md5, message: '00' } }\n  - sign: { p2: 80 }\n  - get_challenge: { le: 0 }\n  - change_pin: {}\n  - verify: { pin: 1, p2: xyz }\n  - read_file: { strategy: header8 }\n  - select: D3 92\n  - select_ef: 00A\n",
    ));
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert!(
        messages[0].contains("offset (an integer from 0 to 32767)"),
        "{messages:#?}"
    );
    assert!(messages[1].starts_with("expected key `le`"));
    assert!(messages[2].starts_with("expected a byte as 1 or 2 hex digits"));
    assert!(messages[3].contains("found a second one: `hash`"));
    assert!(messages[4].starts_with("expected key `data`"));
    assert!(messages[5].contains("from 1 to 256"));
    assert!(messages[6].starts_with("expected key `new`"));
    assert!(messages[7].starts_with("expected a byte"));
    assert!(messages[8].contains("found `header8`"));
    assert!(messages[9].contains("hex AID of 5 to 16 bytes, found `D3 92`"));
    assert!(messages[10].contains("found `00A`"));
    assert_eq!(found.len(), 11);
    let help = load_scenario(
        "s.yaml",
        &card("  - read_file: { strategy: header8 }\n"),
        &MemoryLoader::new(),
    )
    .unwrap_err();
    assert_eq!(help[0].help.as_deref(), Some("did you mean `header7`?"));
}

#[test]
fn secure_messaging_and_change_key_problems() {
    let found = problems(&card(
        "  - select: text\n  - session_key: {}\n  - secure: { verify: { pin: \"1\" }, select_ef: pin }\n  - secure: { verify: {} }\n  - secure: { read_binary: { offset: 0 } }\n  - secure: { select_ef: pinn }\n  - secure: { write_binary: {} }\n  - change_pin: { new: \"1\", command: change_kye }\n",
    ));
    let expected: [(u32, &str); 7] = [
        (6, "expected key `key`"),
        (
            7,
            "expected one command under secure messaging, found a second one: `select_ef`",
        ),
        (8, "expected key `pin`"),
        (9, "expected key `le`"),
        (10, "expected an EF name"),
        (
            11,
            "expected one of the keys `verify`, `select_ef`, `read_binary`",
        ),
        (12, "expected a PIN change command"),
    ];
    for (line, start) in expected {
        assert!(
            found.iter().any(|f| f.0 == line && f.2.starts_with(start)),
            "missing {line}: {start:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    let help = found.iter().find(|f| f.0 == 12).and_then(|f| f.3.clone());
    assert_eq!(help.as_deref(), Some("did you mean `change_key`?"));
}

#[test]
fn template_problems() {
    let found = problems(&card(
        "  - apdu: \"00 20 00 80 ${}\"\n  - verify: { pin: \"${persona.auth_pim}\" }\n  - apdu: \"00 2G ${x}\"\n",
    ));
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(found[0].2.contains("variable name inside"));
    // An unknown persona field is an undefined variable, with the near one.
    assert!(found[1].2.contains("found `${persona.auth_pim}`"));
    assert!(found[2].2.contains("found `G`"));
    assert!(found[3].2.contains("found `${x}`"));
    let diags = load_scenario(
        "s.yaml",
        &card("  - verify: { pin: \"${persona.auth_pim}\" }\n"),
        &MemoryLoader::new(),
    )
    .unwrap_err();
    assert_eq!(
        diags[0].help.as_deref(),
        Some("did you mean `persona.auth_pin`?")
    );
}

#[test]
fn var_problems() {
    let text = "id: card.a.b\ntitle: t\nrequirements: [A-B]\nvars:\n  9x: a\n  persona: b\n  ok: { value: 1, secret: maybe }\n  no: { secret: true }\n  bad: \"${\"\nsteps:\n  - power: on\n";
    let found = problems(text);
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (5, 3));
    assert_eq!((found[1].0, found[1].1), (6, 3));
    assert!(found[2].2.contains("`true` or `false`"));
    assert!(found[3].2.starts_with("expected key `value`"));
    assert!(found[4].2.contains("closing"));
}

#[test]
fn pin_text_is_not_repeated_in_messages() {
    let text = card("  - verify: { pin: \"4711${x\" }\n  - change_pin: { new: \"8642${\" }\n");
    let diags = load_scenario("s.yaml", &text, &MemoryLoader::new()).unwrap_err();
    assert_eq!(diags.len(), 2);
    for d in &diags {
        assert!(
            !d.message.contains("4711") && !d.message.contains("8642"),
            "{d}"
        );
    }
}
