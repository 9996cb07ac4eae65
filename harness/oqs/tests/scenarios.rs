//! Runs every `scenarios/oqs/*.yaml` through `execute_step` against the
//! in-process model and against the reference HTTP server on 127.0.0.1:0,
//! and checks the files against the requirement catalogue draft.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use myna_oqs::{
    execute_step, spawn_background, HttpTarget, InProcessTarget, OqsTarget, ServerConfig,
};
use serde_json::Value;

const TOP_KEYS: &[&str] = &[
    "id",
    "title",
    "family",
    "requirements",
    "level",
    "tags",
    "applies_if",
    "persona",
    "vars",
    "steps",
    "finally",
];
const STEP_MODIFIERS: &[&str] = &["name", "expect", "repeat", "level", "capture"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Scenario {
    file: String,
    doc: Value,
}

fn scenarios() -> Vec<Scenario> {
    let dir = repo_root().join("scenarios/oqs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| Scenario {
            file: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            doc: load_yaml(&p),
        })
        .collect()
}

fn catalogue() -> HashMap<String, Value> {
    let doc = load_yaml(&repo_root().join("scenarios/requirements.yaml"));
    doc.as_array()
        .expect("the catalogue is a list")
        .iter()
        .filter(|e| e["family"].as_str() == Some("oqs"))
        .map(|e| {
            (
                e["id"].as_str().expect("every entry has an id").to_string(),
                e.clone(),
            )
        })
        .collect()
}

/// Splits a step map into (keyword, body, expect, repeat).
fn split_step(step: &Value) -> Result<(String, Value, Option<Value>, u64), String> {
    let map = step.as_object().ok_or("a step is a map")?;
    let actions: Vec<&String> = map
        .keys()
        .filter(|k| !STEP_MODIFIERS.contains(&k.as_str()))
        .collect();
    let [keyword] = actions.as_slice() else {
        return Err(format!(
            "a step has exactly one action key, found {actions:?}"
        ));
    };
    let repeat = map.get("repeat").and_then(Value::as_u64).unwrap_or(1);
    Ok((
        (*keyword).clone(),
        map[*keyword].clone(),
        map.get("expect").cloned(),
        repeat,
    ))
}

enum Verdict {
    Pass,
    NotApplicable,
    Fail(String),
}

fn run(target: &mut dyn OqsTarget, s: &Scenario) -> Verdict {
    let needs: Vec<String> = s.doc["applies_if"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let caps = target.capabilities();
    if needs.iter().any(|n| !caps.contains(n)) {
        return Verdict::NotApplicable;
    }
    let mut vars: HashMap<String, String> = HashMap::new();
    if let Some(v) = s.doc["vars"].as_object() {
        for (k, val) in v {
            vars.insert(k.clone(), val.as_str().unwrap_or_default().to_string());
        }
    }
    let mut problem = None;
    let lists = [("steps", true), ("finally", false)];
    for (list, stop_on_failure) in lists {
        let steps = s.doc[list].as_array().cloned().unwrap_or_default();
        for (i, step) in steps.iter().enumerate() {
            if stop_on_failure && problem.is_some() {
                break;
            }
            let (keyword, body, expect, repeat) = match split_step(step) {
                Ok(x) => x,
                Err(e) => return Verdict::Fail(format!("{list}[{i}]: {e}")),
            };
            for _ in 0..repeat {
                let outcome = execute_step(target, &keyword, &body, expect.as_ref(), &mut vars);
                if let Some(na) = outcome.not_applicable {
                    return Verdict::Fail(format!(
                        "{list}[{i}] `{keyword}` not applicable although declared: {na}"
                    ));
                }
                if !outcome.passed() && problem.is_none() {
                    problem = Some(format!(
                        "{list}[{i}] `{keyword}`: failures {:?} transport {:?} response {}",
                        outcome.failures,
                        outcome.transport_error,
                        outcome
                            .evidence
                            .last()
                            .map(|e| e.response_json.to_string())
                            .unwrap_or_default()
                    ));
                }
            }
        }
    }
    match problem {
        Some(p) => Verdict::Fail(p),
        None => Verdict::Pass,
    }
}

fn run_all(target: &mut dyn OqsTarget, label: &str) {
    let all = scenarios();
    let mut failures = Vec::new();
    let mut passed = 0;
    for s in &all {
        match run(target, s) {
            Verdict::Pass => passed += 1,
            Verdict::NotApplicable => {
                failures.push(format!("{}: not applicable on {label}", s.file))
            }
            Verdict::Fail(why) => failures.push(format!("{} ({label}): {why}", s.file)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed on {label}:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    assert!(passed >= 30, "only {passed} OQS scenarios");
}

#[test]
fn every_scenario_passes_in_process() {
    run_all(&mut InProcessTarget::new(), "in-process");
}

#[test]
fn every_scenario_passes_over_http() {
    let server = spawn_background(
        "127.0.0.1:0".parse().expect("a literal socket address"),
        ServerConfig::default(),
    )
    .expect("the reference server starts on loopback");
    let mut target = HttpTarget::connect(&server.url()).expect("the client connects");
    assert!(target.capabilities().iter().any(|c| c == "oqs.control"));
    run_all(&mut target, "http");
    server.stop().expect("the server stops cleanly");
}

#[test]
fn scenario_files_are_well_formed_and_cite_the_catalogue() {
    let catalogue = catalogue();
    let mut ids = BTreeSet::new();
    let mut covered = BTreeSet::new();
    for s in scenarios() {
        let map = s
            .doc
            .as_object()
            .unwrap_or_else(|| panic!("{}: top level is a map", s.file));
        for key in map.keys() {
            assert!(
                TOP_KEYS.contains(&key.as_str()),
                "{}: unknown key {key}",
                s.file
            );
        }
        let id = map["id"].as_str().unwrap_or_default();
        assert!(
            id.starts_with("oqs.") && id.split('.').count() >= 2,
            "{}: id {id}",
            s.file
        );
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'),
            "{}: id {id} is dotted lowercase",
            s.file
        );
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(
            map["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{}: title",
            s.file
        );
        let reqs = map["requirements"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: requirements", s.file));
        assert!(!reqs.is_empty(), "{}: at least one requirement", s.file);
        for r in reqs {
            let r = r.as_str().unwrap_or_default();
            assert!(
                catalogue.contains_key(r),
                "{}: requirement {r} not in the catalogue draft",
                s.file
            );
            covered.insert(r.to_string());
        }
        let steps = map["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: steps", s.file));
        assert!(!steps.is_empty(), "{}: steps", s.file);
        for step in steps.iter().chain(
            map.get("finally")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        ) {
            let (keyword, ..) = split_step(step).unwrap_or_else(|e| panic!("{}: {e}", s.file));
            assert!(
                myna_oqs::step::keywords().contains(&keyword.as_str()),
                "{}: unknown keyword {keyword}",
                s.file
            );
        }
    }
    for (id, entry) in &catalogue {
        assert!(
            id.starts_with("OQS-")
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
            "{id}"
        );
        assert!(covered.contains(id), "requirement {id} has no scenario");
        assert_eq!(entry["family"].as_str(), Some("oqs"), "{id}: family");
        assert!(
            matches!(entry["level"].as_str(), Some("must" | "should")),
            "{id}: level"
        );
        let source = entry["source"].as_str().unwrap_or_default();
        assert!(
            source.starts_with("seed:") || source.starts_with("spec:"),
            "{id}: source {source}"
        );
        let text = entry["text"].as_str().unwrap_or_default();
        assert!(
            text.ends_with('.') && !text.is_empty(),
            "{id}: one sentence"
        );
    }
    if let Some(seed_dir) = Some(repo_root().join("../shared/seeds")).filter(|d| d.is_dir()) {
        for (id, entry) in &catalogue {
            let source = entry["source"].as_str().unwrap_or_default();
            if let Some(rest) = source.strip_prefix("seed:") {
                let (file, quote) = rest.split_once(' ').unwrap_or((rest, ""));
                let quoted = quote.trim().trim_matches('"');
                let text = std::fs::read_to_string(seed_dir.join(file)).unwrap_or_default();
                assert!(
                    text.contains(quoted),
                    "{id}: seed {file} does not contain {quoted:?}"
                );
            }
        }
    }
}

#[test]
fn a_lookup_only_target_makes_control_steps_not_applicable() {
    struct LookupOnly(InProcessTarget);
    impl OqsTarget for LookupOnly {
        fn request(
            &mut self,
            method: &str,
            path: &str,
            body: &[u8],
            timeout: Option<Duration>,
        ) -> Result<myna_oqs::RawResponse, myna_oqs::TargetError> {
            self.0.request(method, path, body, timeout)
        }
        fn capabilities(&self) -> Vec<String> {
            vec!["oqs.lookup".into()]
        }
        fn describe(&self) -> String {
            "lookup-only".into()
        }
    }
    let mut target = LookupOnly(InProcessTarget::new());
    let mut vars = HashMap::new();
    let outcome = execute_step(
        &mut target,
        "world",
        &serde_json::json!({}),
        None,
        &mut vars,
    );
    assert!(outcome.not_applicable.is_some());
    assert!(
        outcome.evidence.is_empty(),
        "nothing is sent for a not-applicable step"
    );
    let outcome = execute_step(
        &mut target,
        "lookup",
        &serde_json::json!({"serial": "${missing}"}),
        Some(&serde_json::json!({"status": 200})),
        &mut vars,
    );
    assert_eq!(
        outcome.failures.len(),
        1,
        "an undefined variable is a failure: {outcome:?}"
    );
    let outcome = execute_step(
        &mut target,
        "lookup",
        &serde_json::json!({"serial": "ABC"}),
        Some(
            &serde_json::json!({"status": 200, "result_code": "OQS-E-NOT-REGISTERED", "results": 3}),
        ),
        &mut vars,
    );
    assert_eq!(
        outcome.failures.len(),
        1,
        "the wrong result count is reported: {outcome:?}"
    );
    assert_eq!(outcome.failures[0].check, "results");
}
