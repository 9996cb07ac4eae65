//! JSON Schema (draft-07) of scenario and fragment files, for editors
//! (yaml-language-server) and `myna-conform schema`. Built from the tables
//! in [`crate::vocabulary`], the same ones the loader checks against.
//!
//! Editors type YAML scalars (`9000` is a number, `"9000"` a string) while
//! the loader keeps the text as written, so hex fields accept numbers too.

use serde_json::{json, Map, Value};

use crate::names::{app_by_name, ef_names};
use crate::vocabulary::{
    APP_NAMES, CARD_ACTIONS, EKU_NAMES, EXPECT_KEYS, FAMILIES, HASHES, INCLUDE_KEY,
    KEY_USAGE_NAMES, LEVELS, POWER_ACTIONS, READ_STRATEGIES, SCHEMES,
};

fn names<T>(table: &[(&str, T)]) -> Vec<Value> {
    table.iter().map(|(name, _)| json!(name)).collect()
}

/// Hex text, spaces free, `${…}` allowed (a number when YAML types it so).
fn hex() -> Value {
    json!({
        "type": ["string", "number"],
        "pattern": "^([0-9A-Fa-f\\s]|\\$\\{[^}]*\\})*$",
        "description": "hex digits, spaces free, ${name} allowed"
    })
}

fn template(description: &str) -> Value {
    json!({ "type": ["string", "number"], "description": description })
}

/// P1/P2: hex digits (`80`), also as YAML reads them unquoted.
fn param_byte() -> Value {
    json!({
        "type": ["string", "integer"],
        "pattern": "^(0[xX])?[0-9A-Fa-f]{1,2}$",
        "description": "one byte as 1 or 2 hex digits (`p2: 80` is 0x80)"
    })
}

fn hash_input() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["hash", "message"],
        "properties": {
            "hash": { "enum": names(HASHES) },
            "message": hex()
        }
    })
}

fn len_range() -> Value {
    json!({
        "anyOf": [
            { "type": "integer", "minimum": 0 },
            {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": {
                    "min": { "type": "integer", "minimum": 0 },
                    "max": { "type": "integer", "minimum": 0 }
                }
            }
        ]
    })
}

/// The schema of the value of card action `key`; `None` for a key the
/// table lists but this function forgot (a test guards against it).
pub(crate) fn card_action_schema(key: &str) -> Option<Value> {
    let ef_names: Vec<Value> = APP_NAMES
        .iter()
        .filter_map(|name| app_by_name(name))
        .flat_map(|app| ef_names(app).iter().map(|(name, _)| json!(name)))
        .collect();
    Some(match key {
        "apdu" => hex(),
        "select" => json!({
            "anyOf": [
                { "enum": APP_NAMES },
                { "type": "string", "pattern": "^(\\s*[0-9A-Fa-f]{2}){5,16}\\s*$" }
            ]
        }),
        "select_ef" => json!({
            "anyOf": [
                { "enum": ef_names },
                { "type": ["string", "integer"], "pattern": "^[0-9A-Fa-f]{4}$" }
            ]
        }),
        "verify" => json!({
            "type": ["object", "null"],
            "additionalProperties": false,
            "properties": { "pin": template("the PIN (secret)"), "p2": param_byte() }
        }),
        "change_pin" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["new"],
            "properties": { "new": template("the new PIN (secret)") }
        }),
        "read_binary" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["le"],
            "properties": {
                "offset": { "type": "integer", "minimum": 0, "maximum": 32767 },
                "le": { "type": "integer", "minimum": 0, "maximum": 65536 },
                "extended": { "type": "boolean" }
            }
        }),
        "read_file" => json!({
            "type": ["object", "null"],
            "additionalProperties": false,
            "properties": { "strategy": { "enum": names(READ_STRATEGIES) } }
        }),
        "sign" => json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "p1": param_byte(),
                "p2": param_byte(),
                "data": hex(),
                "digest_info": hash_input(),
                "hash": hash_input()
            },
            "oneOf": [
                { "required": ["data"] },
                { "required": ["digest_info"] },
                { "required": ["hash"] }
            ]
        }),
        "get_challenge" => json!({
            "type": ["object", "null"],
            "additionalProperties": false,
            "properties": { "le": { "type": "integer", "minimum": 1, "maximum": 256 } }
        }),
        "power" => json!({ "enum": names(POWER_ACTIONS) }),
        _ => return None,
    })
}

/// The schema of expectation `key` of a card step.
pub(crate) fn expect_key_schema(key: &str) -> Option<Value> {
    let sw = json!({
        "type": ["string", "integer"],
        "pattern": "^\\s*([0-9A-Fa-fXx]\\s*){4}$",
        "description": "4 hex digits, X = any nibble (63CX)"
    });
    let strings = |description: &str| json!({ "anyOf": [template(description), { "type": "array", "items": template(description) }] });
    Some(match key {
        "sw" => json!({ "anyOf": [sw.clone(), { "type": "array", "minItems": 1, "items": sw }] }),
        "data" | "data_prefix" => hex(),
        "data_len" => len_range(),
        "data_regex" => {
            json!({ "type": "string", "description": "regex over the data as uppercase hex" })
        }
        "tlv" => json!({
            "type": "object",
            "description": "BER-TLV path (FF20/DF22) → one check",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "hex": hex(),
                    "text": template("the value as UTF-8 text"),
                    "len": len_range(),
                    "present": { "type": "boolean" }
                }
            }
        }),
        "cert" => json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "subject_contains": strings("substring of the subject"),
                "issuer_contains": strings("substring of the issuer"),
                "serial": hex(),
                "eku": { "type": "array", "items": { "anyOf": [{ "enum": EKU_NAMES }, { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)+$" }] } },
                "key_usage": { "type": "array", "items": { "enum": KEY_USAGE_NAMES } },
                "key_bits": { "type": "integer", "minimum": 512 },
                "not_after": template("YYYY-MM-DDTHH:MM:SSZ"),
                "san_other_names": { "type": "array", "items": { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)+$" } }
            }
        }),
        "signature" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["cert", "message"],
            "properties": {
                "cert": hex(),
                "message": hex(),
                "hash": { "enum": names(HASHES) },
                "scheme": { "enum": names(SCHEMES) }
            }
        }),
        _ => return None,
    })
}

fn definitions() -> Value {
    let mut expect_properties = Map::new();
    for key in EXPECT_KEYS {
        expect_properties.insert(key.to_string(), expect_key_schema(key).unwrap_or(json!({})));
    }
    let capture = json!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                { "type": "string", "pattern": "^(data|sw|data\\[[0-9]+\\.\\.[0-9]+\\]|tlv:[0-9A-Fa-f]+(/[0-9A-Fa-f]+)*)$" },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["from"],
                    "properties": { "from": { "type": "string" }, "secret": { "type": "boolean" } }
                }
            ]
        }
    });
    let modifiers = json!({
        "name": { "type": "string", "description": "label in reports" },
        "repeat": { "type": "integer", "minimum": 1, "maximum": 10000, "description": "do the step N times (at most 10000)" },
        "level": { "enum": names(LEVELS) }
    });
    let mut card_properties = modifiers.as_object().cloned().unwrap_or_default();
    card_properties.insert("expect".into(), json!({ "$ref": "#/definitions/expect" }));
    card_properties.insert("capture".into(), json!({ "$ref": "#/definitions/capture" }));
    card_properties.insert(
        INCLUDE_KEY.into(),
        json!({ "type": "string", "description": "fragment file, relative to this file" }),
    );
    let mut one_action = vec![json!({ "required": [INCLUDE_KEY] })];
    for (key, summary) in CARD_ACTIONS {
        let mut schema = card_action_schema(key).unwrap_or(json!({}));
        if let Some(object) = schema.as_object_mut() {
            object.insert("description".into(), json!(summary));
        }
        card_properties.insert(key.to_string(), schema);
        one_action.push(json!({ "required": [key] }));
    }
    let mut generic_properties = modifiers.as_object().cloned().unwrap_or_default();
    generic_properties.insert(
        "expect".into(),
        json!({ "description": "expectations of the family's step" }),
    );
    generic_properties.insert("capture".into(), json!({ "type": "object" }));
    generic_properties.insert(INCLUDE_KEY.into(), json!({ "type": "string" }));
    json!({
        "expect": {
            "type": "object",
            "additionalProperties": false,
            "properties": expect_properties
        },
        "capture": capture,
        "cardStep": {
            "type": "object",
            "additionalProperties": false,
            "properties": card_properties,
            "oneOf": one_action
        },
        "genericStep": {
            "type": "object",
            "description": "a step of a non-card family: one keyword plus modifiers",
            "minProperties": 1,
            "properties": generic_properties,
            "additionalProperties": true
        },
        "vars": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    { "type": ["string", "number", "boolean"] },
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["value"],
                        "properties": { "value": { "type": ["string", "number"] }, "secret": { "type": "boolean" } }
                    }
                ]
            }
        }
    })
}

/// The JSON Schema of a scenario file.
pub fn scenario_schema() -> Value {
    let card_steps = json!({ "type": "array", "items": { "$ref": "#/definitions/cardStep" } });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://myna-conform.invalid/schema/scenario.json",
        "title": "myna-conform scenario",
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "title", "requirements", "steps"],
        "properties": {
            "id": { "type": "string", "pattern": "^[a-z0-9-]+(\\.[a-z0-9-]+)+$", "description": "unique dotted id; first segment = family" },
            "title": { "type": "string" },
            "family": { "enum": names(FAMILIES) },
            "requirements": {
                "type": "array",
                "minItems": 1,
                "items": { "type": "string", "pattern": "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$" }
            },
            "level": { "enum": names(LEVELS) },
            "tags": { "type": "array", "items": { "type": "string" } },
            "applies_if": { "type": "array", "items": { "type": "string" } },
            "persona": { "type": "string" },
            "vars": { "$ref": "#/definitions/vars" },
            "steps": { "type": "array", "minItems": 1, "items": { "$ref": "#/definitions/genericStep" } },
            "finally": { "type": "array", "items": { "$ref": "#/definitions/genericStep" } }
        },
        "if": {
            "anyOf": [
                { "required": ["family"], "properties": { "family": { "const": "card" } } },
                { "not": { "required": ["family"] }, "properties": { "id": { "pattern": "^card\\." } } }
            ]
        },
        "then": { "properties": { "steps": card_steps.clone(), "finally": card_steps } },
        "definitions": definitions()
    })
}

/// The JSON Schema of a fragment file (`steps` and optional `vars`).
pub fn fragment_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://myna-conform.invalid/schema/fragment.json",
        "title": "myna-conform scenario fragment",
        "type": "object",
        "additionalProperties": false,
        "required": ["steps"],
        "properties": {
            "vars": { "$ref": "#/definitions/vars" },
            "steps": {
                "type": "array",
                "minItems": 1,
                "items": { "anyOf": [{ "$ref": "#/definitions/cardStep" }, { "$ref": "#/definitions/genericStep" }] }
            }
        },
        "definitions": definitions()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::Ctx;
    use crate::generic::generic_value;
    use crate::vocabulary::{EXPECT_KEYS, SCENARIO_KEYS, STEP_MODIFIERS};
    use crate::yaml::parse;

    /// A small draft-07 validator for the keywords this schema uses.
    /// Returns the JSON-pointer-ish paths that fail.
    fn validate(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            return;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/definitions/");
            let target = &root["definitions"][name];
            assert!(!target.is_null(), "dangling $ref {reference}");
            validate(root, target, value, path, errors);
        }
        let mut fail = |why: &str| errors.push(format!("{path}: {why}"));
        if let Some(types) = schema.get("type") {
            let types: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let ok = types.iter().any(|t| match *t {
                "string" => value.is_string(),
                "number" => value.is_number(),
                "integer" => value.is_i64() || value.is_u64(),
                "boolean" => value.is_boolean(),
                "object" => value.is_object(),
                "array" => value.is_array(),
                "null" => value.is_null(),
                _ => false,
            });
            if !ok {
                fail(&format!("type {types:?}"));
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                fail("enum");
            }
        }
        if let Some(constant) = schema.get("const") {
            if constant != value {
                fail("const");
            }
        }
        if let (Some(pattern), Some(text)) = (
            schema.get("pattern").and_then(Value::as_str),
            value.as_str(),
        ) {
            if !regex::Regex::new(pattern).unwrap().is_match(text) {
                fail(&format!("pattern {pattern}"));
            }
        }
        if let (Some(min), Some(n)) = (
            schema.get("minimum").and_then(Value::as_f64),
            value.as_f64(),
        ) {
            if n < min {
                fail("minimum");
            }
        }
        if let (Some(max), Some(n)) = (
            schema.get("maximum").and_then(Value::as_f64),
            value.as_f64(),
        ) {
            if n > max {
                fail("maximum");
            }
        }
        if let Some(items) = value.as_array() {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                if (items.len() as u64) < min {
                    fail("minItems");
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(root, item_schema, item, &format!("{path}/{i}"), errors);
                }
            }
        }
        if let Some(object) = value.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !object.contains_key(required.as_str().unwrap_or_default()) {
                    errors.push(format!("{path}: required {required}"));
                }
            }
            if let Some(min) = schema.get("minProperties").and_then(Value::as_u64) {
                if (object.len() as u64) < min {
                    errors.push(format!("{path}: minProperties"));
                }
            }
            if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64) {
                if (object.len() as u64) > max {
                    errors.push(format!("{path}: maxProperties"));
                }
            }
            for (key, item) in object {
                let sub = format!("{path}/{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => validate(root, property, item, &sub, errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!("{sub}: not allowed")),
                        Some(extra @ Value::Object(_)) => validate(root, extra, item, &sub, errors),
                        _ => {}
                    },
                }
            }
        }
        let passes = |s: &Value| {
            let mut e = Vec::new();
            validate(root, s, value, path, &mut e);
            e.is_empty()
        };
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                validate(root, s, value, path, errors);
            }
        }
        if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
            if !any.iter().any(passes) {
                errors.push(format!("{path}: anyOf"));
            }
        }
        if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
            if one.iter().filter(|s| passes(s)).count() != 1 {
                errors.push(format!("{path}: oneOf"));
            }
        }
        if let Some(not) = schema.get("not") {
            if passes(not) {
                errors.push(format!("{path}: not"));
            }
        }
        if let Some(condition) = schema.get("if") {
            let branch = if passes(condition) {
                schema.get("then")
            } else {
                schema.get("else")
            };
            if let Some(branch) = branch {
                validate(root, branch, value, path, errors);
            }
        }
    }

    /// The fixture as editors see it: YAML typed like JSON.
    fn as_json(text: &str) -> Value {
        let mut ctx = Ctx::new("x.yaml");
        let node = parse(&ctx.file, text).unwrap();
        generic_value(&mut ctx, &node)
    }

    fn errors_of(schema: &Value, text: &str) -> Vec<String> {
        let mut errors = Vec::new();
        validate(schema, schema, &as_json(text), "", &mut errors);
        errors
    }

    fn fixtures() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut out = Vec::new();
        for sub in ["", "/fragments"] {
            for entry in std::fs::read_dir(format!("{dir}{sub}")).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
                    out.push((name, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        out
    }

    #[test]
    fn schema_lists_every_key_of_the_vocabulary() {
        let schema = scenario_schema();
        let top = schema["properties"].as_object().unwrap();
        let keys: Vec<&str> = top.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = SCENARIO_KEYS.to_vec();
        expected.sort();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort();
        assert_eq!(keys_sorted, expected);
        let step = schema["definitions"]["cardStep"]["properties"]
            .as_object()
            .unwrap();
        for (action, _) in CARD_ACTIONS {
            assert!(
                card_action_schema(action).is_some(),
                "no schema for action {action}"
            );
            assert!(step.contains_key(*action), "{action} missing from cardStep");
        }
        for modifier in STEP_MODIFIERS {
            assert!(step.contains_key(*modifier));
        }
        let expect = schema["definitions"]["expect"]["properties"]
            .as_object()
            .unwrap();
        for key in EXPECT_KEYS {
            assert!(
                expect_key_schema(key).is_some(),
                "no schema for expect key {key}"
            );
            assert!(expect.contains_key(*key));
        }
        assert_eq!(expect.len(), EXPECT_KEYS.len());
        assert_eq!(step.len(), CARD_ACTIONS.len() + STEP_MODIFIERS.len() + 1);
        // it is JSON that round-trips through text
        let text = serde_json::to_string_pretty(&schema).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), schema);
    }

    #[test]
    fn every_valid_fixture_validates() {
        let mut checked = 0;
        for (name, text) in fixtures() {
            if name.contains("malformed") {
                continue;
            }
            let schema = if name.starts_with("/fragments") {
                fragment_schema()
            } else {
                scenario_schema()
            };
            let errors = errors_of(&schema, &text);
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            checked += 1;
        }
        assert!(checked >= 4, "only {checked} fixtures checked");
    }

    #[test]
    fn schema_rejects_what_the_loader_rejects() {
        let schema = scenario_schema();
        let base = "id: card.a.b\ntitle: t\nrequirements: [A-B]\nsteps:\n";
        assert!(errors_of(&schema, &format!("{base}  - power: on\n")).is_empty());
        for bad_step in [
            "  - frobnicate: 1\n",
            "  - select: jpki\n    power: on\n",
            "  - power: sideways\n",
            "  - name: only\n",
            "  - apdu: 00\n    expect: { colour: red }\n",
            "  - read_binary: { offset: 0 }\n",
            "  - read_file: {}\n    capture: { x: dat }\n",
        ] {
            let errors = errors_of(&schema, &format!("{base}{bad_step}"));
            assert!(!errors.is_empty(), "schema accepted {bad_step:?}");
        }
        assert!(!errors_of(
            &schema,
            "id: card.a.b\ntitle: t\nrequirements: []\nsteps: [{power: on}]\n"
        )
        .is_empty());
        assert!(!errors_of(&schema, &format!("{base}  - power: on\ncolour: red\n")).is_empty());
        // non-card families keep any keyword
        let portal = "id: portal.a.b\ntitle: t\nrequirements: [A-B]\nsteps:\n  - frobnicate: { x: 1 }\n    expect: { anything: 2 }\n";
        assert!(errors_of(&schema, portal).is_empty());
    }
}
