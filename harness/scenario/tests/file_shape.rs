//! The file shape with test-only families: every author mistake found at
//! load time, located, all at once, whatever the family.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::*;
use myna_scenario::*;

fn messages(problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|(l, c, m, _)| format!("{l}:{c}: {m}"))
        .collect()
}

#[test]
fn every_variable_must_be_defined_where_it_is_used() {
    let text = demo(concat!(
        "  - say: \"${early}\"\n",
        "  - take: early\n",
        "  - say: \"${early} ${demo.greeting} ${demo.greting} ${v}\"\n",
        "finally:\n",
        "  - say: \"${early} ${late}\"\n",
        "  - take: late\n",
    ))
    .replace("steps:", "vars: { v: \"${demo.greeting}\" }\nsteps:");
    let problems = load(&text).unwrap_err();
    assert_eq!(
        messages(&problems),
        [
            "6:10: expected a variable defined at this point, found `${early}`",
            "8:10: expected a variable defined at this point, found `${demo.greting}`",
            "10:10: expected a variable defined at this point, found `${late}`",
        ]
    );
    assert_eq!(
        problems[0].3.as_deref(),
        Some("`early` is only captured later, at s.yaml:7:11; a step sees the captures of earlier steps")
    );
    assert_eq!(
        problems[1].3.as_deref(),
        Some("did you mean `demo.greeting`?")
    );
}

#[test]
fn a_builtin_variable_needs_a_step_of_its_family() {
    // `other` needs `demo`, so demo's variables are defined for it too.
    let ok =
        "id: other.t.x\ntitle: t\nrequirements: [OTHER-T]\nsteps:\n  - ask: \"${demo.greeting}\"\n";
    let scenario = load(ok).unwrap();
    assert_eq!(scenario.families, ["demo", "other"]);
    assert_eq!(scenario.family, "other");
    assert_eq!(scenario.steps[0].family, "other");
    let text =
        "id: demo.t.x\ntitle: t\nrequirements: [DEMO-T]\nsteps:\n  - say: \"${demo.greeting}\"\n";
    assert_eq!(load(text).unwrap().families, ["demo"]);
}

#[test]
fn an_invalid_id_or_family_hides_no_step_problem() {
    let text = "id: Demo.Bad\ntitle: t\nrequirements: [DEMO-T]\nsteps:\n  - sya: hi\n  - say: \"${nope}\"\n";
    let found = messages(&load(text).unwrap_err());
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("1:5: expected a dotted lowercase id"));
    assert!(found[1].starts_with("5:5: expected one of the keys `say`, `take`, `ask`"));
    assert!(
        found[2].starts_with("6:10: expected a variable defined"),
        "{found:?}"
    );
    let text = "id: demos.x.y\ntitle: t\nrequirements: [DEMO-T]\nsteps:\n  - say: \"${nope}\"\n";
    let problems = load(text).unwrap_err();
    assert_eq!(
        messages(&problems),
        [
            "1:5: expected an id starting with a registered family (`demo`, `other`), found `demos`",
            "5:10: expected a variable defined at this point, found `${nope}`",
        ]
    );
    assert_eq!(problems[0].3.as_deref(), Some("did you mean `demo`?"));
    let text = "id: x.y\nfamily: dmeo\ntitle: t\nrequirements: [DEMO-T]\nsteps: [{ say: hi }]\n";
    let problems = load(text).unwrap_err();
    assert_eq!(
        messages(&problems),
        ["2:9: expected a registered family (`demo`, `other`), found `dmeo`"]
    );
}

#[test]
fn an_unknown_keyword_lists_the_scenarios_own_family_first() {
    let text = "id: other.t.x\ntitle: t\nrequirements: [OTHER-T]\nsteps:\n  - aks: x\n";
    let problems = load(text).unwrap_err();
    assert_eq!(
        messages(&problems),
        ["5:5: expected one of the keys `ask`, `say`, `take`, `include`, `name`, `repeat`, `expect`, `capture`, `level`, found `aks`"]
    );
    assert_eq!(problems[0].3.as_deref(), Some("did you mean `ask`?"));
}

#[test]
fn capabilities_must_exist_and_belong_to_a_family_in_use() {
    let text = demo("  - say: hi\n").replace(
        "steps:",
        "applies_if: [demo.lodu, other.ears, demo.loud]\nsteps:",
    );
    let problems = load(&text).unwrap_err();
    assert_eq!(
        messages(&problems),
        [
            "4:14: expected a capability a target can declare (`demo.loud`, `other.ears`), found `demo.lodu`",
            "4:25: expected a capability of a family this scenario uses (demo), found `other.ears` of family `other`",
        ]
    );
    assert_eq!(problems[0].3.as_deref(), Some("did you mean `demo.loud`?"));
}

#[test]
fn personas_are_checked_when_known() {
    let text = demo("  - say: hi\n").replace("steps:", "persona: tarro\nsteps:");
    let known = vec!["taro".to_string(), "kao".to_string()];
    let problems = load_with(&text, &NoIncludes, Some(&known), None).unwrap_err();
    assert_eq!(
        messages(&problems),
        ["4:10: expected a known persona (`taro`, `kao`), found `tarro`"]
    );
    assert_eq!(problems[0].3.as_deref(), Some("did you mean `taro`?"));
    assert!(load(&text).is_ok(), "unknown personas are not checked");
}

#[test]
fn fragment_variables_and_captures_count_from_the_include_on() {
    let loader = MemoryLoader::new().with(
        "f.yaml",
        "vars: { frag: x }\nsteps:\n  - take: inner\n  - say: \"${frag}\"\n",
    );
    let text = demo("  - include: f.yaml\n  - say: \"${inner} ${frag}\"\n");
    let scenario = load_with(&text, &loader, None, None).unwrap();
    assert_eq!(scenario.steps.len(), 3);
    assert_eq!(scenario.vars.len(), 1);
    let text = demo("  - say: \"${inner}\"\n  - include: f.yaml\n");
    let problems = load_with(&text, &loader, None, None).unwrap_err();
    assert_eq!(
        messages(&problems),
        ["5:10: expected a variable defined at this point, found `${inner}`"]
    );
}

#[test]
fn a_family_reads_its_own_modifiers() {
    let problems = load(&demo("  - say: hi\n    expect: { x: 1 }\n    repeat: 0\n")).unwrap_err();
    assert_eq!(
        messages(&problems),
        [
            "5:5: expected no `expect` on a demo step, found one",
            "7:13: expected a repeat count (an integer from 1 to 10000), found `0`",
        ]
    );
}

#[test]
fn families_that_do_not_fit_are_refused() {
    struct Clash;
    impl StepSyntax for Clash {
        fn family(&self) -> &'static str {
            "clash"
        }
        fn keywords(&self) -> &'static [Doc] {
            &[Doc {
                name: "say",
                doc: "also says",
            }]
        }
        fn capabilities(&self) -> &'static [Doc] {
            &[]
        }
        fn builtin_vars(&self) -> &'static [VarDoc] {
            &[]
        }
        fn parser(&self) -> Box<dyn StepParser> {
            Demo.parser()
        }
        fn step_schema(&self, keyword: &str) -> StepSchema {
            Demo.step_schema(keyword)
        }
    }
    assert_eq!(
        Vocabulary::new(vec![&Demo, &Clash]).err().as_deref(),
        Some("step keyword `say` belongs to both `demo` and `clash`")
    );
    assert!(Vocabulary::new(vec![&Demo, &Demo]).is_err());
}

#[test]
fn the_assembled_schema_is_clean_and_names_every_step() {
    let vocabulary = Vocabulary::new(vec![&Demo, &Other]).unwrap();
    for schema in [scenario_schema(&vocabulary), fragment_schema(&vocabulary)] {
        assert_eq!(schema_problems(&schema), Vec::<String>::new());
        let steps = schema["$defs"]["step"]["anyOf"].as_array().unwrap();
        assert_eq!(steps.len(), 4, "include, say, take, ask");
    }
    let scenario = scenario_schema(&vocabulary);
    assert_eq!(
        scenario["properties"]["family"]["enum"],
        serde_json::json!(["demo", "other"])
    );
}
