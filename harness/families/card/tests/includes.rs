//! `include:` expansion: nested, cycles, missing files, vars merge.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::load_scenario;
use common::*;
use myna_scenario::*;

fn scenario_with(steps: &str) -> String {
    card(steps)
}

#[test]
fn nested_includes_expand_in_place_relative_to_each_file() {
    let loader = MemoryLoader::new()
        .with("s/card/a.yaml", "")
        .with(
            "s/fragments/outer.yaml",
            "steps:\n  - power: on\n  - include: inner/x.yaml\n  - power: off\n",
        )
        .with(
            "s/fragments/inner/x.yaml",
            "vars: { v: '01' }\nsteps:\n  - select: jpki\n",
        );
    let text = scenario_with(
        "  - power: reset\n  - include: ../fragments/outer.yaml\n  - get_challenge: {}\n",
    );
    let s = load_scenario("s/card/a.yaml", &text, &loader).unwrap();
    type Placed = (String, u32, Option<(String, u32)>);
    let order: Vec<Placed> = s
        .steps
        .iter()
        .map(|st| {
            (
                st.at.file.to_string(),
                st.at.line,
                st.included_from
                    .as_ref()
                    .map(|l| (l.file.to_string(), l.line)),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("s/card/a.yaml".into(), 5, None),
            (
                "s/fragments/outer.yaml".into(),
                2,
                Some(("s/card/a.yaml".into(), 6))
            ),
            (
                "s/fragments/inner/x.yaml".into(),
                3,
                Some(("s/fragments/outer.yaml".into(), 3))
            ),
            (
                "s/fragments/outer.yaml".into(),
                4,
                Some(("s/card/a.yaml".into(), 6))
            ),
            ("s/card/a.yaml".into(), 7, None),
        ]
    );
    assert_eq!(s.vars.len(), 1);
    assert_eq!(s.vars[0].name, "v");
}

#[test]
fn include_cycles_are_reported() {
    let loader = MemoryLoader::new()
        .with("f/a.yaml", "steps:\n  - include: b.yaml\n")
        .with("f/b.yaml", "steps:\n  - power: on\n  - include: a.yaml\n");
    let diags =
        load_scenario("s.yaml", &scenario_with("  - include: f/a.yaml\n"), &loader).unwrap_err();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].at.file.as_ref(), "f/b.yaml");
    assert_eq!((diags[0].at.line, diags[0].at.col), (3, 14));
    assert_eq!(
        diags[0].message,
        "expected includes without a cycle, found f/a.yaml → f/b.yaml → f/a.yaml"
    );
    // a scenario including itself
    let loader = MemoryLoader::new().with("s.yaml", "steps: [ { power: on } ]");
    let diags =
        load_scenario("s.yaml", &scenario_with("  - include: s.yaml\n"), &loader).unwrap_err();
    assert!(diags[0].message.contains("s.yaml → s.yaml"), "{diags:?}");
}

#[test]
fn the_same_fragment_twice_is_not_a_cycle() {
    let loader = MemoryLoader::new().with("f.yaml", "steps:\n  - power: on\n");
    let s = load_scenario(
        "s.yaml",
        &scenario_with("  - include: f.yaml\n  - include: f.yaml\n"),
        &loader,
    )
    .unwrap();
    assert_eq!(s.steps.len(), 2);
}

#[test]
fn missing_fragment_is_reported_at_the_include_step() {
    let found = problems_with(
        &scenario_with("  - power: on\n  - include: nowhere.yaml\n"),
        &MemoryLoader::new(),
    );
    assert_eq!(
        found,
        vec![(
            6,
            14,
            "expected a readable fragment file, found `nowhere.yaml`: no file `nowhere.yaml`"
                .to_string(),
            None
        )]
    );
}

#[test]
fn problems_inside_fragments_carry_the_fragment_file() {
    let loader = MemoryLoader::new().with("f.yaml", "steps:\n  - select: jpkx\nextra: 1\n");
    let diags = load_scenario(
        "s.yaml",
        &scenario_with("  - include: f.yaml\n  - power: sideways\n"),
        &loader,
    )
    .unwrap_err();
    let found: Vec<String> = diags.iter().map(|d| format!("{}", d.at)).collect();
    // the scenario's own problems first (its file appeared first), then the fragment's, each by position
    assert_eq!(found, vec!["s.yaml:6:12", "f.yaml:2:13", "f.yaml:3:1"]);
    let loader = MemoryLoader::new().with("f.yaml", "vars: {}\n");
    let diags =
        load_scenario("s.yaml", &scenario_with("  - include: f.yaml\n"), &loader).unwrap_err();
    assert_eq!(
        diags[0].message,
        "expected key `steps` (the fragment's steps), found none"
    );
    // Not YAML: one error at the include, with the fragment's location and
    // nothing of its text (issue 9).
    let loader = MemoryLoader::new().with("f.yaml", "steps: [\n");
    let diags =
        load_scenario("s.yaml", &scenario_with("  - include: f.yaml\n"), &loader).unwrap_err();
    assert_eq!(diags[0].at.file.as_ref(), "s.yaml");
    assert!(diags[0]
        .message
        .contains("not valid YAML (the first problem at f.yaml:"));
}

#[test]
fn include_steps_take_no_modifiers_and_need_a_path() {
    let loader = MemoryLoader::new().with("f.yaml", "steps:\n  - power: on\n");
    let found = problems_with(
        &scenario_with("  - include: f.yaml\n    repeat: 2\n  - include: [f.yaml]\n"),
        &loader,
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0]
        .2
        .contains("no modifiers on an `include:` step, found `repeat`"));
    assert!(found[1]
        .2
        .starts_with("expected a fragment file path, found a list"));
}

#[test]
fn include_depth_is_bounded() {
    let mut loader = MemoryLoader::new();
    for i in 0..40 {
        loader = loader.with(
            &format!("f{i}.yaml"),
            &format!("steps:\n  - include: f{}.yaml\n", i + 1),
        );
    }
    let diags =
        load_scenario("s.yaml", &scenario_with("  - include: f0.yaml\n"), &loader).unwrap_err();
    assert_eq!(diags.len(), 1);
    assert!(diags[0].message.contains("nested at most 16 deep"));
}

/// Fragments that each include the next one many times would multiply into
/// millions of steps: loading stops at MAX_INCLUDED_STEPS with one
/// diagnostic instead of exhausting memory.
#[test]
fn include_fan_out_is_bounded_and_reported_once() {
    let mut loader = MemoryLoader::new().with("f0.yaml", "steps:\n  - power: \"on\"\n");
    for level in 1..=6 {
        let includes: String = (0..20)
            .map(|_| format!("  - include: f{}.yaml\n", level - 1))
            .collect();
        loader = loader.with(&format!("f{level}.yaml"), &format!("steps:\n{includes}"));
    }
    let text = scenario_with("  - include: f6.yaml\n");
    let diags = load_scenario("s.yaml", &text, &loader).unwrap_err();
    let budget: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains(&MAX_INCLUDED_STEPS.to_string()))
        .collect();
    assert_eq!(budget.len(), 1, "{diags:#?}");
}
