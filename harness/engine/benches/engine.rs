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

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_card_emu::Card;
use myna_engine::target::{
    CardProvider, CardTarget, CardTargetInfo, EmuProvider, PowerEvent, TransportError,
};
use myna_engine::{load_suite, run_scenario, RunContext};

/// The scenario measured: many steps, no RSA signing, so the figure is
/// about the engine.
const SCENARIO: &str = "card.read.auth-cert-header7";

/// Passes commands through and remembers them.
struct Recorder {
    inner: Box<dyn CardTarget>,
    sent: Vec<Vec<u8>>,
}

impl CardTarget for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        self.inner.transmit(command)
    }
    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.inner.power(event)
    }
    fn info(&self) -> CardTargetInfo {
        self.inner.info()
    }
    fn capabilities(&self) -> Vec<String> {
        self.inner.capabilities()
    }
}

fn engine(c: &mut Criterion) {
    common::enter_root().expect("workspace root");
    let suite = load_suite(
        &[PathBuf::from("scenarios/card")],
        Path::new("scenarios/requirements.yaml"),
    )
    .expect("scenarios load");
    let scenario = suite
        .scenarios
        .iter()
        .find(|s| s.id == SCENARIO)
        .expect("the measured scenario exists")
        .clone();
    let mut provider = EmuProvider::new("vectors/personas");
    let capabilities = provider.capabilities();

    // One recorded run gives the APDU sequence for the baseline.
    let opened = provider.open(None).unwrap();
    let mut recorder = Recorder {
        inner: opened.target,
        sent: Vec::new(),
    };
    let report = run_scenario(
        &scenario,
        RunContext {
            card: Some(&mut recorder),
            oqs: None,
            persona: &opened.vars,
            persona_id: opened.persona.clone(),
            capabilities: &capabilities,
        },
    )
    .report;
    assert_eq!(report.verdict, myna_report::Verdict::Pass);
    let steps = report.steps.len() as u64;
    let apdus = recorder.sent;
    let profile = Persona::load_named(Path::new("vectors/personas"), "taro")
        .unwrap()
        .card_profile();

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(steps));
    group.bench_function(format!("{SCENARIO} via engine ({steps} steps)"), |b| {
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
