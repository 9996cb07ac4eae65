//! Scenario engine throughput for eligibility (oqs) steps: scenarios run by
//! the engine against the in-process reference model, beside a baseline in
//! the same run: the identical requests (method, path, body) sent straight
//! to a fresh in-process service, so the difference is the engine's own
//! cost (templates filled into the body, the typed request, evidence,
//! checks, redaction, the report entry). Prints the ratio, steps per second
//! and the evidence's memory per request (../../card/benches/support).

// A benchmark setup failure should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "recording/mod.rs"]
mod recording;
#[path = "../../card/benches/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_oqs::OqsFamily;
use myna_oqs::{InProcessTarget, OqsTarget};

use recording::{RecordingProvider, Sent};
use support::{print_memory, print_ratio, Tally};

/// A world of one person, then a lookup checked field by field; and a world
/// of one person with two qualifications, looked up.
const SCENARIOS: [&str; 2] = ["oqs.lookup.valid", "oqs.lookup.multiple-qualifications"];

fn engine(c: &mut Criterion) {
    std::env::set_current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.."))
        .expect("workspace root");
    let sent = Sent::default();
    let mut families: Vec<Box<dyn Family>> =
        vec![Box::new(OqsFamily::new(Box::new(RecordingProvider {
            sent: Arc::clone(&sent),
        })))];
    let suite = load_suite(
        &[
            PathBuf::from("scenarios/oqs/lookup-valid.yaml"),
            PathBuf::from("scenarios/oqs/lookup-multiple.yaml"),
        ],
        Path::new("scenarios/requirements.yaml"),
        &families,
    )
    .unwrap_or_else(|e| {
        let problems: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
        panic!("scenarios load: {problems:#?} {:?}", e.io)
    });

    for id in SCENARIOS {
        let scenario = suite
            .scenarios
            .iter()
            .find(|s| s.id == id)
            .expect("the measured scenario exists")
            .clone();
        // One recorded run gives the requests for the baseline.
        let report = run_scenario(&scenario, &mut families).report;
        assert_eq!(report.verdict, myna_report::Verdict::Pass, "{id}");
        let steps = report.steps.len() as u64;
        let requests = std::mem::take(&mut *sent.lock().unwrap());
        print_memory(&format!("oqs {id}"), requests.len(), || {
            let outcome = run_scenario(&scenario, &mut families);
            sent.lock().unwrap().clear();
            outcome
        });

        let (via_engine, raw) = (Tally::default(), Tally::default());
        let mut group = c.benchmark_group("engine/oqs");
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("{id} via engine ({steps} steps)"), |b| {
            b.iter_custom(|iters| {
                via_engine.time(iters, || {
                    let outcome = run_scenario(&scenario, &mut families);
                    sent.lock().unwrap().clear();
                    outcome.report.verdict
                })
            });
        });
        group.bench_function(
            format!(
                "{id} baseline: same {} requests straight to the in-process service",
                requests.len()
            ),
            |b| {
                b.iter_custom(|iters| {
                    raw.time(iters, || {
                        let mut service = InProcessTarget::new();
                        for r in &requests {
                            let answer = service.request(&r.method, &r.path, &r.body, r.timeout);
                            std::hint::black_box(answer.unwrap());
                        }
                    })
                });
            },
        );
        group.finish();
        print_ratio(&format!("oqs {id}"), steps, &via_engine, &raw);
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
