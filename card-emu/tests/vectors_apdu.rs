//! Runs the Wycheproof-shaped command/response vectors in `vectors/apdu/`
//! against the emulator. Each test gets a fresh card of its group's persona.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use myna_card_emu::persona::Persona;
use myna_card_emu::Card;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VectorFile {
    algorithm: String,
    #[allow(dead_code)] // Names the schema for other consumers.
    schema: String,
    #[allow(dead_code)]
    generator_version: String,
    number_of_tests: usize,
    header: Vec<String>,
    #[allow(dead_code)]
    notes: serde_json::Value,
    test_groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Group {
    #[serde(rename = "type")]
    kind: String,
    persona: String,
    setup: Vec<String>,
    #[allow(dead_code)]
    comment: String,
    tests: Vec<Test>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Test {
    tc_id: u32,
    comment: String,
    flags: Vec<String>,
    #[serde(default)]
    setup: Vec<String>,
    command: String,
    sw: Vec<String>,
    result: String,
    response: Option<String>,
    response_prefix: Option<String>,
    response_length: Option<usize>,
    /// The evidence for the expected answer (a real-card fixture or the
    /// client code that depends on it), where the vector names one.
    #[allow(dead_code)] // Read by people and by other consumers.
    source: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap_or_else(|e| panic!("bad hex {hex_text:?}: {e}"))
}

#[test]
fn apdu_vectors() {
    let dir = root().join("vectors/apdu");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());
    let mut run = 0;
    let mut failures = Vec::new();
    for file in files {
        let doc: VectorFile = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(doc.algorithm, "MyNumberCard-APDU");
        assert!(doc.header.iter().any(|h| h.contains("TEST ONLY")));
        let count: usize = doc.test_groups.iter().map(|g| g.tests.len()).sum();
        assert_eq!(
            count,
            doc.number_of_tests,
            "{}: numberOfTests",
            file.display()
        );
        let mut ids: Vec<u32> = doc
            .test_groups
            .iter()
            .flat_map(|g| g.tests.iter().map(|t| t.tc_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{}: tcIds are unique", file.display());
        for group in &doc.test_groups {
            assert_eq!(group.kind, "ApduTest");
            let persona =
                Persona::load_named(&root().join("vectors/personas"), &group.persona).unwrap();
            let profile = persona.card_profile();
            for test in &group.tests {
                run += 1;
                assert!(
                    matches!(test.result.as_str(), "valid" | "invalid" | "acceptable"),
                    "tcId {}: result {}",
                    test.tc_id,
                    test.result
                );
                assert!(!test.flags.is_empty(), "tcId {} has flags", test.tc_id);
                let mut card = Card::new(profile.clone());
                let refused_setup = group.setup.iter().chain(&test.setup).find_map(|setup| {
                    let answer = card.transmit(&bytes(setup)).unwrap();
                    (answer[answer.len() - 2..] != [0x90, 0x00])
                        .then(|| format!("setup {setup} answered {}", hex::encode_upper(&answer)))
                });
                if let Some(problem) = refused_setup {
                    failures.push(format!("tcId {} ({}): {problem}", test.tc_id, test.comment));
                    continue;
                }
                let answer = card.transmit(&bytes(&test.command)).unwrap();
                let (data, sw) = answer.split_at(answer.len() - 2);
                let sw = hex::encode_upper(sw);
                let mut problems = Vec::new();
                if !test.sw.contains(&sw) {
                    problems.push(format!("sw {sw}, expected one of {:?}", test.sw));
                }
                if let Some(want) = &test.response {
                    if hex::encode_upper(data) != *want {
                        problems.push(format!("data {}, expected {want}", hex::encode_upper(data)));
                    }
                }
                if let Some(prefix) = &test.response_prefix {
                    if !hex::encode_upper(data).starts_with(prefix.as_str()) {
                        problems.push(format!("data does not start with {prefix}"));
                    }
                }
                if let Some(len) = test.response_length {
                    if data.len() != len {
                        problems.push(format!("{} data bytes, expected {len}", data.len()));
                    }
                }
                if !problems.is_empty() {
                    failures.push(format!(
                        "tcId {} ({}): {}",
                        test.tc_id,
                        test.comment,
                        problems.join("; ")
                    ));
                }
            }
        }
    }
    assert!(run >= 40, "only {run} vectors");
    assert!(
        failures.is_empty(),
        "{} of {run} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
