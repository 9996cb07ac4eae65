//! The benchmark's population: `n` registered persons, every fifth
//! re-issued once and re-linked (issued after all first certificates, as a
//! re-issue comes years later, so its record is far from the first), plus
//! `PENDING` persons whose re-issue is not yet used; the same population as
//! a `HashMap<u64, Record>` baseline; probe keys uniformly spread over it.

use std::collections::HashMap;
use std::time::Instant;

use myna_oqs::index::{CertId, Issue, PersonId, SerialIndex};
use myna_oqs::Serial;

use crate::memory;
use crate::rng::{mix, SplitMix};

/// Re-issue serials are `serial_of(REISSUE + i)`; never-issued probes use
/// `serial_of(MISS + j)`: disjoint inputs of a bijection.
const REISSUE: u64 = 1 << 40;
const MISS: u64 = 1 << 50;
/// Persons with a re-issue whose first use is still pending.
pub const PENDING: usize = 1024;
/// Certificates handed to the bulk path at a time.
const CHUNK: usize = 1 << 16;
/// The probe set: every key of the population up to this many.
pub const MAX_PROBES: usize = 1 << 20;

/// Deterministic scattered serials, never zero.
pub fn serial_of(i: u64) -> u64 {
    mix(i) | 1
}

pub fn s(v: u64) -> Serial {
    Serial::new(v).expect("serials are odd, so never zero")
}

/// The baseline's record: what a straightforward implementation keeps.
#[derive(Clone, Copy)]
pub struct Record {
    pub owner: u32,
    pub prev: u64,
    pub registered: bool,
    pub revoked: bool,
    #[allow(dead_code)]
    pub not_after: u16,
}

/// (person, new unlinked cert, old linked cert, new serial): first use pending.
pub type Pending = (PersonId, CertId, CertId, u64);

pub struct Built {
    pub index: SerialIndex,
    pub pending: Vec<Pending>,
    pub seconds: f64,
    /// CPU seconds of the build (`None` off Linux).
    pub cpu_seconds: Option<f64>,
    /// Peak resident bytes while building (`None` off Linux).
    pub peak: Option<u64>,
}

fn reissued(i: usize, n: usize) -> bool {
    i < n && i.is_multiple_of(5)
}

/// Builds the index with the bulk path ([`SerialIndex::issue_all`], in
/// chunks so that the input never holds the whole population), timed, with
/// the peak resident size reset first.
pub fn build_index(n: usize) -> Built {
    memory::reset_peak();
    let cpu_before = memory::cpu_seconds();
    let started = Instant::now();
    let total = n + PENDING;
    let serials = n + n.div_ceil(5) + 2 * PENDING;
    let mut index = SerialIndex::with_capacity(serials, total);
    let issue = |person: usize, serial: u64, day: u16, register: bool| Issue {
        person: person as PersonId,
        serial: s(serial),
        not_after_day: day,
        register,
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut ids = Vec::with_capacity(CHUNK);
    let load = |index: &mut SerialIndex, chunk: &mut Vec<Issue>, ids: &mut Vec<CertId>| {
        ids.clear();
        index
            .issue_all(chunk, ids)
            .expect("unique serials, known persons");
        chunk.clear();
    };
    for i in 0..total {
        let p = index.add_person().expect("capacity");
        debug_assert_eq!(p as usize, i);
    }
    let mut first = Vec::with_capacity(PENDING);
    for i in 0..total {
        chunk.push(issue(i, serial_of(i as u64), 12_000, true));
        if chunk.len() == CHUNK || i + 1 == total {
            let start = i + 1 - chunk.len();
            load(&mut index, &mut chunk, &mut ids);
            first.extend(
                ids.iter()
                    .zip(start..)
                    .filter(|(_, person)| *person >= n)
                    .map(|(c, _)| *c),
            );
        }
    }
    for i in (0..n).step_by(5) {
        chunk.push(issue(i, serial_of(REISSUE + i as u64), 13_000, true));
        if chunk.len() == CHUNK {
            load(&mut index, &mut chunk, &mut ids);
        }
    }
    load(&mut index, &mut chunk, &mut ids);
    let mut pending = Vec::with_capacity(PENDING);
    for (k, old) in first.into_iter().enumerate() {
        let i = n + k;
        let serial = serial_of(REISSUE + i as u64);
        let c = index
            .issue(i as PersonId, s(serial), 13_000)
            .expect("unique");
        pending.push((i as PersonId, c, old, serial));
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = memory::cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    Built {
        index,
        pending,
        seconds,
        cpu_seconds,
        peak: memory::peak_bytes(),
    }
}

/// The same population as a `HashMap` keyed by serial.
pub fn build_map(n: usize) -> HashMap<u64, Record> {
    let total = n + PENDING;
    let mut map = HashMap::with_capacity(n + n.div_ceil(5) + 2 * PENDING);
    let record = |owner: usize, prev: u64, registered: bool| Record {
        owner: owner as u32,
        prev,
        registered,
        revoked: false,
        not_after: 12_000,
    };
    for i in 0..total {
        map.insert(serial_of(i as u64), record(i, 0, true));
    }
    for i in (0..n).step_by(5).chain(n..total) {
        let first = serial_of(i as u64);
        if let Some(r) = map.get_mut(&first) {
            r.revoked = true;
            r.registered = i >= n;
        }
        let second = serial_of(REISSUE + i as u64);
        map.insert(second, record(i, first, i < n));
    }
    map
}

/// The serial each person currently authenticates with.
fn newest_serial(i: usize, n: usize) -> u64 {
    if reissued(i, n) {
        serial_of(REISSUE + i as u64)
    } else {
        serial_of(i as u64)
    }
}

/// Up to [`MAX_PROBES`] distinct persons' newest serials, spread over the
/// whole population (all of them when it is smaller) and in random order.
pub fn hit_keys(n: usize) -> Vec<u64> {
    let count = n.min(MAX_PROBES);
    // A stride coprime to n visits distinct persons spread over 0..n.
    let stride = [1_000_003usize, 1_000_033, 1_000_037]
        .into_iter()
        .find(|p| !n.is_multiple_of(*p))
        .unwrap_or(1);
    let mut keys: Vec<u64> = (0..count)
        .map(|j| newest_serial((j * stride) % n, n))
        .collect();
    SplitMix::new(n as u64).shuffle(&mut keys);
    keys
}

/// As many never-issued serials as [`hit_keys`], in random order.
pub fn miss_keys(n: usize) -> Vec<u64> {
    (0..n.min(MAX_PROBES) as u64)
        .map(|j| serial_of(MISS + j))
        .collect()
}
