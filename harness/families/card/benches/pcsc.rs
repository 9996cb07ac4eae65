//! APDU round trips, in one run: SELECT EF + READ BINARY (two APDUs)
//! against the in-process emulator; then through pcscd + vpcd (the emulator
//! served from a thread by `Emulator::spawn`) a scenario of
//! [`STEPS`] such steps, sent by the harness's `PcscCard` and by a bare
//! `pcsc` transmit loop on the same reader, under the same transaction
//! arrangement: one transaction across the scenario (the harness's
//! default), one per step, one per command (`--card-transaction=…`). The
//! raw loop is the floor of the PC/SC path; `PcscCard` minus it is the
//! harness's own overhead (its timed worker thread, the 61xx/6Cxx
//! handling). Each arrangement ends with the ratio harness / raw, measured
//! interleaved (rounds of both, the median of their ratios) so that load
//! from other processes falls on both alike.
//!
//! The PC/SC parts need pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`);
//! without it they are skipped with a note (a failure under `CI=true`,
//! where `.ci/run` starts it). They use vpcd slot 1
//! (`Virtual PCD 00 01`, port 35964) so that slot 0 stays free, and take
//! the tests' slot lock while they run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;
use common::pcsc::{claim_slots, open_when_present, reader_missing};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_card_emu::vpcd::{Emulator, EmulatorOptions, Reconnect};
use myna_card_emu::Card;
use myna_family_card::target::{CardTarget, PcscCard, PcscOptions, ReaderSelector};

const READER: &str = "Virtual PCD 00 01";
const VPCD_ADDR: &str = "127.0.0.1:35964";
/// SELECT DF JPKI (card-protocol.md §2.1), sent once.
const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
/// SELECT EF 000A (auth certificate) and READ BINARY of its first 4 bytes.
const SELECT_EF: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A];
const READ_BINARY: [u8; 5] = [0x00, 0xB0, 0x00, 0x00, 0x04];

fn card() -> Card {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("vectors/personas");
    Card::new(Persona::load_named(&root, "taro").unwrap().card_profile())
}

/// Steps (SELECT EF + READ BINARY each) in the benchmark's scenario.
const STEPS: u64 = 8;

/// How long a transaction lasts, for both the harness and the raw loop.
#[derive(Clone, Copy)]
enum Arrangement {
    Scenario,
    Step,
    Command,
}

impl Arrangement {
    const ALL: [Arrangement; 3] = [
        Arrangement::Scenario,
        Arrangement::Step,
        Arrangement::Command,
    ];

    fn name(self) -> &'static str {
        match self {
            Arrangement::Scenario => "transaction_per_scenario",
            Arrangement::Step => "transaction_per_step",
            Arrangement::Command => "transaction_per_command",
        }
    }
}

/// One step through the harness: its two commands.
fn harness_step(card: &mut dyn CardTarget) {
    std::hint::black_box(card.transmit(&SELECT_EF).unwrap());
    std::hint::black_box(card.transmit(&READ_BINARY).unwrap());
}

/// `scenarios` scenarios of [`STEPS`] steps through the harness.
fn harness_scenarios(card: &mut PcscCard, arrangement: Arrangement, scenarios: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..scenarios {
        match arrangement {
            Arrangement::Scenario => card
                .in_transaction(|card| (0..STEPS).for_each(|_| harness_step(card)))
                .unwrap(),
            // As `run --card-transaction=step` does: begun with the step's
            // first command, in the same hand-over to the worker.
            Arrangement::Step => {
                (0..STEPS).for_each(|_| card.in_transaction_from_first_call(harness_step).unwrap())
            }
            // With no transaction held every command gets one of its own.
            Arrangement::Command => (0..STEPS).for_each(|_| harness_step(card)),
        }
    }
    started.elapsed()
}

/// One command through bare `pcsc`.
fn raw_command(card: &pcsc::Card, command: &[u8], buffer: &mut [u8]) {
    std::hint::black_box(card.transmit(command, buffer).unwrap().len());
}

/// One step through bare `pcsc`.
fn raw_step(card: &pcsc::Card, buffer: &mut [u8]) {
    raw_command(card, &SELECT_EF, buffer);
    raw_command(card, &READ_BINARY, buffer);
}

/// `SCardEndTransaction`, leaving the card.
fn end(tx: pcsc::Transaction<'_>) {
    tx.end(pcsc::Disposition::LeaveCard)
        .map_err(|(_, e)| e)
        .unwrap();
}

/// The same scenarios through bare `pcsc`, with the same transactions.
fn raw_scenarios(
    card: &mut pcsc::Card,
    arrangement: Arrangement,
    scenarios: u64,
    buffer: &mut [u8],
) -> Duration {
    let started = Instant::now();
    for _ in 0..scenarios {
        match arrangement {
            Arrangement::Scenario => {
                let tx = card.transaction().unwrap();
                (0..STEPS).for_each(|_| raw_step(&tx, buffer));
                end(tx);
            }
            Arrangement::Step => (0..STEPS).for_each(|_| {
                let tx = card.transaction().unwrap();
                raw_step(&tx, buffer);
                end(tx);
            }),
            Arrangement::Command => (0..STEPS).for_each(|_| {
                for command in [&SELECT_EF[..], &READ_BINARY[..]] {
                    let tx = card.transaction().unwrap();
                    raw_command(&tx, command, buffer);
                    end(tx);
                }
            }),
        }
    }
    started.elapsed()
}

/// The CPU time this process's threads have used so far (the caller, the
/// harness's worker, the emulator's thread), from Linux's
/// `/proc/self/task/*/schedstat` (nanoseconds on a CPU); `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// Runs `side`, returning its wall-clock time and the CPU time this process
/// used meanwhile.
fn timed(side: impl FnOnce() -> Duration) -> (Duration, Option<Duration>) {
    let before = process_cpu();
    let wall = side();
    let cpu = process_cpu()
        .zip(before)
        .map(|(after, before)| after.saturating_sub(before));
    (wall, cpu)
}

/// The `q`-quantile (0..=1) of `sorted` values; NaN when there are none.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let at = ((last as f64) * q).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// One round's figures per scenario, in µs: wall-clock time and the CPU
/// time this process used, for the harness (looking before sleeping, the
/// default), the harness sleeping at once (as before looking was added)
/// and the raw loop.
#[derive(Clone, Copy)]
struct Round {
    looking: (f64, Option<f64>),
    sleeping: (f64, Option<f64>),
    raw: (f64, Option<f64>),
}

/// The two `PcscCard`s the benchmark compares with the raw loop, on the
/// same reader: the default one, and one with `look_before_sleeping` off.
struct Harnesses {
    looking: PcscCard,
    sleeping: PcscCard,
}

/// `rounds` rounds of `per_round` scenarios through each side, back to
/// back; the order alternates (looking, raw, sleeping / sleeping, raw,
/// looking), so that each harness goes before the raw loop in half of
/// the rounds and after it in the other half.
fn interleave(
    harnesses: &mut Harnesses,
    raw: &mut pcsc::Card,
    arrangement: Arrangement,
    rounds: usize,
    per_round: u64,
) -> Vec<Round> {
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE];
    let per_scenario = |(wall, cpu): (Duration, Option<Duration>)| {
        let micros = |d: Duration| d.as_secs_f64() * 1e6 / per_round as f64;
        (micros(wall), cpu.map(micros))
    };
    (0..rounds)
        .map(|round| {
            let through = |card: &mut PcscCard| {
                per_scenario(timed(|| harness_scenarios(card, arrangement, per_round)))
            };
            let first = if round % 2 == 0 {
                through(&mut harnesses.looking)
            } else {
                through(&mut harnesses.sleeping)
            };
            let raw = per_scenario(timed(|| {
                raw_scenarios(raw, arrangement, per_round, &mut buffer)
            }));
            if round % 2 == 0 {
                let sleeping = through(&mut harnesses.sleeping);
                Round {
                    looking: first,
                    sleeping,
                    raw,
                }
            } else {
                let looking = through(&mut harnesses.looking);
                Round {
                    looking,
                    sleeping: first,
                    raw,
                }
            }
        })
        .collect()
}

/// The median, quartiles and extremes of `values`.
fn spread(values: Vec<f64>) -> [f64; 5] {
    let values = sorted(values);
    [0.5, 0.25, 0.75, 0.0, 1.0].map(|q| quantile(&values, q))
}

/// Harness / raw for `arrangement`, interleaved ([`interleave`]) so that
/// load from other processes falls on all sides alike. Prints the medians
/// per scenario, the median of the rounds' ratios (the figure) and their
/// spread (quartiles, extremes); then the same for the harness sleeping at
/// once, and the CPU time of each side.
fn print_ratio(
    harnesses: &mut Harnesses,
    raw: &mut pcsc::Card,
    arrangement: Arrangement,
    rounds: usize,
    per_round: u64,
) {
    let (looked_before, asleep_before) = PcscCard::hand_overs();
    let measured = interleave(harnesses, raw, arrangement, rounds, per_round);
    let (looked, asleep) = PcscCard::hand_overs();
    let (looked, asleep) = (looked - looked_before, asleep - asleep_before);
    let median = |side: fn(&Round) -> f64| spread(measured.iter().map(side).collect())[0];
    let ratios = spread(measured.iter().map(|r| r.looking.0 / r.raw.0).collect());
    // Which side went first, apart: a gap between them is an order effect
    // (the second side finding pcscd or the caches as the first left them).
    let by_order = |first: usize| {
        let picked = measured.iter().enumerate().filter(|(i, _)| i % 2 == first);
        spread(picked.map(|(_, r)| r.looking.0 / r.raw.0).collect())[0]
    };
    println!(
        "pcsc {}: harness {:.0} µs, raw pcsc loop {:.0} µs per scenario of {STEPS} steps ({} \
         APDUs); harness / raw ×{:.3} (goal ≤ 1.05; quartiles ×{:.3}–×{:.3}, extremes \
         ×{:.3}–×{:.3}; harness first ×{:.3}, raw first ×{:.3}; medians of {rounds} \
         interleaved rounds of {per_round})",
        arrangement.name(),
        median(|r| r.looking.0),
        median(|r| r.raw.0),
        2 * STEPS,
        ratios[0],
        ratios[1],
        ratios[2],
        ratios[3],
        ratios[4],
        by_order(0),
        by_order(1),
    );
    let slept = spread(measured.iter().map(|r| r.sleeping.0 / r.raw.0).collect());
    let gain = spread(
        measured
            .iter()
            .map(|r| r.looking.0 / r.sleeping.0)
            .collect(),
    );
    println!(
        "pcsc {}: the harness sleeping at once (look_before_sleeping off, as before) {:.0} µs; \
         sleeping / raw ×{:.3} (quartiles ×{:.3}–×{:.3}); looking / sleeping ×{:.3} (quartiles \
         ×{:.3}–×{:.3}); same rounds",
        arrangement.name(),
        median(|r| r.sleeping.0),
        slept[0],
        slept[1],
        slept[2],
        gain[0],
        gain[1],
        gain[2],
    );
    print_cpu(arrangement, &measured);
    println!(
        "pcsc {}: hand-overs between the harness and its worker taken while looking {looked}, \
         asleep {asleep} (both harnesses; the sleeping one never looks)",
        arrangement.name(),
    );
}

/// The CPU time of this process per scenario on each side, medians of the
/// same rounds (Linux only).
fn print_cpu(arrangement: Arrangement, measured: &[Round]) {
    let cpu = |side: fn(&Round) -> Option<f64>| {
        let values: Option<Vec<f64>> = measured.iter().map(side).collect();
        values.map(|v| spread(v)[0])
    };
    if let (Some(looking), Some(sleeping), Some(raw)) = (
        cpu(|r| r.looking.1),
        cpu(|r| r.sleeping.1),
        cpu(|r| r.raw.1),
    ) {
        println!(
            "pcsc {}: CPU of this process (caller, worker, emulator) per scenario: harness \
             {looking:.0} µs, harness sleeping at once {sleeping:.0} µs, raw pcsc loop {raw:.0} \
             µs (medians of the same rounds)",
            arrangement.name(),
        );
    }
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("apdu_round_trip");
    group.throughput(Throughput::Elements(2));

    let mut in_process = card();
    assert_eq!(in_process.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    group.bench_function("in_process_emulator", |b| {
        b.iter(|| {
            std::hint::black_box(in_process.transmit(&SELECT_EF).unwrap());
            std::hint::black_box(in_process.transmit(&READ_BINARY).unwrap());
        });
    });
    group.finish();

    if let Some(why) = reader_missing(READER) {
        // .ci/run starts pcscd first: there its absence is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and pcscd with vpcd not available ({why}): start it with .ci/pcscd.sh"
        );
        eprintln!(
            "pcscd with vpcd not available ({why}): PC/SC round trips skipped (see docs/pcsc.md)"
        );
        return;
    }
    let _slots = claim_slots();
    let options = EmulatorOptions {
        reconnect: Reconnect::Never,
        ..EmulatorOptions::default()
    };
    let (control, thread) = Emulator::new(VPCD_ADDR, card())
        .with_options(options)
        .spawn();

    let mut harness = open_when_present(READER, Duration::from_secs(20));
    assert_eq!(harness.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    let mut sleeping = PcscCard::open(PcscOptions {
        look_before_sleeping: false,
        ..PcscOptions::reader(ReaderSelector::Exact(READER.into()))
    })
    .unwrap();
    assert_eq!(sleeping.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    let mut harnesses = Harnesses {
        looking: harness,
        sleeping,
    };
    let context = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = CString::new(READER).unwrap();
    let mut raw = context
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE];
    raw.transmit(&SELECT_JPKI, &mut buffer).unwrap();

    // `cargo bench` passes --bench; `cargo test --benches` does not (one
    // pass of each, seconds).
    let measuring = std::env::args().any(|a| a == "--bench");
    let (rounds, per_round) = if measuring { (201, 2) } else { (2, 1) };
    let mut group = c.benchmark_group("pcsc_scenario");
    group.throughput(Throughput::Elements(2 * STEPS));
    for arrangement in Arrangement::ALL {
        group.bench_function(format!("{}/harness", arrangement.name()), |b| {
            b.iter_custom(|n| harness_scenarios(&mut harnesses.looking, arrangement, n));
        });
        group.bench_function(format!("{}/raw_pcsc_loop", arrangement.name()), |b| {
            b.iter_custom(|n| raw_scenarios(&mut raw, arrangement, n, &mut buffer));
        });
        print_ratio(&mut harnesses, &mut raw, arrangement, rounds, per_round);
    }
    group.finish();
    drop(harnesses);
    drop(raw);
    control.shutdown().unwrap();
    let _ = thread.join();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
