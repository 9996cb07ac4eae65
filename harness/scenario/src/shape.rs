//! Declarative shapes of JSON-like step bodies: one table per body gives
//! both its parse (located diagnostics through [`ParseCtx`], every problem
//! at once) and its JSON Schema, so the two cannot drift. For families whose
//! steps carry structured data to a target (the eligibility service's
//! control commands, HTTP bodies).
//!
//! A parsed body is a [`serde_json::Value`] whose strings may hold `${…}`
//! templates (recorded for the loader's variable check); the family fills
//! them in at run time and deserializes its wire types from the result.
//! YAML scalars are typed by the shape, not by their look: a [`Shape::Text`]
//! field written `2` is the string `"2"`, a [`Shape::Int`] field written
//! `"10"` is the number 10.

use serde_json::{json, Map, Value};

use crate::parse_ctx::ParseCtx;
use crate::syntax::Doc;
use crate::yaml::{Node, NodeKind};

/// The shape of a value.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// A scalar kept as text (`${…}` allowed).
    Text,
    /// A whole number in `min..=max`.
    Int {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// `true` or `false`.
    Bool,
    /// One of these names.
    Enum(&'static [Doc]),
    /// A map with these fields (no others).
    Object(&'static [Field]),
    /// A list of values of this shape.
    List(&'static Shape),
    /// Any JSON-like value, as written ([`ParseCtx::json`]).
    Any,
    /// The first of these whose kind (scalar, map, list) matches the node.
    OneOf(&'static [Shape]),
}

/// A field of a [`Shape::Object`].
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Its value's shape.
    pub shape: Shape,
    /// Whether it must be written.
    pub required: bool,
    /// One line for people.
    pub doc: &'static str,
    /// A value given to it is secret (a PIN): parsed under
    /// [`ParseCtx::secretly`], so no diagnostic quotes it or shows its line.
    pub secret: bool,
}

impl Field {
    /// The same field, its value secret.
    pub const fn secret(mut self) -> Field {
        self.secret = true;
        self
    }

    /// A required field.
    pub const fn required(name: &'static str, shape: Shape, doc: &'static str) -> Field {
        Field {
            name,
            shape,
            required: true,
            doc,
            secret: false,
        }
    }

    /// An optional field.
    pub const fn optional(name: &'static str, shape: Shape, doc: &'static str) -> Field {
        Field {
            name,
            shape,
            required: false,
            doc,
            secret: false,
        }
    }
}

/// Which YAML kinds a shape accepts.
fn accepts(shape: &Shape, node: &Node) -> bool {
    match (shape, &node.kind) {
        (Shape::Any, _) => true,
        (Shape::Object(_), NodeKind::Map(_) | NodeKind::Null) => true,
        (Shape::List(_), NodeKind::Seq(_)) => true,
        (
            Shape::Text | Shape::Int { .. } | Shape::Bool | Shape::Enum(_),
            NodeKind::Scalar { .. },
        ) => true,
        (Shape::OneOf(shapes), _) => shapes.iter().any(|s| accepts(s, node)),
        _ => false,
    }
}

/// What a shape is called in "expected …" messages.
fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Text => "text".into(),
        Shape::Int { min, max } => format!("an integer from {min} to {max}"),
        Shape::Bool => "`true` or `false`".into(),
        Shape::Enum(names) => format!(
            "one of {}",
            names
                .iter()
                .map(|d| format!("`{}`", d.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Shape::Object(fields) => format!(
            "a map {{ {} }}",
            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
        ),
        Shape::List(item) => format!("a list of {}", describe(item)),
        Shape::Any => "a value".into(),
        Shape::OneOf(shapes) => shapes.iter().map(describe).collect::<Vec<_>>().join(" or "),
    }
}

impl ParseCtx {
    /// `node` read as `shape`; every problem is reported, and `None` comes
    /// back when any was.
    pub fn shaped(&mut self, node: &Node, shape: &Shape) -> Option<Value> {
        let before = self.problems();
        let value = self.shape_value(node, shape);
        (self.problems() == before).then_some(value).flatten()
    }

    fn shape_value(&mut self, node: &Node, shape: &Shape) -> Option<Value> {
        match shape {
            Shape::Text => {
                self.template(node, "text")?;
                node.as_str().map(|text| Value::String(text.to_string()))
            }
            Shape::Int { min, max } => self
                .int(node, "a whole number", *min, *max)
                .map(Value::from),
            Shape::Bool => self.bool(node).map(Value::Bool),
            Shape::Enum(names) => self.choice_doc(node, "a value", names).map(Value::from),
            Shape::Object(fields) => self.object(node, fields),
            Shape::List(item) => {
                let items = self.list(node, &describe(shape), false)?;
                let values: Vec<Option<Value>> = items
                    .into_iter()
                    .map(|i| self.shape_value(i, item))
                    .collect();
                values
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array)
            }
            Shape::Any => Some(self.json(node)),
            Shape::OneOf(shapes) => match shapes.iter().find(|s| accepts(s, node)) {
                Some(shape) => self.shape_value(node, shape),
                None => {
                    self.expected(node, &describe(shape));
                    None
                }
            },
        }
    }

    fn object(&mut self, node: &Node, fields: &'static [Field]) -> Option<Value> {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let what = describe(&Shape::Object(fields));
        let entries = self.map(node, &what, &names, true)?;
        let mut out = Map::new();
        let mut ok = true;
        for field in fields {
            match entries.get(field.name) {
                Some(value) => match if field.secret {
                    self.secretly(|cx| cx.shape_value(value, &field.shape))
                } else {
                    self.shape_value(value, &field.shape)
                } {
                    Some(value) => {
                        out.insert(field.name.to_string(), value);
                    }
                    None => ok = false,
                },
                None if field.required => {
                    self.missing(node, field.name, field.doc);
                    ok = false;
                }
                None => {}
            }
        }
        ok.then_some(Value::Object(out))
    }
}

/// Text as YAML loaders type it: a scalar the tool keeps as text may be a
/// number or a boolean to a YAML 1.2 loader (`sex: 2`).
pub fn text_schema(description: &str) -> Value {
    json!({ "type": ["string", "number", "boolean"], "description": description })
}

/// The JSON Schema (draft 2020-12) of `shape`, with `description`.
pub fn shape_schema(shape: &Shape, description: &str) -> Value {
    match shape {
        Shape::Text => text_schema(description),
        Shape::Int { min, max } => json!({
            "type": "integer",
            "minimum": min,
            "maximum": max,
            "description": description
        }),
        Shape::Bool => json!({ "type": "boolean", "description": description }),
        Shape::Enum(names) => json!({
            "enum": names.iter().map(|d| d.name).collect::<Vec<_>>(),
            "description": enum_description(description, names)
        }),
        Shape::Object(fields) => {
            let mut properties = Map::new();
            for field in *fields {
                properties.insert(
                    field.name.to_string(),
                    shape_schema(&field.shape, field.doc),
                );
            }
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect();
            let mut schema = json!({
                "type": if required.is_empty() { json!(["object", "null"]) } else { json!("object") },
                "additionalProperties": false,
                "properties": properties,
                "description": description
            });
            if !required.is_empty() {
                schema["required"] = json!(required);
            }
            schema
        }
        Shape::List(item) => json!({
            "type": "array",
            "items": shape_schema(item, description),
            "description": description
        }),
        Shape::Any => json!({ "description": description }),
        Shape::OneOf(shapes) => json!({
            "anyOf": shapes.iter().map(|s| shape_schema(s, description)).collect::<Vec<_>>(),
            "description": description
        }),
    }
}

/// `description`, then each name with its doc.
pub fn enum_description(description: &str, names: &[Doc]) -> String {
    let listed = names
        .iter()
        .map(|d| format!("`{}`: {}", d.name, d.doc))
        .collect::<Vec<_>>()
        .join("; ");
    format!("{description} ({listed})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    const COLOURS: &[Doc] = &[
        Doc {
            name: "red",
            doc: "warm",
        },
        Doc {
            name: "blue",
            doc: "cold",
        },
    ];
    const INNER: &[Field] = &[Field::required(
        "n",
        Shape::Int { min: 1, max: 9 },
        "a digit",
    )];
    const OUTER: &[Field] = &[
        Field::required("name", Shape::Text, "a name"),
        Field::optional("colour", Shape::Enum(COLOURS), "a colour"),
        Field::optional("inner", Shape::Object(INNER), "nested"),
        Field::optional("list", Shape::List(&Shape::Bool), "flags"),
    ];

    fn read(text: &str) -> (Option<Value>, Vec<String>) {
        let mut ctx = ParseCtx::new("s.yaml");
        let node = parse(ctx.file(), text).unwrap();
        let value = ctx.shaped(&node, &Shape::Object(OUTER));
        let messages = ctx.diags.iter().map(|d| d.to_string()).collect();
        (value, messages)
    }

    #[test]
    fn scalars_are_typed_by_the_shape() {
        let (value, problems) = read("{ name: 2, colour: red, inner: { n: '3' }, list: [true] }");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            value,
            Some(json!({ "name": "2", "colour": "red", "inner": { "n": 3 }, "list": [true] }))
        );
    }

    #[test]
    fn every_problem_is_reported_where_it_is() {
        let (value, problems) = read("{ nmae: x, colour: rde, inner: { n: 10 }, list: [maybe] }");
        assert_eq!(value, None);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("s.yaml:1:3: expected one of the keys `name`"));
        assert!(problems
            .iter()
            .any(|p| p.contains("expected key `name` (a name), found none")));
        assert!(problems.iter().any(|p| p.contains("found `rde`")));
        assert!(problems
            .iter()
            .any(|p| p.contains("from 1 to 9), found `10`")));
        assert!(problems.iter().any(|p| p.contains("found `maybe`")));
    }

    #[test]
    fn schemas_describe_every_field() {
        let schema = shape_schema(&Shape::Object(OUTER), "the body");
        assert_eq!(schema["required"], json!(["name"]));
        assert_eq!(
            schema["properties"]["colour"]["enum"],
            json!(["red", "blue"])
        );
        assert_eq!(
            schema["properties"]["inner"]["properties"]["n"]["maximum"],
            9
        );
        for (_, field) in schema["properties"].as_object().unwrap() {
            assert!(field["description"].is_string());
        }
    }
}
