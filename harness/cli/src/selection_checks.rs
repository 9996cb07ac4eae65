//! Selections that would silently run nothing, or silently ignore a line the
//! user wrote: each is bad input (exit 2) with a "did you mean".

use std::path::PathBuf;

use myna_scenario::{did_you_mean, Diagnostic, ExpectedFailure, Scenario};

/// Paths that hold no scenario at all are a mistake (an empty shard is not:
/// that is checked after sharding, and is fine).
pub fn no_scenarios(paths: &[PathBuf], scenarios: &[Scenario]) -> Option<String> {
    scenarios.is_empty().then(|| {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        format!(
            "no scenario file in {} (scenarios are *.yaml files with an `id:` and `steps:`; \
             fragments live under scenarios/fragments/)",
            shown.join(", ")
        )
    })
}

/// `--tags` items no loaded scenario carries.
pub fn unknown_tags(tags: &[String], scenarios: &[Scenario]) -> Vec<String> {
    let mut known: Vec<&str> = scenarios
        .iter()
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    known.sort_unstable();
    known.dedup();
    tags.iter()
        .filter(|t| !known.contains(&t.as_str()))
        .map(|t| {
            let hint = did_you_mean(t, known.iter().copied())
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_else(|| format!("; known tags: {}", known.join(", ")));
            format!("--tags {t:?}: no scenario carries this tag{hint}")
        })
        .collect()
}

/// `--filter`s that match no loaded scenario id.
pub fn unmatched_filters(filters: &[String], scenarios: &[Scenario]) -> Vec<String> {
    filters
        .iter()
        .filter(|f| {
            !scenarios
                .iter()
                .any(|s| myna_engine::select::id_matches(f, &s.id))
        })
        .map(|f| {
            let hint = did_you_mean(f, scenarios.iter().map(|s| s.id.as_str()))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_else(|| "; `myna-conform list` prints the scenario ids".into());
            format!("--filter {f:?}: no scenario id contains or matches it{hint}")
        })
        .collect()
}

/// Expectations entries whose id matches no loaded scenario: a mistyped
/// `skip` must not let the scenario it meant run.
pub fn unmatched_expectations(
    expectations: &[ExpectedFailure],
    scenarios: &[Scenario],
) -> Vec<Diagnostic> {
    expectations
        .iter()
        .filter(|e| !scenarios.iter().any(|s| e.matches(&s.id)))
        .map(|e| {
            let diagnostic = Diagnostic::new(
                e.at.clone(),
                format!(
                    "expected a scenario id (or a glob) of this suite, found `{}`",
                    e.id
                ),
            );
            match did_you_mean(&e.id, scenarios.iter().map(|s| s.id.as_str())) {
                Some(m) => diagnostic.with_help(format!("did you mean `{m}`?")),
                None => diagnostic.with_help("`myna-conform list` prints the scenario ids"),
            }
        })
        .collect()
}
