//! JSON Schema of `oqs` steps, from the shapes the parser reads them with.

use myna_scenario::{enum_description, shape_schema, text_schema, Field, Shape, StepSchema};
use serde_json::{json, Map, Value};

use crate::vocabulary::{control_fields, is_control, keywords, EXPECT_KEYS, LOOKUP, MATCHERS, RAW};

fn fields_of(keyword: &str) -> &'static [Field] {
    match keyword {
        "lookup" => LOOKUP,
        "raw" => RAW,
        control => control_fields(control),
    }
}

/// The JSON Schema of one matcher (a value compared as text, `null` for
/// absent, or an object of [`MATCHERS`] operators), with `description`;
/// the `portal` family's expectations use it too.
pub fn matcher_schema(description: &str) -> Value {
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
            {
                "type": "object",
                "additionalProperties": false,
                "properties": ops,
                "description": enum_description("a matcher", MATCHERS)
            }
        ]
    })
}

fn expect_schema() -> Value {
    let mut properties = Map::new();
    for key in EXPECT_KEYS {
        let schema = match key.name {
            "timeout" => json!({ "type": "boolean", "description": key.doc }),
            "result" => {
                // The top-level names of the wire type's result fields
                // (myna_oqs::wire::result_fields); nested ones are checked
                // by `check`.
                let names: Vec<&str> = myna_oqs::wire::result_fields()
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect();
                let fields = json!({
                    "type": "object",
                    "propertyNames": {
                        "pattern": format!("^({})(\\..+)?$", names.join("|")),
                        "description": "a field of ResultOfQualificationConfirmation, dotted for nested fields"
                    },
                    "additionalProperties": matcher_schema("a result field's matcher"),
                    "description": "result field (dotted path for nested fields) → matcher"
                });
                json!({
                    "description": key.doc,
                    "anyOf": [fields.clone(), { "type": "array", "items": fields }]
                })
            }
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
        "description": "expectations on the answer; without `expect` a step needs HTTP 200",
        "additionalProperties": false,
        "properties": properties
    })
}

fn capture_schema() -> Value {
    myna_scenario::capture_schema(json!({
        "type": "string",
        "pattern": "^(status|/.*)$",
        "description": "`status` or a JSON pointer into the answer"
    }))
}

/// The schema of an `oqs` step whose action key is `keyword`.
pub fn step_schema(keyword: &str) -> StepSchema {
    let doc = keywords()
        .iter()
        .find(|k| k.name == keyword)
        .map_or("", |k| k.doc);
    let description = if is_control(keyword) {
        format!("{doc} (needs `oqs.control`)")
    } else {
        doc.to_owned()
    };
    StepSchema {
        action: shape_schema(&Shape::Object(fields_of(keyword)), &description),
        expect: Some(expect_schema()),
        capture: Some(capture_schema()),
    }
}
