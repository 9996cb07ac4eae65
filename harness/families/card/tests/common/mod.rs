//! Shared helpers for the integration tests.
#![allow(dead_code)]

#[cfg(feature = "pcsc")]
pub mod pcsc;

use myna_family_card::CardSyntax;
use myna_scenario::{Diagnostic, LoadEnv, MemoryLoader, Scenario, SourceLoader, Vocabulary};

/// `(line, col, message, help)` of a diagnostic.
pub type Problem = (u32, u32, String, Option<String>);

/// Loads a scenario with the card vocabulary.
pub fn load_scenario(
    file: &str,
    text: &str,
    loader: &dyn SourceLoader,
) -> Result<Scenario, Vec<Diagnostic>> {
    let vocabulary = Vocabulary::new(vec![&CardSyntax]).expect("one family fits");
    myna_scenario::load_scenario(file, text, loader, &LoadEnv::new(&vocabulary))
}

/// A step's card body.
pub fn cs(step: &myna_scenario::Step) -> &myna_family_card::step::CardStep {
    myna_scenario::downcast(step.body.as_ref()).expect("a card step")
}

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
pub fn problems_with(text: &str, loader: &MemoryLoader) -> Vec<Problem> {
    match load_scenario("s.yaml", text, loader) {
        Ok(s) => panic!("expected problems, loaded {s:#?}"),
        Err(diags) => diags
            .into_iter()
            .map(|d| (d.at.line, d.at.col, d.message, d.help))
            .collect(),
    }
}

/// Like [`problems_with`] without includes.
pub fn problems(text: &str) -> Vec<Problem> {
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

/// The repository root (three levels above this crate).
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(3)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

/// Makes the repository root the working directory, so relative paths
/// such as `scenarios/requirements.yaml` resolve as they do for the CLI.
pub fn enter_root() -> Result<(), String> {
    let root = root();
    std::env::set_current_dir(&root).map_err(|e| format!("cannot enter {}: {e}", root.display()))
}
