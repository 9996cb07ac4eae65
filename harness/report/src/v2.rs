//! Reading `report.json` files of schema 2.x: their JSON is rewritten into
//! the 3.0 shape before it is deserialized (see `SCHEMA_VERSION`'s
//! history):
//! - `run_info.duration_ms` (integer) and `scenarios[].duration_ms` (a
//!   float) become integer microseconds, `duration_us`;
//! - an empty `level` becomes `null` on a requirement (an id the catalogue
//!   lacks) and `must` elsewhere (the default a scenario has);
//! - a requirement with `covered: false` gets the verdict `uncovered`.

use serde_json::{json, Value};

use crate::schema::SCHEMA_VERSION;

/// The 3.0 form of a 2.x report's JSON.
pub(crate) fn upgrade(mut report: Value) -> Value {
    if let Some(info) = report.get_mut("run_info").and_then(Value::as_object_mut) {
        if let Some(ms) = info.remove("duration_ms") {
            info.insert("duration_us".into(), micros(&ms));
        }
    }
    for scenario in array_mut(&mut report, "scenarios") {
        if let Some(object) = scenario.as_object_mut() {
            if let Some(ms) = object.remove("duration_ms") {
                object.insert("duration_us".into(), micros(&ms));
            }
            default_level(object, json!("must"));
        }
        for step in array_mut(scenario, "steps") {
            for failure in array_mut(step, "failures") {
                if let Some(object) = failure.as_object_mut() {
                    default_level(object, json!("must"));
                }
            }
        }
    }
    for requirement in array_mut(&mut report, "requirements") {
        if let Some(object) = requirement.as_object_mut() {
            default_level(object, Value::Null);
            if object.get("covered") == Some(&Value::Bool(false)) {
                object.insert("verdict".into(), json!("uncovered"));
            }
        }
    }
    if let Some(object) = report.as_object_mut() {
        object.insert("schema_version".into(), json!(SCHEMA_VERSION));
    }
    report
}

fn array_mut<'a>(value: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// Milliseconds (integer or float) as integer microseconds.
fn micros(ms: &Value) -> Value {
    let us = ms.as_f64().map_or(0.0, |ms| (ms * 1000.0).round());
    // A negative or absurd value in an old file reads as 0, not as a panic.
    if us.is_finite() && us >= 0.0 && us < u64::MAX as f64 {
        json!(us as u64)
    } else {
        json!(0)
    }
}

fn default_level(object: &mut serde_json::Map<String, Value>, empty: Value) {
    if object.get("level").and_then(Value::as_str) == Some("") {
        object.insert("level".into(), empty);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_become_integer_microseconds() {
        assert_eq!(micros(&json!(0.041863000000000004)), json!(42));
        assert_eq!(micros(&json!(3500)), json!(3_500_000));
        assert_eq!(micros(&json!(-1.0)), json!(0));
        assert_eq!(micros(&json!("x")), json!(0));
    }
}
