//! JSON Schema (draft 2020-12) of scenario files, fragments and the
//! requirement catalogue, for editors (yaml-language-server) and
//! `myna-conform schema`. The file shape comes from [`crate::keys`]; each
//! step's schema from its family ([`StepSyntax::step_schema`]), so the
//! schema describes exactly the vocabulary the loader reads.
//!
//! Accepts what the tool accepts: a scalar where a list may be written
//! (`requirements: X`), and YAML scalars the loader keeps as text even
//! where a YAML 1.2 loader types them as numbers or booleans. Every key has
//! a description; no enum repeats an item (strict validators reject that).

use serde_json::{json, Map, Value};

use crate::keys::{
    names, FRAGMENT_KEYS, INCLUDE, LEVELS, REQUIREMENT_KEYS, SCENARIO_KEYS, STEP_MODIFIERS,
};
use crate::shape::{enum_description, text_schema};
use crate::step::MAX_REPEAT;
use crate::syntax::{Doc, StepSyntax};
use crate::vocabulary::Vocabulary;

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn doc(table: &[Doc], name: &str) -> &'static str {
    table.iter().find(|d| d.name == name).map_or("", |d| d.doc)
}

/// A string, or a list of them, each matching `item`.
fn one_or_many(item: Value, description: &str, min_items: usize) -> Value {
    json!({
        "anyOf": [
            item.clone(),
            { "type": "array", "items": item, "minItems": min_items }
        ],
        "description": description
    })
}

fn level_schema(description: &str) -> Value {
    json!({
        "enum": LEVELS.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        "description": description
    })
}

fn vars_schema(description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": {
            "anyOf": [
                text_schema("the variable's value; may refer to earlier variables"),
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["value"],
                    "properties": {
                        "value": text_schema("the variable's value"),
                        "secret": { "type": "boolean", "description": "never shown in any output" }
                    }
                }
            ]
        }
    })
}

/// The schema of one step of `family` whose action key is `keyword`.
fn step_schema(family: &dyn StepSyntax, keyword: &Doc) -> Value {
    let parts = family.step_schema(keyword.name);
    let mut properties = Map::new();
    properties.insert(keyword.name.to_string(), parts.action);
    properties.insert(
        "name".into(),
        json!({ "type": ["string", "number"], "description": doc(STEP_MODIFIERS, "name") }),
    );
    properties.insert(
        "repeat".into(),
        json!({
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_REPEAT,
            "description": doc(STEP_MODIFIERS, "repeat")
        }),
    );
    properties.insert("level".into(), level_schema(doc(STEP_MODIFIERS, "level")));
    if let Some(expect) = parts.expect {
        properties.insert("expect".into(), expect);
    }
    if let Some(capture) = parts.capture {
        properties.insert("capture".into(), capture);
    }
    json!({
        "type": "object",
        "title": format!("{} step `{}`", family.family(), keyword.name),
        "description": keyword.doc,
        "additionalProperties": false,
        "required": [keyword.name],
        "properties": properties
    })
}

/// `$defs` shared by the scenario and fragment schemas: one entry per step
/// keyword of every family, the include step, and `step`, any of them.
fn step_defs(vocabulary: &Vocabulary<'_>) -> Map<String, Value> {
    let mut defs = Map::new();
    let mut any_step = vec![json!({ "$ref": "#/$defs/include" })];
    defs.insert(
        "include".into(),
        json!({
            "type": "object",
            "title": "include step",
            "description": INCLUDE.doc,
            "additionalProperties": false,
            "required": [INCLUDE.name],
            "properties": {
                INCLUDE.name: { "type": "string", "description": INCLUDE.doc }
            }
        }),
    );
    for family in vocabulary.families() {
        for keyword in family.keywords() {
            let name = format!("{}.{}", family.family(), keyword.name);
            any_step.push(json!({ "$ref": format!("#/$defs/{name}") }));
            defs.insert(name, step_schema(*family, keyword));
        }
    }
    defs.insert(
        "step".into(),
        json!({
            "description": "one action key (a step keyword of some family, or `include`) plus modifiers",
            "anyOf": any_step
        }),
    );
    defs
}

fn steps_schema(description: &str, min_items: usize) -> Value {
    json!({
        "type": "array",
        "minItems": min_items,
        "items": { "$ref": "#/$defs/step" },
        "description": description
    })
}

/// The schema of a `capture:` map whose sources are `source` (the same
/// shape for every family: `{ var: source }` or `{ var: { from: source,
/// secret: true } }`, read with `secret_entries`).
pub fn capture_schema(source: Value) -> Value {
    json!({
        "type": "object",
        "description": "values to keep for later steps: `{ var: source }` or `{ var: { from: source, secret: true } }`",
        "additionalProperties": {
            "anyOf": [
                source.clone(),
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["from"],
                    "properties": {
                        "from": source,
                        "secret": { "type": "boolean", "description": "never shown in any output" }
                    }
                }
            ]
        }
    })
}

/// The JSON Schema of a scenario file.
pub fn scenario_schema(vocabulary: &Vocabulary<'_>) -> Value {
    let families: Vec<&str> = vocabulary.names();
    let capabilities: Vec<Doc> = vocabulary
        .families()
        .iter()
        .flat_map(|f| f.capabilities().iter().copied())
        .collect();
    let d = |name| doc(SCENARIO_KEYS, name);
    let requirement_id = json!({
        "type": "string",
        "pattern": "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$",
        "description": "a requirement id from the catalogue"
    });
    let capability = json!({
        "enum": names(&capabilities),
        "description": enum_description("a capability", &capabilities)
    });
    let properties = json!({
        "id": { "type": "string", "pattern": "^[a-z0-9-]+(\\.[a-z0-9-]+)+$", "description": d("id") },
        "title": { "type": ["string", "number"], "description": d("title") },
        "family": { "enum": families, "description": d("family") },
        "requirements": one_or_many(requirement_id, d("requirements"), 1),
        "level": level_schema(d("level")),
        "tags": one_or_many(json!({ "type": ["string", "number"], "description": "a tag" }), d("tags"), 0),
        "applies_if": one_or_many(capability, d("applies_if"), 0),
        "persona": { "type": "string", "pattern": "^[a-z0-9_-]+$", "description": d("persona") },
        "vars": vars_schema(d("vars")),
        "steps": steps_schema(d("steps"), 1),
        "finally": steps_schema(d("finally"), 0)
    });
    json!({
        "$schema": DRAFT,
        "$id": "https://myna-conform.invalid/schema/scenario.json",
        "title": "myna-conform scenario",
        "description": "one scenario: a header, variables and steps (docs/scenario-format.md)",
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "title", "requirements", "steps"],
        "properties": properties,
        "$defs": step_defs(vocabulary)
    })
}

/// The JSON Schema of a fragment file (`steps` and optional `vars`).
pub fn fragment_schema(vocabulary: &Vocabulary<'_>) -> Value {
    json!({
        "$schema": DRAFT,
        "$id": "https://myna-conform.invalid/schema/fragment.json",
        "title": "myna-conform scenario fragment",
        "description": "steps (and variables) that scenarios include with `include:`",
        "type": "object",
        "additionalProperties": false,
        "required": ["steps"],
        "properties": {
            "steps": steps_schema(doc(FRAGMENT_KEYS, "steps"), 1),
            "vars": vars_schema(doc(FRAGMENT_KEYS, "vars"))
        },
        "$defs": step_defs(vocabulary)
    })
}

/// The JSON Schema of the requirement catalogue (`scenarios/requirements.yaml`).
pub fn requirements_schema() -> Value {
    let d = |name| doc(REQUIREMENT_KEYS, name);
    let date = |description: &str| json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": description });
    json!({
        "$schema": DRAFT,
        "$id": "https://myna-conform.invalid/schema/requirements.json",
        "title": "myna-conform requirement catalogue",
        "description": "the requirements scenarios cite, each with its source",
        "type": "array",
        "items": {
            "type": "object",
            "description": "one requirement",
            "additionalProperties": false,
            "required": ["id", "text", "level", "family", "source"],
            "properties": {
                "id": { "type": "string", "pattern": "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", "description": d("id") },
                "text": { "type": "string", "description": d("text") },
                "level": level_schema(d("level")),
                "family": { "type": "string", "pattern": "^[a-z0-9-]+$", "description": d("family") },
                "source": { "type": "string", "pattern": "^(seed|spec):", "description": d("source") },
                "since": date(d("since")),
                "until": date(d("until"))
            }
        }
    })
}

/// Problems a strict validator or an editor would have with `schema`: an
/// enum that repeats an item, a property without a description. Used by
/// the tests of every crate that contributes to the schema.
pub fn schema_problems(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    walk(schema, "#", &mut problems);
    problems
}

fn walk(value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("enum") {
                for (i, item) in items.iter().enumerate() {
                    if items.iter().take(i).any(|earlier| earlier == item) {
                        problems.push(format!("{path}/enum repeats {item}"));
                    }
                }
            }
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (key, property) in properties {
                    let described = property
                        .get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.trim().is_empty());
                    if !described {
                        problems.push(format!("{path}/properties/{key} has no description"));
                    }
                }
            }
            for (key, child) in map {
                walk(child, &format!("{path}/{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}/{i}"), problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_problem_walker_finds_repeats_and_missing_descriptions() {
        let bad = json!({
            "properties": {
                "a": { "enum": ["pin", "x", "pin"], "description": "a" },
                "b": { "type": "string" }
            }
        });
        assert_eq!(
            schema_problems(&bad),
            [
                "#/properties/b has no description",
                "#/properties/a/enum repeats \"pin\""
            ]
        );
    }

    #[test]
    fn the_catalogue_schema_is_clean() {
        assert_eq!(
            schema_problems(&requirements_schema()),
            Vec::<String>::new()
        );
    }
}
