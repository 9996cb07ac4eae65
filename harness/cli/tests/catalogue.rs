//! The requirement catalogue as a document: every entry is one sentence
//! with a source, and every requirement is covered by at least one scenario.
//! (That every `seed:` quotation is really in its seed file is
//! catalogue_seeds.rs's test.)

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::load_suite;

#[test]
fn catalogue_entries_are_sentences_and_covered() {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios")],
        Path::new("scenarios/requirements.yaml"),
        &families(&Targets::default()),
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let mut problems = Vec::new();
    for r in &suite.requirements {
        if !r.text.ends_with('.') || r.text.len() < 20 {
            problems.push(format!("{}: text is not a sentence", r.id));
        }
        if r.source.trim().is_empty() {
            problems.push(format!("{}: no source", r.id));
        }
        if !suite
            .scenarios
            .iter()
            .any(|s| s.requirements.contains(&r.id))
        {
            problems.push(format!("{}: no scenario covers it", r.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
