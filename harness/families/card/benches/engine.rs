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
use myna_family_card::target::{
    CardProvider, CardTarget, CardTargetInfo, EmuProvider, OpenedCard, PowerEvent, ProviderError,
    TransportError,
};
use myna_family_card::CardFamily;
use myna_scenario::Scenario;

/// The scenario measured: many steps, no RSA signing, so the figure is
/// about the engine.
const SCENARIO: &str = "card.read.auth-cert-header7";

type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

/// Passes commands through and remembers them.
struct Recorder {
    inner: Box<dyn CardTarget>,
    sent: Sent,
}

impl CardTarget for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.lock().unwrap().push(command.to_vec());
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

/// Emulated cards whose commands are recorded.
struct Recording {
    inner: EmuProvider,
    sent: Sent,
}

impl CardProvider for Recording {
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError> {
        let mut opened = self.inner.open(scenario)?;
        opened.target = Box::new(Recorder {
            inner: opened.target,
            sent: Arc::clone(&self.sent),
        });
        Ok(opened)
    }
    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        self.inner.describe()
    }
    fn capabilities(&self) -> Vec<String> {
        self.inner.capabilities()
    }
}

fn engine(c: &mut Criterion) {
    common::enter_root().expect("workspace root");
    let sent = Sent::default();
    let mut families: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(Recording {
        inner: EmuProvider::new("vectors/personas"),
        sent: Arc::clone(&sent),
    })))];
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
