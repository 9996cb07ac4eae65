//! Scenario engine throughput for reader steps: a reader scenario run by
//! the engine against the in-process reference reader (with the emulated
//! card and the in-process eligibility model as its peers), beside a
//! baseline in the same run: the same calls made directly (the eligibility
//! world's requests to a fresh service, then each stimulus to a fresh
//! reference reader over a fresh emulated card, and its observation), so
//! the difference is the engine's own cost (sessions lent to the reader,
//! the card's APDUs recorded as evidence, the card trace, checks,
//! redaction, the report entry). Prints the ratio, steps per second and the
//! evidence's memory per exchange (../../card/benches/support).

// A benchmark setup failure should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../oqs/benches/recording/mod.rs"]
mod recording;
#[path = "../../card/benches/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::{EmuCard, EmuProvider, TappedProvider};
use myna_family_card::CardFamily;
use myna_family_oqs::OqsFamily;
use myna_family_reader::step::{ReaderAction, ReaderStep};
use myna_family_reader::{BuiltinReader, ReaderFamily};
use myna_oqs::{InProcessTarget, OqsTarget};
use myna_reader::{Peers, ReaderConfig, ReferenceReader, Stimulus};

use recording::{RecordingProvider, Sent};
use support::{print_memory, print_ratio, Tally};

/// Face authentication, 包括同意, done and the card removed: five
/// stimuli after the eligibility world.
const SCENARIO: &str = "reader.flow.face-consent-all";

fn engine(c: &mut Criterion) {
    std::env::set_current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.."))
        .expect("workspace root");
    let sent = Sent::default();
    let apdus = Arc::new(Mutex::new(0usize));
    let card = {
        let apdus = Arc::clone(&apdus);
        TappedProvider::new(
            Box::new(EmuProvider::new("vectors/personas")),
            Arc::new(move |_: &[u8], response: Vec<u8>| {
                *apdus.lock().unwrap() += 1;
                response
            }),
        )
    };
    let mut families: Vec<Box<dyn Family>> = vec![
        Box::new(CardFamily::new(Box::new(card))),
        Box::new(OqsFamily::new(Box::new(RecordingProvider {
            sent: Arc::clone(&sent),
        }))),
        Box::new(ReaderFamily::new(Box::new(BuiltinReader::default()))),
    ];
    let suite = load_suite(
        &[PathBuf::from("scenarios/reader")],
        Path::new("scenarios/requirements.yaml"),
        &families,
    )
    .expect("scenarios load");
    let scenario = suite
        .scenarios
        .iter()
        .find(|s| s.id == SCENARIO)
        .expect("the measured scenario exists")
        .clone();
    let stimuli: Vec<Stimulus> = scenario
        .steps
        .iter()
        .filter_map(
            |step| match myna_scenario::downcast::<ReaderStep>(step.body.as_ref()) {
                Some(ReaderStep {
                    action: ReaderAction::Stimulus(s),
                    ..
                }) => Some(s.clone()),
                _ => None,
            },
        )
        .collect();
    let persona = scenario.persona.clone().unwrap_or_else(|| "taro".into());
    let profile = Persona::load_named(Path::new("vectors/personas"), &persona)
        .unwrap()
        .card_profile();

    // One recorded run gives the world's requests for the baseline.
    let report = run_scenario(&scenario, &mut families).report;
    assert_eq!(
        report.verdict,
        myna_report::Verdict::Pass,
        "{:?}",
        report.message
    );
    let steps = report.steps.len() as u64;
    let requests = std::mem::take(&mut *sent.lock().unwrap());
    let card_apdus = std::mem::take(&mut *apdus.lock().unwrap());
    print_memory(
        &format!(
            "reader {SCENARIO} ({} stimuli, {card_apdus} card APDUs, {} eligibility requests)",
            stimuli.len(),
            requests.len()
        ),
        stimuli.len() + card_apdus + requests.len(),
        || {
            let outcome = run_scenario(&scenario, &mut families);
            sent.lock().unwrap().clear();
            outcome
        },
    );

    let (via_engine, raw) = (Tally::default(), Tally::default());
    let mut group = c.benchmark_group("engine/reader");
    group.throughput(Throughput::Elements(steps));
    group.bench_function(format!("{SCENARIO} via engine ({steps} steps)"), |b| {
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
            "{SCENARIO} baseline: same {} requests and {} stimuli straight to the models",
            requests.len(),
            stimuli.len()
        ),
        |b| {
            b.iter_custom(|iters| {
                raw.time(iters, || {
                    let mut service = InProcessTarget::new();
                    for r in &requests {
                        let answer = service.request(&r.method, &r.path, &r.body, r.timeout);
                        std::hint::black_box(answer.unwrap());
                    }
                    let mut card = EmuCard::new(profile.clone());
                    let mut reader = ReferenceReader::new(ReaderConfig::default());
                    let mut seen = 0;
                    for stimulus in &stimuli {
                        let mut peers = Peers {
                            card: &mut card,
                            phone: None,
                            eligibility: &mut service,
                        };
                        std::hint::black_box(reader.handle(stimulus, &mut peers).unwrap());
                        let observation = reader.observe(seen);
                        seen += observation.records.len();
                        std::hint::black_box(observation);
                    }
                })
            });
        },
    );
    group.finish();
    print_ratio(&format!("reader {SCENARIO}"), steps, &via_engine, &raw);
}

criterion_group!(benches, engine);
criterion_main!(benches);
