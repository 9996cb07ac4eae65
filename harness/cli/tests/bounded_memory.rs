//! Bounded resources (issue 9 item 3): a scenario of 10⁶ APDUs runs in
//! flat memory (the evidence of passing steps past the cap is summarised
//! with counts), a statically over-budget scenario is rejected by `check`,
//! and a run over its configured budget ends in `error` blamed on the
//! author. Memory is read from /proc/self/status; nothing here is timed.

// Helpers outside #[test] functions may unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, Targets};
use myna_engine::{load_suite_with, run_scenario_budgeted, Budget, LoadOptions, Spent};
use myna_report::Verdict;

/// A kB figure of /proc/self/status (`VmRSS`, `VmHWM`).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// `steps` GET CHALLENGE steps of `repeat` each, after one SELECT.
fn scenario_file(dir: &Path, name: &str, steps: usize, repeat: u32) -> PathBuf {
    let mut text = format!(
        "id: card.hostile.{name}\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - select: jpki\n"
    );
    for _ in 0..steps {
        text.push_str(&format!(
            "  - get_challenge: {{ le: 8 }}\n    repeat: {repeat}\n    expect: {{ sw: \"9000\", data_len: 8 }}\n"
        ));
    }
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, text).unwrap();
    file
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-bounded-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_million_apdus_run_in_flat_memory() {
    common::enter_root().unwrap();
    let dir = temp_dir("million");
    let warm = scenario_file(&dir, "warm", 4, 1_000);
    // 1 + 99 × 10,000 + 9,999 = 10⁶ APDUs.
    let million = scenario_file(&dir, "million", 99, 10_000);
    let text = std::fs::read_to_string(&million).unwrap()
        + "  - get_challenge: { le: 8 }\n    repeat: 9999\n";
    std::fs::write(&million, text).unwrap();
    let mut families = families(&Targets::default());
    let options = LoadOptions::default().include_root(Some(dir.clone()));
    let suite = load_suite_with(
        &[warm, million],
        Path::new("scenarios/requirements.yaml"),
        &families,
        &options,
    )
    .unwrap();
    let budget = Budget::default();
    let mut spent = Spent::default();
    // The warm-up passes the evidence cap, so what is kept is at its most.
    let warm = suite
        .scenarios
        .iter()
        .find(|s| s.id.ends_with("warm"))
        .unwrap();
    let outcome = run_scenario_budgeted(warm, &mut families, &budget, &mut spent);
    assert_eq!(
        outcome.report.verdict,
        Verdict::Pass,
        "{:?}",
        outcome.report.message
    );
    drop(outcome);
    let baseline = status_kb("VmRSS");

    let million = suite
        .scenarios
        .iter()
        .find(|s| s.id.ends_with("million"))
        .unwrap();
    let outcome = run_scenario_budgeted(million, &mut families, &budget, &mut spent);
    let report = &outcome.report;
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.message);
    let peak = status_kb("VmHWM");
    // 10⁶ APDUs were run and counted …
    assert_eq!(spent.step_runs, 4_001 + 1_000_000);
    let summary = report
        .steps
        .iter()
        .find(|s| s.kind == "summarised")
        .unwrap();
    assert!(
        summary.label.starts_with("999000 more passing"),
        "{}",
        summary.label
    );
    // … and kept: the cap's worth of steps, not one per APDU.
    assert!(report.steps.len() <= budget.detailed_step_runs + 1);
    // Before: about 1.45 KB per APDU, 1.4 GB here. Now: the cap's worth.
    let grown_mb = peak.saturating_sub(baseline) / 1024;
    assert!(
        grown_mb < 64,
        "memory grew {grown_mb} MB over a run of 10^6 APDUs (RSS {baseline} kB, peak {peak} kB)"
    );
}

#[test]
fn a_run_over_its_configured_budget_is_the_authors_error() {
    common::enter_root().unwrap();
    let dir = temp_dir("budget");
    let file = scenario_file(&dir, "budget", 2, 10);
    let mut families = families(&Targets::default());
    let options = LoadOptions::default().include_root(Some(dir.clone()));
    let suite = load_suite_with(
        &[file],
        Path::new("scenarios/requirements.yaml"),
        &families,
        &options,
    )
    .unwrap();
    let scenario = &suite.scenarios[0];
    let per_scenario = Budget::default().per_scenario(5);
    let outcome = run_scenario_budgeted(
        scenario,
        &mut families,
        &per_scenario,
        &mut Spent::default(),
    );
    assert_eq!(outcome.report.verdict, Verdict::Error);
    assert_eq!(outcome.report.blame.as_deref(), Some("author"));
    assert!(outcome
        .report
        .message
        .as_deref()
        .unwrap_or("")
        .contains("budget of 5"));
    // 21 executions each: the second scenario finds the run's 25 spent.
    let per_run = Budget::default().per_run(25);
    let mut spent = Spent::default();
    let first = run_scenario_budgeted(scenario, &mut families, &per_run, &mut spent);
    assert_eq!(first.report.verdict, Verdict::Pass);
    let second = run_scenario_budgeted(scenario, &mut families, &per_run, &mut spent);
    assert_eq!(second.report.verdict, Verdict::Error);
    assert!(second
        .report
        .message
        .as_deref()
        .unwrap_or("")
        .contains("the run reached"));
}

#[test]
fn check_rejects_a_statically_over_budget_scenario() {
    common::enter_root().unwrap();
    let dir = temp_dir("static");
    // The case: 1,000 steps × repeat 10,000 = 10⁷ executions.
    let file = scenario_file(&dir, "static", 1_000, 10_000);
    let families = families(&Targets::default());
    let options = LoadOptions::default().include_root(Some(dir.clone()));
    let problems = load_suite_with(
        std::slice::from_ref(&file),
        Path::new("scenarios/requirements.yaml"),
        &families,
        &options,
    )
    .unwrap_err();
    let text: Vec<String> = problems
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(text.len(), 1, "{text:#?}");
    // The 100th GET CHALLENGE (line 6 + 3 × 99) is the one that passes 10⁶.
    let at = format!("{}:303:5", file.display());
    assert!(text[0].contains(&at), "{text:#?}");
    assert!(
        text[0].contains("at most 1000000 step executions"),
        "{text:#?}"
    );
}
