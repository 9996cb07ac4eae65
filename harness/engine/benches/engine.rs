//! Scenario engine throughput: steps per second for a representative card
//! scenario against the in-process emulator.

// A benchmark setup failure should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_engine::target::{CardProvider, EmuProvider};
use myna_engine::{load_suite, run_scenario, RunContext};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn engine(c: &mut Criterion) {
    let root = root();
    std::env::set_current_dir(&root).expect("workspace root");
    let suite = load_suite(
        &[PathBuf::from("scenarios/card")],
        Path::new("scenarios/requirements.yaml"),
    )
    .expect("scenarios load");
    let mut provider = EmuProvider::new("vectors/personas");
    let capabilities = provider.capabilities();
    // A scenario without signatures, so the figure is about the engine.
    let scenario = suite
        .scenarios
        .iter()
        .filter(|s| s.persona.is_none())
        .max_by_key(|s| s.steps.len())
        .expect("a card scenario")
        .clone();
    let steps: u64 = scenario
        .steps
        .iter()
        .map(|s| u64::from(s.repeat.max(1)))
        .sum();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(steps));
    group.bench_function(format!("scenario {} ({steps} steps)", scenario.id), |b| {
        b.iter(|| {
            let mut card = provider.open(None).expect("card");
            let outcome = run_scenario(
                &scenario,
                RunContext {
                    card: Some(card.target.as_mut()),
                    oqs: None,
                    persona: &card.vars,
                    persona_id: card.persona.clone(),
                    capabilities: &capabilities,
                },
            );
            criterion::black_box(outcome.report.verdict)
        });
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
