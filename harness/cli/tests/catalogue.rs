//! The requirement catalogue as a document: every entry is one sentence,
//! every `seed:` source quotes words that really are in the seed file
//! (`../shared/seeds/`, beside the repository; mandatory when `CI=true`),
//! and every requirement is covered by at least one scenario.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::load_suite;

#[test]
fn catalogue_entries_are_sourced_sentences_and_covered() {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios")],
        Path::new("scenarios/requirements.yaml"),
        &families(&Targets::default()),
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let seeds = common::root().join("../shared/seeds");
    let have_seeds = seeds.is_dir();
    assert!(
        have_seeds || std::env::var_os("CI").is_none(),
        "CI=true but {} is missing",
        seeds.display()
    );
    let mut problems = Vec::new();
    let mut quotes_checked = 0;
    for r in &suite.requirements {
        if !r.text.ends_with('.') || r.text.len() < 20 {
            problems.push(format!("{}: text is not a sentence", r.id));
        }
        if let Some(rest) = r.source.strip_prefix("seed:") {
            let (file, quote) = rest.split_once(' ').unwrap_or((rest, ""));
            let quote = quote.trim().trim_matches('"');
            if quote.is_empty() {
                problems.push(format!("{}: seed source without quoted words", r.id));
            } else if have_seeds {
                let text = std::fs::read_to_string(seeds.join(file)).unwrap_or_default();
                quotes_checked += 1;
                if !text.contains(quote) {
                    problems.push(format!("{}: {file} does not contain {quote:?}", r.id));
                }
            }
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
    if have_seeds {
        assert!(
            quotes_checked >= 5,
            "only {quotes_checked} seed quotes checked"
        );
    }
}
