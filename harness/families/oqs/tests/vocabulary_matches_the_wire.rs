//! The shapes the `oqs` steps are read with name exactly the fields of
//! `myna_oqs`'s control types, with the same types: a full sample of every
//! command deserializes, each field is optional or required as the wire
//! type says, and an unknown field lists the wire type's fields, which must
//! be the shape's.

#![allow(clippy::unwrap_used)]

use myna_family_oqs::vocabulary::{
    control_fields, ADVANCE, CERTIFICATE, CODES, CONFIG, CONTROL_FIELDS, ELDERLY, LIMIT, LOSS,
    PERSON, QUALIFICATION,
};
use myna_oqs::control::{
    Advance, CertificateSpec, ElderlySpec, LimitSpec, LossSpec, ModelConfig, PersonSpec,
    QualificationSpec,
};
use myna_oqs::CodeConfig;
use myna_oqs::ControlCommand;
use myna_scenario::{Field, Shape};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// A value of `shape` (every optional field written).
fn sample(shape: &Shape) -> Value {
    match shape {
        Shape::Text => json!("x"),
        Shape::Int { min, .. } => json!(min),
        Shape::Bool => json!(true),
        Shape::Enum(names) => json!(names[0].name),
        Shape::Object(fields) => Value::Object(all(fields)),
        Shape::List(item) => json!([sample(item)]),
        Shape::Any => json!({}),
        Shape::OneOf(shapes) => sample(&shapes[0]),
    }
}

fn all(fields: &[Field]) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| (f.name.to_string(), sample(&f.shape)))
        .collect()
}

/// The fields serde lists for an unknown one (`expected one of `a`, `b``).
fn wire_fields(error: &str) -> Vec<String> {
    if error.contains("there are no fields") {
        return Vec::new();
    }
    let listed = error
        .split_once("expected ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    listed
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn check<T: DeserializeOwned>(what: &str, fields: &[Field], extra: Map<String, Value>) {
    let with = |m: Map<String, Value>| {
        let mut m = m;
        m.extend(extra.clone());
        Value::Object(m)
    };
    // Every field, typed as the shape says, is read.
    if let Err(e) = serde_json::from_value::<T>(with(all(fields))) {
        panic!("{what}: a full sample does not deserialize: {e}");
    }
    // Required exactly when the wire type requires it.
    for field in fields {
        let mut without = all(fields);
        without.remove(field.name);
        let read = serde_json::from_value::<T>(with(without)).is_ok();
        assert_eq!(
            read, !field.required,
            "{what}.{}: required is {}",
            field.name, field.required
        );
    }
    // The same field names.
    let mut unknown = all(fields);
    unknown.insert("zz_not_a_field".into(), json!(1));
    let error = serde_json::from_value::<T>(with(unknown))
        .err()
        .unwrap()
        .to_string();
    let mut wire = wire_fields(&error);
    let mut ours: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
    wire.sort();
    ours.sort();
    assert_eq!(ours, wire, "{what}: {error}");
}

#[test]
fn every_control_command_has_the_wire_types_fields() {
    for (keyword, _) in CONTROL_FIELDS {
        let op = Map::from_iter([("op".to_string(), json!(keyword))]);
        check::<ControlCommand>(keyword, control_fields(keyword), op);
    }
}

#[test]
fn persons_and_qualifications_have_the_wire_types_fields() {
    check::<PersonSpec>("person", PERSON, Map::new());
    check::<QualificationSpec>("qualification", QUALIFICATION, Map::new());
    check::<CertificateSpec>("certificate", CERTIFICATE, Map::new());
    check::<LimitSpec>("limit", LIMIT, Map::new());
    check::<ElderlySpec>("elderly", ELDERLY, Map::new());
    check::<LossSpec>("lose", LOSS, Map::new());
    check::<Advance>("advance", ADVANCE, Map::new());
    check::<ModelConfig>("config", CONFIG, Map::new());
    check::<CodeConfig>("codes", CODES, Map::new());
}
