//! The card suite has teeth: each deliberately broken card below (a real
//! emulator behind a wrapper that corrupts one behaviour) must make at
//! least one scenario under `scenarios/card/` fail. A mutant that survives
//! means a requirement nobody checks.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use std::sync::Arc;

use myna_family_card::target::{EmuProvider, TappedProvider};
use myna_family_card::CardFamily;
use myna_report::Verdict;

/// How a mutant changes one exchange: `(command, response) → response`.
type Mutation = fn(&[u8], Vec<u8>) -> Vec<u8>;

fn sw(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

fn with_sw(mut r: Vec<u8>, sw: u16) -> Vec<u8> {
    let n = r.len();
    r[n - 2..].copy_from_slice(&sw.to_be_bytes());
    r
}

const MUTANTS: &[(&str, Mutation)] = &[
    ("the empty VERIFY reports one try fewer", |c, r| {
        if c.len() == 4 && c[1] == 0x20 && sw(&r) & 0xFFF0 == 0x63C0 && sw(&r) > 0x63C0 {
            let fewer = sw(&r) - 1;
            with_sw(r, fewer)
        } else {
            r
        }
    }),
    ("a blocked PIN answers 63C0 instead of 6984", |_, r| {
        if sw(&r) == 0x6984 {
            with_sw(r, 0x63C0)
        } else {
            r
        }
    }),
    ("protected files read as 9000 with no data", |c, r| {
        if c[1] == 0xB0 && sw(&r) == 0x6982 {
            vec![0x90, 0x00]
        } else {
            r
        }
    }),
    (
        "a read past the end returns 6282 instead of 6B00",
        |c, r| {
            if c[1] == 0xB0 && sw(&r) == 0x6B00 {
                with_sw(r, 0x6282)
            } else {
                r
            }
        },
    ),
    ("signatures have one bit flipped", |c, mut r| {
        if c[0] == 0x80 && c[1] == 0x2A && r.len() > 2 {
            r[0] ^= 0x01;
        }
        r
    }),
    (
        "certificate bytes past offset 300 are corrupted",
        |c, mut r| {
            let offset = (usize::from(c[2] & 0x7F) << 8) | usize::from(c[3]);
            if c[1] == 0xB0 && sw(&r) == 0x9000 && r.len() > 2 && offset >= 300 {
                r[0] ^= 0xFF;
            }
            r
        },
    ),
    (
        "unknown instructions answer 6E00 instead of 6D00",
        |_, r| {
            if sw(&r) == 0x6D00 {
                with_sw(r, 0x6E00)
            } else {
                r
            }
        },
    ),
    ("a wrong PIN answers 9000", |c, r| {
        if c[1] == 0x20 && c.len() > 5 && sw(&r) & 0xFFF0 == 0x63C0 {
            with_sw(r, 0x9000)
        } else {
            r
        }
    }),
    (
        "READ BINARY with Le past the end returns nothing",
        |c, r| {
            let le = usize::from(*c.last().unwrap());
            if c[1] == 0xB0 && c.len() == 5 && le != 0 && r.len() - 2 < le && sw(&r) == 0x9000 {
                vec![0x90, 0x00]
            } else {
                r
            }
        },
    ),
    ("SELECT of an unknown EF succeeds", |c, r| {
        if c[1] == 0xA4 && sw(&r) == 0x6A82 {
            with_sw(r, 0x9000)
        } else {
            r
        }
    }),
];

#[test]
fn every_mutant_is_killed_by_some_scenario() {
    common::enter_root().unwrap();
    let plain: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(EmuProvider::new(
        "vectors/personas",
    ))))];
    let suite = load_suite(
        &[PathBuf::from("scenarios/card")],
        Path::new("scenarios/requirements.yaml"),
        &plain,
    )
    .unwrap_or_else(|p| panic!("{:?}", p.diagnostics));
    let mut survivors = Vec::new();
    for (name, mutation) in MUTANTS {
        let mutant = TappedProvider::new(
            Box::new(EmuProvider::new("vectors/personas")),
            Arc::new(*mutation),
        );
        let mut families: Vec<Box<dyn Family>> = vec![Box::new(CardFamily::new(Box::new(mutant)))];
        let killed_by = suite
            .scenarios
            .iter()
            .find(|scenario| run_scenario(scenario, &mut families).report.verdict == Verdict::Fail);
        match killed_by {
            Some(s) => eprintln!("killed: {name} (by {})", s.id),
            None => survivors.push(*name),
        }
    }
    assert!(
        survivors.is_empty(),
        "no scenario fails when: {survivors:?}"
    );
}
