//! JSON Schema of `portal` steps, from the shapes the parser reads them with.

use myna_scenario::{enum_description, shape_schema, text_schema, Shape, StepSchema};
use serde_json::{json, Map, Value};

use crate::vocabulary::{fields, EXPECT_KEYS, KEYWORDS, MATCHERS, OUTCOMES};

fn matcher(description: &str) -> Value {
    let mut ops = Map::new();
    for op in MATCHERS {
        let schema = match op.name {
            "present" => json!({ "type": "boolean", "description": op.doc }),
            "len" => json!({ "type": "integer", "minimum": 0, "description": op.doc }),
            "one_of" => {
                json!({ "type": "array", "items": text_schema("a value"), "description": op.doc })
            }
            _ => text_schema(op.doc),
        };
        ops.insert(op.name.to_string(), schema);
    }
    json!({
        "description": description,
        "anyOf": [
            text_schema("compared as text (`1` matches \"1\")"),
            { "type": "null", "description": "the value is absent" },
            { "type": "object", "additionalProperties": false, "properties": ops, "description": enum_description("a matcher", MATCHERS) }
        ]
    })
}

fn expect_schema(keyword: &str) -> Value {
    let mut properties = Map::new();
    for key in EXPECT_KEYS {
        let schema = match key.name {
            "outcome" if crate::parse::reads_card(keyword) => {
                shape_schema(&Shape::Enum(OUTCOMES), key.doc)
            }
            "tries_left" if crate::parse::reads_card(keyword) => {
                json!({ "type": "integer", "minimum": 0, "maximum": 15, "description": key.doc })
            }
            "outcome" | "tries_left" => continue,
            "json" => json!({
                "type": "object",
                "description": key.doc,
                "propertyNames": { "pattern": "^/" },
                "additionalProperties": matcher("the value's matcher")
            }),
            _ => matcher(key.doc),
        };
        properties.insert(key.name.to_string(), schema);
    }
    json!({
        "type": "object",
        "description": "expectations on the answer; without `expect` a step needs the documented success",
        "additionalProperties": false,
        "properties": properties
    })
}

/// The schema of a `portal` step whose action key is `keyword`.
pub fn step_schema(keyword: &str) -> StepSchema {
    let doc = KEYWORDS
        .iter()
        .find(|k| k.name == keyword)
        .map_or("", |k| k.doc);
    StepSchema {
        action: shape_schema(&Shape::Object(fields(keyword)), doc),
        expect: Some(expect_schema(keyword)),
        capture: Some(myna_scenario::capture_schema(json!({
            "type": "string",
            "pattern": "^(status|/.*)$",
            "description": "`status` or a JSON pointer into the answer"
        }))),
    }
}
