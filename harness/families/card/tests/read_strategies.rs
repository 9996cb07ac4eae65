//! Each `read_file` strategy sends the READ BINARY commands of the clients it
//! stands for (card-protocol.md §2.3), checked on the commands that reach
//! the card while the committed scenarios run: a strategy that reads the
//! right bytes with the wrong commands never exercises the hazard it names.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_card::target::{EmuProvider, TappedProvider};
use myna_family_card::CardFamily;
use myna_report::Verdict;

/// The READ BINARY commands (hex) the scenario `id` sends, after it passed.
fn read_binaries(id: &str) -> Vec<String> {
    common::enter_root().unwrap();
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let log = Arc::clone(&seen);
    let tapped = TappedProvider::new(
        Box::new(EmuProvider::new("vectors/personas")),
        Arc::new(move |command: &[u8], response: Vec<u8>| {
            log.lock().unwrap().push(command.to_vec());
            response
        }),
    );
    let mut families: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(tapped)))];
    let suite = load_suite(
        &[PathBuf::from("scenarios/card/read")],
        Path::new("scenarios/requirements.yaml"),
        &families,
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let scenario = suite.scenarios.iter().find(|s| s.id == id).unwrap();
    let report = run_scenario(scenario, &mut families).report;
    assert_eq!(report.verdict, Verdict::Pass, "{id}");
    let commands = seen.lock().unwrap().clone();
    commands
        .iter()
        .filter(|c| c.get(1) == Some(&0xB0))
        .map(hex::encode_upper)
        .collect()
}

/// jpki-rs and myna-rs: `00 B0 00 00 07`, then Le=00 (256) while more than
/// 255 bytes remain, then the exact rest. The persona's auth certificate is
/// longer than 7 + 2 × 256 bytes, so both kinds of chunk occur.
#[test]
fn header7_reads_le_00_chunks_then_the_exact_rest() {
    let reads = read_binaries("card.read.auth-cert-header7");
    assert_eq!(reads[0], "00B0000007");
    assert_eq!(
        reads[1], "00B0000700",
        "the first chunk after the header is Le=00"
    );
    let (last, chunks) = reads[1..].split_last().unwrap();
    for (i, chunk) in chunks.iter().enumerate() {
        let offset = 7 + 256 * i;
        assert_eq!(*chunk, format!("00B0{offset:04X}00"), "chunk {i}");
    }
    let offset = 7 + 256 * chunks.len();
    assert!(last.starts_with(&format!("00B0{offset:04X}")), "{last}");
    assert_ne!(&last[8..], "00", "the rest is asked for exactly");
    assert!(chunks.len() >= 2, "{reads:?}");
}

/// myna-yk and pyjpki: Le=FF from offset 0 until a short answer.
#[test]
fn chunk255_reads_le_ff_from_offset_0() {
    let reads = read_binaries("card.read.auth-cert-chunk255");
    assert!(reads.len() >= 2, "{reads:?}");
    for (i, read) in reads.iter().enumerate() {
        assert_eq!(*read, format!("00B0{:04X}FF", 255 * i), "chunk {i}");
    }
}

/// OpenSC, jls, gebo: a 4-byte header read, then ≤256-byte chunks.
#[test]
fn header4_reads_a_4_byte_header_then_le_00_chunks() {
    let reads = read_binaries("card.read.auth-cert-header4");
    assert_eq!(reads[0], "00B0000004");
    let (_, chunks) = reads[1..].split_last().unwrap();
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(*chunk, format!("00B0{:04X}00", 4 + 256 * i), "chunk {i}");
    }
}
