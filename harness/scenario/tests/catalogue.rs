//! The requirement catalogue, the checks across files, and expectations files.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::*;
use myna_scenario::*;

const CATALOGUE: &str = r#"
- id: DEMO-T
  text: The demo does things.
  level: must
  family: demo
  source: spec:card-protocol.md §2.1 (public)
- id: PORTAL-LOGIN
  text: Login works.
  level: should
  family: portal
  source: seed:brief.md "login"
  since: 2024-01-01
  until: 2024-10-07
"#;

#[test]
fn a_valid_catalogue_loads() {
    let reqs = load_requirements("r.yaml", CATALOGUE).unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].id, "DEMO-T");
    assert_eq!(reqs[0].level, Level::Must);
    assert_eq!(reqs[0].family, "demo");
    assert_eq!((reqs[0].at.line, reqs[0].at.col), (2, 3));
    assert_eq!(reqs[1].since.as_deref(), Some("2024-01-01"));
    assert_eq!(reqs[1].until.as_deref(), Some("2024-10-07"));
    assert!(reqs[1].in_force("2024-10-06"));
    assert!(!reqs[1].in_force("2024-10-07"));
    assert!(reqs[0].in_force("2030-01-01"));
}

#[test]
fn catalogue_errors_are_all_reported() {
    let text = r#"
- id: CARD-A
  text: a
  level: must
  family: card
  source: spec:x
- id: CARD-A
  text: duplicate
  level: must
  family: card
  source: spec:x
- id: lower-case
  text: b
  level: maybe
  family: Cards
  source: wherever
  since: 2024-02-30
  until: 2024-13-01
  colour: red
- id: CARD-B
  level: must
  family: card
  source: spec:x
  since: 2025-01-01
  until: 2024-01-01
- just a string
"#;
    let diags = load_requirements("r.yaml", text).unwrap_err();
    let found: Vec<(u32, &str)> = diags
        .iter()
        .map(|d| (d.at.line, d.message.as_str()))
        .collect();
    let expected: Vec<(u32, &str)> = vec![
        (7, "expected each requirement id once, found `CARD-A` again (first at r.yaml:2:3)"),
        (12, "expected an uppercase id with dashes like `CARD-JPKI-AUTH-PIN-LOCK`, found `lower-case`"),
        (14, "expected a level (`must`, `should`), found `maybe`"),
        (15, "expected a family name (lowercase, like `card`), found `Cards`"),
        (16, "expected a source starting with `seed:` or `spec:`, found `wherever`"),
        (17, "expected a date `YYYY-MM-DD`, found `2024-02-30`"),
        (18, "expected a date `YYYY-MM-DD`, found `2024-13-01`"),
        (19, "expected one of the keys `id`, `text`, `level`, `family`, `source`, `since`, `until`, found `colour`"),
        (20, "expected key `text` (one sentence), found none"),
        (25, "expected `until` after `since` (2025-01-01), found 2024-01-01"),
        (26, "expected a requirement (a map), found `just a string`"),
    ];
    assert_eq!(found, expected);
    assert_eq!(diags[2].help.as_deref(), None);
    assert_eq!(diags[3].help.as_deref(), None);
    assert_eq!(diags[7].help.as_deref(), None);
    assert!(load_requirements("r.yaml", "a: 1").is_err());
}

#[test]
fn suite_checks() {
    let reqs = load_requirements("r.yaml", CATALOGUE).unwrap();
    let a = load(&demo("  - say: hi\n")).unwrap();
    let b_text = "id: demo.t.x\ntitle: t\nrequirements: [DEMO-T, DEMO-U, PORTAL-LOGIN]\nsteps: [{ say: hi }]\n";
    let vocabulary = Vocabulary::new(vec![&Demo, &Other]).unwrap();
    let b = load_scenario("b.yaml", b_text, &NoIncludes, &LoadEnv::new(&vocabulary)).unwrap();
    let diags = check_suite(&[a, b], &reqs);
    let found: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(diags[1].help.as_deref(), Some("did you mean `DEMO-T`?"));
    assert_eq!(
        found,
        vec![
            "b.yaml:1:1: expected a unique scenario id, found `demo.t.x` also used by s.yaml",
            "b.yaml:3:24: expected a requirement id from the catalogue, found `DEMO-U`",
            "b.yaml:3:32: expected a requirement of family `demo`, found `PORTAL-LOGIN` of family `portal` (defined at r.yaml:7:3)",
        ]
    );
    assert!(check_suite(&[load(&demo("  - say: hi\n")).unwrap()], &reqs).is_empty());
    // Given the catalogue, the loader itself finds the unknown id, at once.
    let found = load_with(b_text, &NoIncludes, None, Some(&reqs)).unwrap_err();
    assert_eq!(
        found,
        vec![(
            3,
            24,
            "expected a requirement id from the catalogue, found `DEMO-U`".to_string(),
            Some("did you mean `DEMO-T`?".to_string())
        )]
    );
}

#[test]
fn expectations_file() {
    let text = "- id: card.jpki.*\n  reason: IUT lacks the jpki applet\n- id: card.text.pin.lockout\n  reason: firmware bug 12\n  verdict: warn\n";
    let list = load_expectations("e.yaml", text).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].verdict, None);
    assert_eq!(list[1].verdict, Some(ExpectedVerdict::Warn));
    assert_eq!(list[1].reason, "firmware bug 12");
    assert_eq!((list[1].at.line, list[1].at.col), (3, 3));
    assert!(list[0].matches("card.jpki.auth-pin.lockout"));
    assert!(!list[0].matches("card.text.pin.lockout"));
    assert!(list[1].matches("card.text.pin.lockout"));
    assert!(!list[1].matches("card.text.pin.lockout2"));

    let bad = "- id: Card.X\n  reason: ''\n- reason: r\n- id: a.b\n- id: a.b\n  reason: r\n  verdict: pass\n  extra: 1\n";
    let diags = load_expectations("e.yaml", bad).unwrap_err();
    let found: Vec<(u32, &str)> = diags
        .iter()
        .map(|d| (d.at.line, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                1,
                "expected a scenario id, `*` allowed (like `card.jpki.*`), found `Card.X`"
            ),
            (2, "expected a reason (not empty), found ``"),
            (
                3,
                "expected key `id` (the scenario id, `*` allowed), found none"
            ),
            (
                4,
                "expected key `reason` (why this failure is expected), found none"
            ),
            (
                7,
                "expected a verdict (`fail`, `warn`, `error`, `skip`), found `pass`"
            ),
            (
                8,
                "expected one of the keys `id`, `reason`, `verdict`, found `extra`"
            ),
        ]
    );
    assert!(load_expectations("e.yaml", "").is_err());
    assert_eq!(load_expectations("e.yaml", "[]").unwrap(), vec![]);
}
