//! Scenario engine throughput: steps per second for a card scenario run by
//! the engine against the in-process emulator, beside a baseline in the same
//! run: the identical C-APDU sequence sent straight to the emulator, so the
//! difference is the engine's own cost (templates, checks, evidence,
//! redaction).

// A benchmark setup failure should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_card_emu::Card;
use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::{EmuProvider, TappedProvider};
use myna_family_card::CardFamily;

/// The scenario measured: many steps, no RSA signing, so the figure is
/// about the engine.
const SCENARIO: &str = "card.read.auth-cert-header7";

type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

fn engine(c: &mut Criterion) {
    common::enter_root().expect("workspace root");
    let sent = Sent::default();
    // Passes commands through and remembers them.
    let recorder = {
        let sent = Arc::clone(&sent);
        TappedProvider::new(
            Box::new(EmuProvider::new("vectors/personas")),
            Arc::new(move |command: &[u8], response: Vec<u8>| {
                sent.lock().unwrap().push(command.to_vec());
                response
            }),
        )
    };
    let mut families: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(recorder)))];
    let suite = load_suite(
        &[PathBuf::from("scenarios/card")],
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

    // One recorded run gives the APDU sequence for the baseline.
    let report = run_scenario(&scenario, &mut families).report;
    assert_eq!(report.verdict, myna_report::Verdict::Pass);
    let steps = report.steps.len() as u64;
    let apdus = std::mem::take(&mut *sent.lock().unwrap());
    let profile = Persona::load_named(Path::new("vectors/personas"), "taro")
        .unwrap()
        .card_profile();

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(steps));
    group.bench_function(format!("{SCENARIO} via engine ({steps} steps)"), |b| {
        b.iter(|| {
            let outcome = run_scenario(&scenario, &mut families);
            sent.lock().unwrap().clear();
            std::hint::black_box(outcome.report.verdict)
        });
    });
    group.bench_function(
        format!(
            "{SCENARIO} baseline: same {} APDUs straight to the emulator",
            apdus.len()
        ),
        |b| {
            b.iter(|| {
                let mut card = Card::new(profile.clone());
                for apdu in &apdus {
                    std::hint::black_box(card.transmit(apdu).unwrap());
                }
            });
        },
    );
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
