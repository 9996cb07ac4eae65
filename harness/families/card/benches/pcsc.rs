//! APDU round trip, in one run: SELECT EF + READ BINARY (two APDUs) against
//! the in-process emulator, through pcscd + vpcd with the harness's
//! `PcscCard` (the emulator served from a thread by `Emulator::spawn`), and
//! through pcscd + vpcd with a bare `pcsc` transmit loop on the same reader
//! (the floor of the PC/SC path; `PcscCard` minus it is the harness's own
//! overhead: a transaction per command and the 61xx/6Cxx handling).
//!
//! The PC/SC parts need pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`);
//! without it they are skipped with a note. They use vpcd slot 1
//! (`Virtual PCD 00 01`, port 35964) so that slot 0 stays free.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myna_card_emu::persona::Persona;
use myna_card_emu::vpcd::{Emulator, EmulatorOptions, Reconnect};
use myna_card_emu::Card;
use myna_family_card::target::{
    list_pcsc_readers, CardTarget, PcscCard, PcscOptions, ReaderSelector,
};

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

fn pcscd_with_vpcd() -> Result<(), String> {
    let readers = list_pcsc_readers().map_err(|e| e.to_string())?;
    if readers.iter().any(|r| r == READER) {
        Ok(())
    } else {
        Err(format!("no reader '{READER}' (readers: {readers:?})"))
    }
}

fn open_when_present() -> PcscCard {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(READER.into()))) {
            Ok(card) => return card,
            Err(e) if Instant::now() > deadline => panic!("no card in '{READER}': {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
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

    if let Err(why) = pcscd_with_vpcd() {
        eprintln!(
            "pcscd with vpcd not available ({why}): PC/SC round trips skipped (see docs/pcsc.md)"
        );
        group.finish();
        return;
    }
    let options = EmulatorOptions {
        reconnect: Reconnect::Never,
        ..EmulatorOptions::default()
    };
    let (control, thread) = Emulator::new(VPCD_ADDR, card())
        .with_options(options)
        .spawn();

    let mut harness = open_when_present();
    assert_eq!(harness.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    group.bench_function("pcsc_card_through_pcscd_vpcd", |b| {
        b.iter(|| {
            std::hint::black_box(harness.transmit(&SELECT_EF).unwrap());
            std::hint::black_box(harness.transmit(&READ_BINARY).unwrap());
        });
    });
    drop(harness);

    let context = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = CString::new(READER).unwrap();
    let raw = context
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE];
    raw.transmit(&SELECT_JPKI, &mut buffer).unwrap();
    group.bench_function("raw_pcsc_transmit_loop", |b| {
        b.iter(|| {
            std::hint::black_box(raw.transmit(&SELECT_EF, &mut buffer).unwrap().len());
            std::hint::black_box(raw.transmit(&READ_BINARY, &mut buffer).unwrap().len());
        });
    });
    drop(raw);
    group.finish();
    control.shutdown().unwrap();
    let _ = thread.join();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
