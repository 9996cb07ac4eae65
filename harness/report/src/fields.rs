//! [`Fields`]: the family's own fields of one evidence record, a small
//! map kept as a list sorted by name. A family's field names are constants,
//! so the engine fills a record without allocating a name or a tree node
//! for each field (every exchange of every step has one); a report read
//! back owns its names. Serialised as a JSON object, names in order, as a
//! `serde_json::Map` would be.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Named JSON values, names unique and in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(Vec<(Cow<'static, str>, Value)>);

impl Fields {
    /// No fields, room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Self {
        Fields(Vec::with_capacity(capacity))
    }

    /// Sets `name` to `value` (replacing a value of the same name).
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: Value) {
        let name = name.into();
        match self.0.binary_search_by(|(n, _)| n.as_ref().cmp(&name)) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (name, value)),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .binary_search_by(|(n, _)| n.as_ref().cmp(name))
            .ok()
            .map(|at| &self.0[at].1)
    }

    /// The fields, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(name, value)| (name.as_ref(), value))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'f> IntoIterator for &'f Fields {
    type Item = (&'f str, &'f Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'f, (Cow<'static, str>, Value)>,
        fn(&'f (Cow<'static, str>, Value)) -> (&'f str, &'f Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(name, value)| (name.as_ref(), value))
    }
}

impl std::ops::Index<&str> for Fields {
    type Output = Value;

    /// The value of `name`, `null` when there is none (as a
    /// `serde_json::Map` indexed through a `Value`).
    fn index(&self, name: &str) -> &Value {
        const NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

impl FromIterator<(&'static str, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (&'static str, Value)>>(items: I) -> Self {
        let mut fields = Fields::default();
        for (name, value) in items {
            fields.insert(name, value);
        }
        fields
    }
}

impl From<serde_json::Map<String, Value>> for Fields {
    fn from(map: serde_json::Map<String, Value>) -> Self {
        let mut fields = Fields::with_capacity(map.len());
        for (name, value) in map {
            fields.insert(name, value);
        }
        fields
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of evidence fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Fields::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    fields.insert(name, value);
                }
                Ok(fields)
            }
        }

        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// The schema of a JSON object of any values, as `serde_json::Map`'s.
impl JsonSchema for Fields {
    fn schema_name() -> String {
        <serde_json::Map<String, Value>>::schema_name()
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        <serde_json::Map<String, Value>>::json_schema(generator)
    }

    fn is_referenceable() -> bool {
        <serde_json::Map<String, Value>>::is_referenceable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_kept_by_name_and_written_as_a_map_would_be() {
        let mut fields: Fields = [("sw", json!("9000")), ("command", json!("00B0"))]
            .into_iter()
            .collect();
        fields.insert("response", json!("AB"));
        fields.insert(String::from("sw"), json!("6A82"));
        let map: serde_json::Map<String, Value> =
            serde_json::from_value(json!({ "sw": "6A82", "command": "00B0", "response": "AB" }))
                .unwrap();
        assert_eq!(
            serde_json::to_string(&fields).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(fields.len(), 3);
        assert_eq!(fields["sw"], "6A82");
        assert_eq!(fields["nothing"], Value::Null);
        assert_eq!(fields.get("command"), Some(&json!("00B0")));
        let names: Vec<&str> = fields.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["command", "response", "sw"]);
        let back: Fields = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), r#"{"a":2,"b":3}"#);
        assert!(serde_json::from_str::<Fields>("[1]").is_err());
    }
}
