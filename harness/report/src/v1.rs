//! Reading `report.json` files of schema 1.x: their JSON is rewritten into
//! the 2.0 shape (then `crate::v2` takes it to the current one) before it
//! is deserialized, so `report merge` and `report render` keep working on
//! old files.
//!
//! What changes (see `SCHEMA_VERSION`'s history):
//! - `run_info.targets {card, reader, portal, oqs, capabilities}` and
//!   `run_info.reader_name`/`atr` become a map from role to target. Only the
//!   roles the file's scenarios belong to are kept: 1.x listed all four,
//!   `reader` and `portal` as `builtin` although no such target existed. A
//!   1.x capability goes to the role its name starts with (`card.jpki` →
//!   `card`), the convention every family follows;
//! - every evidence record, step and error gets the scenario's family as its
//!   `target` / `family`: a 1.x scenario talked to one target.

use serde_json::{json, Map, Value};

/// The 2.0 form of a 1.x report's JSON.
pub(crate) fn upgrade(mut report: Value) -> Value {
    let families = scenario_families(&report);
    if let Some(info) = report.get_mut("run_info").and_then(Value::as_object_mut) {
        let targets = upgrade_targets(info, &families);
        info.insert("targets".into(), targets);
    }
    for scenario in report
        .get_mut("scenarios")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        upgrade_scenario(scenario);
    }
    if let Some(object) = report.as_object_mut() {
        object.insert("schema_version".into(), json!("2.0"));
    }
    report
}

/// The families of the report's scenarios, in order of first appearance.
fn scenario_families(report: &Value) -> Vec<String> {
    let mut families: Vec<String> = Vec::new();
    for scenario in report
        .get("scenarios")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(family) = scenario.get("family").and_then(Value::as_str) {
            if !families.iter().any(|f| f == family) {
                families.push(family.to_owned());
            }
        }
    }
    families
}

fn upgrade_targets(info: &mut Map<String, Value>, families: &[String]) -> Value {
    let old = info.remove("targets").unwrap_or(Value::Null);
    let reader_name = info.remove("reader_name").unwrap_or(Value::Null);
    let atr = info.remove("atr").unwrap_or(Value::Null);
    let capabilities: Vec<String> = old
        .get("capabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let mut targets = Map::new();
    for role in families {
        let Some(target) = old.get(role.as_str()).and_then(Value::as_str) else {
            continue;
        };
        let prefix = format!("{role}.");
        let own: Vec<&String> = capabilities
            .iter()
            .filter(|c| c.starts_with(&prefix))
            .collect();
        let mut entry = Map::new();
        entry.insert("target".into(), json!(target));
        entry.insert("capabilities".into(), json!(own));
        if role == "card" {
            for (key, value) in [("reader_name", &reader_name), ("atr", &atr)] {
                if !value.is_null() {
                    entry.insert(key.into(), value.clone());
                }
            }
        }
        targets.insert(role.clone(), Value::Object(entry));
    }
    Value::Object(targets)
}

fn upgrade_scenario(scenario: &mut Value) {
    let family = scenario
        .get("family")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for step in scenario
        .get_mut("steps")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(step) = step.as_object_mut() {
            step.insert("family".into(), json!(family));
            for evidence in step
                .get_mut("evidence")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(evidence) = evidence.as_object_mut() {
                    evidence.insert("target".into(), json!(family));
                }
            }
        }
    }
    let has_steps = scenario
        .get("steps")
        .and_then(Value::as_array)
        .is_some_and(|steps| !steps.is_empty());
    if let Some(object) = scenario.as_object_mut() {
        if has_steps {
            object.insert("targets".into(), json!([family]));
        }
    }
}
