//! The stable counterpart of fuzz/fuzz_targets/scenario_loader.rs: the
//! loader, with every registered family's vocabulary, never panics on any
//! text and locates every problem; the committed findings of issue 9
//! (fuzz/regressions/scenario) are replayed first.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use myna_conform::families::{families, Targets};
use myna_scenario::{load_scenario, Diagnostic, LoadEnv, MemoryLoader};
use proptest::prelude::*;

fn load(text: &str) -> Result<(), Vec<Diagnostic>> {
    let families = families(&Targets::default());
    let vocabulary = myna_engine::vocabulary(&families).unwrap();
    let env = LoadEnv {
        vocabulary: &vocabulary,
        personas: None,
        requirements: None,
    };
    let loader = MemoryLoader::new().with("f.yaml", text);
    load_scenario("s.yaml", text, &loader, &env).map(|_| ())
}

fn assert_located(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(d.at.line >= 1 && d.at.col >= 1, "{d}");
        assert!(!d.message.is_empty());
    }
}

#[test]
fn the_committed_regressions_are_located_errors_that_quote_no_secret() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/scenario");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let diagnostics = load(&text).expect_err(&path.display().to_string());
        assert_located(&diagnostics);
        for d in &diagnostics {
            let shown = d.to_string();
            for secret in ["4711", "34373131", "root:"] {
                assert!(!shown.contains(secret), "{}: {shown}", path.display());
            }
        }
        seen += 1;
    }
    assert!(seen >= 4);
}

/// A valid scenario to mutate.
const SEED: &str = "id: card.fuzz.seed\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nvars:\n  x: \"01\"\nsteps:\n  - select: jpki\n    expect: { sw: \"9000\" }\n  - verify: { pin: \"${persona.auth_pin}\" }\n    repeat: 3\n  - apdu: \"00 84 00 00 ${x}\"\n  - world: {}\n  - clock: { advance: { days: 1 } }\n";

fn mutated() -> impl Strategy<Value = String> {
    let edit = (0..SEED.len(), 0..8usize, proptest::char::any());
    proptest::collection::vec(edit, 1..6).prop_map(|edits| {
        let mut text: Vec<char> = SEED.chars().collect();
        for (at, len, c) in edits {
            let at = at.min(text.len());
            let end = (at + len).min(text.len());
            text.splice(at..end, [c]);
        }
        text.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_mutated_scenarios(text in mutated()) {
        if let Err(diagnostics) = load(&text) {
            assert_located(&diagnostics);
        }
    }

    #[test]
    fn the_loader_never_panics_on_any_text(text in "\\PC{0,300}") {
        if let Err(diagnostics) = load(&text) {
            assert_located(&diagnostics);
        }
    }
}
