//! Shared helpers for the integration tests.
#![allow(dead_code)]

use myna_scenario::{load_scenario, Diagnostic, MemoryLoader, Scenario};

/// The text of a fixture under tests/fixtures.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A loader holding every fragment fixture under its `fixtures/…` path.
pub fn fixture_loader() -> MemoryLoader {
    let mut loader = MemoryLoader::new();
    for name in ["select-auth-pin.yaml", "select-jpki.yaml"] {
        loader = loader.with(
            &format!("fixtures/fragments/{name}"),
            &fixture(&format!("fragments/{name}")),
        );
    }
    loader
}

/// Loads fixture `name` as `fixtures/<name>`.
pub fn load_fixture(name: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load_scenario(
        &format!("fixtures/{name}"),
        &fixture(name),
        &fixture_loader(),
    )
}

/// Loads `text` as `s.yaml` with `loader`, expecting failure; returns
/// `(line, col, message)` of every diagnostic.
pub fn problems_with(text: &str, loader: &MemoryLoader) -> Vec<(u32, u32, String)> {
    match load_scenario("s.yaml", text, loader) {
        Ok(s) => panic!("expected problems, loaded {s:#?}"),
        Err(diags) => diags
            .into_iter()
            .map(|d| (d.at.line, d.at.col, d.message))
            .collect(),
    }
}

/// Like [`problems_with`] without includes.
pub fn problems(text: &str) -> Vec<(u32, u32, String)> {
    problems_with(text, &MemoryLoader::new())
}

/// A minimal valid card scenario with `steps` (YAML, indented 2) appended.
pub fn card(steps: &str) -> String {
    format!("id: card.t.x\ntitle: t\nrequirements: [CARD-T]\nsteps:\n{steps}")
}

/// Loads a minimal card scenario with these steps, expecting success.
pub fn load_card(steps: &str) -> Scenario {
    load_scenario("s.yaml", &card(steps), &MemoryLoader::new()).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}
