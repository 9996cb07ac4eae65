//! The control steps' vocabulary, derived from `myna_oqs::ControlCommand`:
//! its JSON Schema (`myna_oqs::control::control_schema`, schemars) gives
//! the keywords (one per `op`), every field with its doc, whether it is
//! required, its type and its range. So the command types are the one
//! table: a field added to `ControlCommand` is a step field at once, with
//! no mirror to keep equal.
//!
//! The parse and schema side wants `'static` tables ([`Shape`] holds
//! slices), so the derived tables are built once per process and leaked:
//! a few hundred short strings that live as long as the vocabulary does.

use std::sync::OnceLock;

use myna_scenario::{Doc, Field, Shape};
use serde_json::Value;

/// The control keywords and their fields.
struct Derived {
    keywords: Vec<Doc>,
    fields: Vec<(&'static str, &'static [Field])>,
}

fn derived() -> &'static Derived {
    static DERIVED: OnceLock<Derived> = OnceLock::new();
    DERIVED.get_or_init(|| derive(&myna_oqs::control::control_schema()))
}

/// The control keywords (`world`, `seed`, …), each documented by its
/// command's doc comment.
pub fn control_keywords() -> &'static [Doc] {
    &derived().keywords
}

/// The fields of control command `keyword` (none for an unknown one).
pub fn control_fields(keyword: &str) -> &'static [Field] {
    derived()
        .fields
        .iter()
        .find(|(k, _)| *k == keyword)
        .map_or(&[], |(_, fields)| fields)
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// A schema's description as one line: its first paragraph.
fn doc_of(schema: &Value) -> &'static str {
    let text = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let first = text.split("\n\n").next().unwrap_or_default();
    leak(&first.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn derive(root: &Value) -> Derived {
    let definitions = root.get("definitions").cloned().unwrap_or_default();
    let mut keywords = Vec::new();
    let mut fields = Vec::new();
    let variants = root
        .get("oneOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for variant in &variants {
        let Some(op) = variant
            .pointer("/properties/op/enum/0")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let op = leak(op);
        let doc = leak(&format!(
            "control: {}",
            doc_of(variant).trim_end_matches('.')
        ));
        keywords.push(Doc { name: op, doc });
        let object = object_fields(variant, &definitions, 0, &["op"]);
        fields.push((op, &*Box::leak(object.into_boxed_slice())));
    }
    Derived { keywords, fields }
}

/// The fields of an object schema, `skip` left out.
fn object_fields(schema: &Value, definitions: &Value, depth: usize, skip: &[&str]) -> Vec<Field> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .filter(|(name, _)| !skip.contains(&name.as_str()))
                .map(|(name, field)| Field {
                    name: leak(name),
                    shape: shape(field, definitions, depth + 1),
                    required: required.contains(&name.as_str()),
                    doc: doc_of(field),
                    secret: false,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bound of an integer schema, from its range or its format.
fn bound(schema: &Value, key: &str, fallback: u64) -> u64 {
    schema
        .get(key)
        .and_then(Value::as_f64)
        .filter(|v| *v >= 0.0)
        .map_or(fallback, |v| v as u64)
}

/// The [`Shape`] a JSON Schema (draft-07, as schemars writes it) describes.
fn shape(schema: &Value, definitions: &Value, depth: usize) -> Shape {
    let Some(schema) = myna_oqs::wire::resolve_schema(schema, definitions).filter(|_| depth <= 16)
    else {
        return Shape::Any;
    };
    // A unit enum: `oneOf` of documented string constants, or `enum`.
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let names: Option<Vec<Doc>> = options
            .iter()
            .map(|o| {
                let name = o.pointer("/enum/0").and_then(Value::as_str)?;
                Some(Doc {
                    name: leak(name),
                    doc: doc_of(o),
                })
            })
            .collect();
        if let Some(names) = names {
            return Shape::Enum(Box::leak(names.into_boxed_slice()));
        }
    }
    if let Some(names) = schema.get("enum").and_then(Value::as_array) {
        let docs: Vec<Doc> = names
            .iter()
            .filter_map(Value::as_str)
            .map(|n| Doc {
                name: leak(n),
                doc: "",
            })
            .collect();
        return Shape::Enum(Box::leak(docs.into_boxed_slice()));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = types.into_iter().find(|t| *t != "null").unwrap_or("");
    match kind {
        "string" => Shape::Text,
        "boolean" => Shape::Bool,
        "integer" => {
            let max = match schema.get("format").and_then(Value::as_str) {
                Some("uint32") => u64::from(u32::MAX),
                Some("int64") => i64::MAX as u64,
                Some("int32") => i32::MAX as u64,
                _ => u64::MAX,
            };
            Shape::Int {
                min: bound(schema, "minimum", 0),
                max: bound(schema, "maximum", max),
            }
        }
        "array" => match schema.get("items") {
            Some(items) => Shape::List(Box::leak(Box::new(shape(items, definitions, depth + 1)))),
            None => Shape::Any,
        },
        "object" => {
            let fields = object_fields(schema, definitions, depth, &[]);
            Shape::Object(Box::leak(fields.into_boxed_slice()))
        }
        _ => Shape::Any,
    }
}
