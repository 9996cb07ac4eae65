//! What an author writes wrong in a portal step is a located `check`
//! error, found at load (STYLE.md 13), never a failure of the portal.

#![allow(clippy::unwrap_used)]

use myna_family_card::CardSyntax;
use myna_family_oqs::OqsSyntax;
use myna_family_portal::step::{Expectation, PortalStep};
use myna_family_portal::PortalSyntax;
use myna_scenario::{Diagnostic, LoadEnv, MemoryLoader, Scenario, Vocabulary};

fn load(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let vocabulary = Vocabulary::new(vec![&CardSyntax, &OqsSyntax, &PortalSyntax]).unwrap();
    myna_scenario::load_scenario(
        "s.yaml",
        text,
        &MemoryLoader::new(),
        &LoadEnv::new(&vocabulary),
    )
}

fn problems(text: &str) -> Vec<(u32, u32, String)> {
    match load(text) {
        Ok(s) => panic!("expected problems, loaded {}", s.id),
        Err(diags) => diags
            .into_iter()
            .map(|d| (d.at.line, d.at.col, d.message))
            .collect(),
    }
}

const HEAD: &str =
    "id: portal.test.load\ntitle: a test\nrequirements: [PORTAL-LOGIN-JPKI]\nsteps:\n";

#[test]
fn a_valid_scenario_loads_typed_with_the_needed_families() {
    let text = format!(
        "{HEAD}  - login: {{ pin: \"${{persona.auth_pin}}\", as: mine }}\n    expect: {{ outcome: wrong_pin, tries_left: 2 }}\n  - http: {{ path: /me, session: mine }}\n    expect: {{ status: 200, json: {{ /serial: x }} }}\n    capture: {{ serial: /serial }}\n  - http: {{ path: \"/x/${{serial}}\" }}\n"
    );
    let scenario = load(&text).unwrap();
    assert!(scenario.families.contains(&"card") && scenario.families.contains(&"oqs"));
    let login: &PortalStep = myna_scenario::downcast(scenario.steps[0].body.as_ref()).unwrap();
    assert!(login.pin.is_some());
    let expect = login.expect.as_ref().unwrap();
    assert!(matches!(expect[0].value, Expectation::Outcome("wrong_pin")));
    assert!(matches!(expect[1].value, Expectation::TriesLeft(2)));
}

#[test]
fn a_misspelt_field_is_located_with_a_suggestion() {
    let p = problems(&format!("{HEAD}  - login: {{ certficate_of: hanako }}\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0, p[0].1), (5, 14));
    assert!(p[0].2.contains("certficate_of"), "{p:?}");
}

#[test]
fn a_login_expectation_on_another_step_is_refused() {
    let p = problems(&format!(
        "{HEAD}  - http: {{ path: /me }}\n    expect: {{ outcome: logged_in }}\n"
    ));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 6);
    assert!(p[0].2.contains("outcome"), "{p:?}");
}

#[test]
fn every_problem_of_a_file_is_reported() {
    let text = format!(
        "{HEAD}  - login: {{}}\n    expect: {{ outcome: signed_in }}\n  - http: {{ method: FETCH, path: /me }}\n  - http: {{ path: /me }}\n    expect: {{ json: {{ serial: x }} }}\n  - portal_control: {{}}\n  - http: {{ path: \"/x/${{nowhere}}\" }}\n  - login: {{ pin: {{ a: 1 }} }}\n"
    );
    let p = problems(&text);
    let lines: Vec<u32> = p.iter().map(|x| x.0).collect();
    for line in [6, 7, 9, 10, 11, 12] {
        assert!(lines.contains(&line), "no problem on line {line}: {p:?}");
    }
}

#[test]
fn a_capture_is_defined_only_after_its_step() {
    let p = problems(&format!(
        "{HEAD}  - http: {{ path: \"/x/${{id}}\" }}\n  - apply_insurance: {{}}\n    capture: {{ id: /application_id }}\n"
    ));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 5);
}
