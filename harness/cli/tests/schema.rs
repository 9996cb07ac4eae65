//! `myna-conform schema` accepts every committed scenario, fragment and the
//! catalogue, checked by a third-party validator (the `jsonschema` crate,
//! draft 2020-12) on the files as a YAML 1.2 loader (serde_yaml) types
//! them; the schemas repeat no enum item and describe every key; and the
//! schema rejects what `check` rejects (the eligibility typos).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use serde_json::Value;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

fn as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every validation error of `instance`, as `pointer: message`.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn schemas() -> (Value, Value, Value) {
    let families = families(&Targets::default());
    let vocabulary = myna_engine::vocabulary(&families).unwrap();
    (
        myna_scenario::scenario_schema(&vocabulary),
        myna_scenario::fragment_schema(&vocabulary),
        myna_scenario::requirements_schema(),
    )
}

#[test]
fn the_schemas_repeat_no_enum_item_and_describe_every_key() {
    let (scenario, fragment, requirements) = schemas();
    for schema in [&scenario, &fragment, &requirements] {
        assert_eq!(myna_scenario::schema_problems(schema), Vec::<String>::new());
        // Draft 2020-12, and valid against its meta-schema.
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert!(
            jsonschema::meta::is_valid(schema),
            "not a valid draft 2020-12 schema"
        );
    }
}

#[test]
fn every_committed_scenario_fragment_and_the_catalogue_validate() {
    common::enter_root().unwrap();
    let (scenario, fragment, requirements) = schemas();
    let scenario = jsonschema::validator_for(&scenario).unwrap();
    let fragment = jsonschema::validator_for(&fragment).unwrap();
    let requirements = jsonschema::validator_for(&requirements).unwrap();
    let mut files = Vec::new();
    yaml_files(Path::new("scenarios"), &mut files);
    yaml_files(Path::new("reports/sample/scenarios"), &mut files);
    let mut problems = Vec::new();
    let mut counts = (0, 0, 0);
    for path in &files {
        let instance = as_json(path);
        let shown = path.display().to_string();
        let (validator, count) = if shown.ends_with("requirements.yaml") {
            (&requirements, &mut counts.2)
        } else if shown.contains("/fragments/") {
            (&fragment, &mut counts.1)
        } else {
            (&scenario, &mut counts.0)
        };
        *count += 1;
        problems.extend(
            errors(validator, &instance)
                .into_iter()
                .map(|e| format!("{shown}{e}")),
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        counts.0 >= 140 && counts.1 >= 5 && counts.2 == 1,
        "{counts:?}"
    );
}

#[test]
fn the_schema_rejects_what_check_rejects() {
    common::enter_root().unwrap();
    let (scenario, _, _) = schemas();
    let validator = jsonschema::validator_for(&scenario).unwrap();
    let typos = as_json(Path::new("harness/cli/tests/fixtures/oqs-typos.yaml"));
    let found = errors(&validator, &typos);
    assert!(!found.is_empty());
    for step in ["/steps/0", "/steps/1", "/steps/2"] {
        assert!(
            found.iter().any(|e| e.starts_with(step)),
            "{step}: {found:#?}"
        );
    }
}
