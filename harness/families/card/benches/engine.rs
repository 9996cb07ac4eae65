//! Scenario engine throughput for card steps: each card scenario run by the
//! engine against the in-process emulator, beside a baseline in the same
//! run: the identical C-APDU sequence sent straight to a fresh emulator, so
//! the difference is the engine's own cost (session, templates, checks,
//! evidence, redaction, the report entry). Prints the ratio, steps per
//! second and the evidence's memory per APDU (support/mod.rs).

// A benchmark setup failure should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_card_emu::Card;
use myna_engine::{load_suite, load_suite_with, run_scenario, LoadOptions};
use myna_family::Family;
use myna_family_card::target::{EmuProvider, TappedProvider};
use myna_family_card::CardFamily;
use myna_scenario::Scenario;

use support::{print_memory, print_ratio, Tally};

/// A scenario from the catalogue: few steps, a whole certificate read and
/// compared with `${persona.auth_cert}`, no RSA signing.
const READ_CERT: &str = "card.read.auth-cert-header7";
/// A generated one: many short steps, so the figure is the per-step cost.
const MANY_STEPS: &str = "card.bench.get-challenge-100";

type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

/// One SELECT, then 100 GET CHALLENGEs, each checked.
fn many_steps_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-engine-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = format!(
        "id: {MANY_STEPS}\ntitle: t\nrequirements: [CARD-SIGN-BAD-P1]\nsteps:\n  - select: jpki\n    expect: {{ sw: \"9000\" }}\n"
    );
    for _ in 0..100 {
        text.push_str("  - get_challenge: { le: 8 }\n    expect: { sw: \"9000\", data_len: 8 }\n");
    }
    let file = dir.join("get-challenge-100.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

fn engine(c: &mut Criterion) {
    common::enter_root().expect("workspace root");
    let sent = Sent::default();
    // Passes commands through, and remembers them while `recording` (the
    // one run that gives the baseline its APDUs: the timed runs do not pay
    // for the benchmark's own copy of each command).
    let recording = Arc::new(AtomicBool::new(false));
    let recorder = {
        let (sent, recording) = (Arc::clone(&sent), Arc::clone(&recording));
        TappedProvider::new(
            Box::new(EmuProvider::new("vectors/personas")),
            Arc::new(move |command: &[u8], response: Vec<u8>| {
                if recording.load(Ordering::Relaxed) {
                    sent.lock().unwrap().push(command.to_vec());
                }
                response
            }),
        )
    };
    let mut families: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(recorder)))];
    let catalogue = load_suite(
        &[PathBuf::from("scenarios/card")],
        Path::new("scenarios/requirements.yaml"),
        &families,
    )
    .expect("scenarios load");
    let generated = many_steps_file();
    let options = LoadOptions::default().include_root(generated.parent().map(Path::to_path_buf));
    let generated = load_suite_with(
        &[generated],
        Path::new("scenarios/requirements.yaml"),
        &families,
        &options,
    )
    .expect("the generated scenario loads");
    let profile = Persona::load_named(Path::new("vectors/personas"), "taro")
        .unwrap()
        .card_profile();

    for id in [READ_CERT, MANY_STEPS] {
        let scenario: Scenario = catalogue
            .scenarios
            .iter()
            .chain(&generated.scenarios)
            .find(|s| s.id == id)
            .expect("the measured scenario exists")
            .clone();
        // One recorded run gives the APDU sequence for the baseline.
        recording.store(true, Ordering::Relaxed);
        let report = run_scenario(&scenario, &mut families).report;
        recording.store(false, Ordering::Relaxed);
        assert_eq!(report.verdict, myna_report::Verdict::Pass);
        let steps = report.steps.len() as u64;
        let apdus = std::mem::take(&mut *sent.lock().unwrap());
        print_memory(
            &format!("{id} (evidence of every APDU kept)"),
            apdus.len(),
            || run_scenario(&scenario, &mut families),
        );

        let (via_engine, raw) = (Tally::default(), Tally::default());
        let mut group = c.benchmark_group("engine/card");
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("{id} via engine ({steps} steps)"), |b| {
            b.iter_custom(|iters| {
                via_engine.time(iters, || {
                    run_scenario(&scenario, &mut families).report.verdict
                })
            });
        });
        group.bench_function(
            format!(
                "{id} baseline: same {} APDUs straight to the emulator",
                apdus.len()
            ),
            |b| {
                b.iter_custom(|iters| {
                    raw.time(iters, || {
                        let mut card = Card::new(profile.clone());
                        for apdu in &apdus {
                            std::hint::black_box(card.transmit(apdu).unwrap());
                        }
                    })
                });
            },
        );
        group.finish();
        print_ratio(&format!("card {id}"), steps, &via_engine, &raw);
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
