//! JSON Schema of `portal` steps, from the shapes the parser reads them with.

use myna_family_oqs::matcher_schema;
use myna_scenario::{shape_schema, Shape, StepSchema};
use serde_json::{json, Map, Value};

use crate::vocabulary::{fields, EXPECT_KEYS, KEYWORDS, OUTCOMES};

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
                "additionalProperties": matcher_schema("the value's matcher")
            }),
            _ => matcher_schema(key.doc),
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
