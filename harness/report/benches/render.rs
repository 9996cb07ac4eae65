//! Rendering time of a large run's files (1,000 scenarios × 100 steps, one
//! APDU each): `report.html` alone and the whole set. A benchmark, not a
//! test: `cargo bench -p myna-report`; `cargo test --benches` runs it once.

use criterion::{criterion_group, criterion_main, Criterion};
use myna_report::{
    render_html, render_set, Evidence, Report, ScenarioReport, StepReport, Summary, Verdict,
};

fn large_report() -> Report {
    let evidence = Evidence {
        kind: "apdu".to_owned(),
        at_us: 1200,
        target: "card".to_owned(),
        duration_us: Some(850),
        summary: Some("READ BINARY offset 0 Le 255 → 9000 SUCCESS, 255 bytes".to_owned()),
        fields: serde_json::json!({
            "command": "00B00000FF",
            "response": "AB".repeat(255),
            "sw": "9000",
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    };
    let scenarios: Vec<ScenarioReport> = (0..1000)
        .map(|i| ScenarioReport {
            id: format!("card.large.{i}"),
            title: format!("Large scenario {i}"),
            family: "card".to_owned(),
            file: format!("scenarios/card/large-{i}.yaml"),
            verdict: if i % 10 == 0 {
                Verdict::Fail
            } else {
                Verdict::Pass
            },
            requirements: vec![format!("CARD-LARGE-{}", i % 50)],
            steps: (0..100)
                .map(|index| StepReport {
                    index,
                    family: "card".to_owned(),
                    kind: "read_binary".to_owned(),
                    label: format!("READ BINARY offset {index}"),
                    location: format!("scenarios/card/large-{i}.yaml:{}:5", index + 5),
                    evidence: vec![evidence.clone()],
                    ..StepReport::default()
                })
                .collect(),
            ..ScenarioReport::default()
        })
        .collect();
    Report {
        summary: Summary::from_scenarios(&scenarios),
        scenarios,
        ..Report::default()
    }
}

fn render(c: &mut Criterion) {
    let report = large_report();
    let mut group = c.benchmark_group("render_1000x100");
    group.sample_size(10);
    group.bench_function("report.html", |b| b.iter(|| render_html(&report).len()));
    group.bench_function("whole set", |b| {
        b.iter(|| render_set(&report, None).map(|files| files.len()))
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
