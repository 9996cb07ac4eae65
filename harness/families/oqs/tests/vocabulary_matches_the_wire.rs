//! The control steps' shapes are derived from `myna_oqs::ControlCommand`'s
//! JSON Schema (src/control_vocabulary.rs); this holds the derivation to
//! what serde reads: a full sample of every command deserializes, each
//! field is optional or required as serde says (a `#[serde(default)]` the
//! schema missed would show here), and an unknown field lists serde's
//! fields, which must be the shape's.

#![allow(clippy::unwrap_used)]

use myna_family_oqs::vocabulary::{control_fields, control_keywords};
use myna_oqs::control::{
    Advance, CertificateSpec, ElderlySpec, LimitSpec, LossSpec, MedicalTicketSpec, ModelConfig,
    PersonSpec, QualificationSpec, ReferenceNumberSpec, SpecificDiseaseSpec,
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

/// The fields of the object at `path` below `fields` (lists looked through).
fn nested(fields: &'static [Field], path: &[&str]) -> &'static [Field] {
    let Some((first, rest)) = path.split_first() else {
        return fields;
    };
    let field = fields
        .iter()
        .find(|f| f.name == *first)
        .unwrap_or_else(|| panic!("no field {first}"));
    let mut shape = &field.shape;
    while let Shape::List(item) = shape {
        shape = item;
    }
    match shape {
        Shape::Object(inner) => nested(inner, rest),
        other => panic!("{first} is {other:?}, not an object"),
    }
}

#[test]
fn every_control_command_has_the_wire_types_fields() {
    let keywords: Vec<&str> = control_keywords().iter().map(|k| k.name).collect();
    assert_eq!(
        keywords,
        [
            "world",
            "seed",
            "population",
            "register",
            "link_serial",
            "unlink_serial",
            "reissue",
            "issue_phone",
            "revoke",
            "expire",
            "qualification",
            "clock",
            "fault",
            "state"
        ]
    );
    for keyword in keywords {
        let op = Map::from_iter([("op".to_string(), json!(keyword))]);
        check::<ControlCommand>(keyword, control_fields(keyword), op);
    }
}

#[test]
fn persons_and_qualifications_have_the_wire_types_fields() {
    let world = control_fields("world");
    let person = nested(world, &["persons"]);
    let qualification = nested(person, &["qualifications"]);
    check::<PersonSpec>("person", person, Map::new());
    check::<QualificationSpec>("qualification", qualification, Map::new());
    check::<CertificateSpec>("certificate", nested(person, &["certificate"]), Map::new());
    check::<ReferenceNumberSpec>(
        "reference number",
        nested(person, &["reference_numbers"]),
        Map::new(),
    );
    check::<LimitSpec>("limit", nested(qualification, &["limit"]), Map::new());
    check::<ElderlySpec>("elderly", nested(qualification, &["elderly"]), Map::new());
    check::<SpecificDiseaseSpec>(
        "specific disease",
        nested(qualification, &["specific_diseases"]),
        Map::new(),
    );
    check::<MedicalTicketSpec>(
        "medical ticket",
        nested(qualification, &["medical_tickets"]),
        Map::new(),
    );
    check::<LossSpec>(
        "lose",
        nested(control_fields("qualification"), &["lose"]),
        Map::new(),
    );
    check::<Advance>(
        "advance",
        nested(control_fields("clock"), &["advance"]),
        Map::new(),
    );
    check::<ModelConfig>("config", nested(world, &["config"]), Map::new());
    check::<CodeConfig>("codes", nested(world, &["config", "codes"]), Map::new());
}

/// Ranges and enums come over too: the bounds the old hand-kept shapes had.
#[test]
fn ranges_docs_and_enums_are_derived() {
    let int = |fields: &[Field], name: &str| match fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.shape)
    {
        Some(Shape::Int { min, max }) => (min, max),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(int(control_fields("population"), "count"), (0, 100_000));
    assert_eq!(int(control_fields("fault"), "slow_ms"), (0, 60_000));
    let config = nested(control_fields("world"), &["config"]);
    assert_eq!(int(config, "renewal_delay_hours"), (0, 8760));
    assert_eq!(
        int(nested(control_fields("clock"), &["advance"]), "minutes"),
        (0, 52_560_000)
    );
    let Some(Shape::Enum(names)) = config
        .iter()
        .find(|f| f.name == "no_current_qualification")
        .map(|f| f.shape)
    else {
        panic!("no enum")
    };
    let names: Vec<&str> = names.iter().map(|d| d.name).collect();
    assert_eq!(names, ["no_qualification", "invalid"]);
    for keyword in control_keywords() {
        assert!(
            keyword.doc.starts_with("control: ") && keyword.doc.len() > 12,
            "{keyword:?}"
        );
        for field in control_fields(keyword.name) {
            assert!(
                !field.doc.is_empty(),
                "{}.{} has no doc",
                keyword.name,
                field.name
            );
        }
    }
}
