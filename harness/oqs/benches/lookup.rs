//! Eligibility lookup latency versus population (10⁴ … 10⁷ serials, with
//! re-issue chains), beside a plain `std::collections::HashMap` baseline in
//! the same run, plus memory per serial for both (printed to stderr).
//!
//! `cargo test --benches` (criterion test mode) builds only 10⁴ and 10⁵;
//! `cargo bench` adds 10⁶ and 10⁷; `MYNA_BENCH_NATIONAL=1 cargo bench`
//! adds the national scale (87,300,000 registrations, index only).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use myna_oqs::index::{CertId, PersonId, SerialIndex, NONE};
use myna_oqs::{Resolution, Serial};

/// Deterministic scattered serials (splitmix64), never zero.
fn serial_of(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

fn s(v: u64) -> Serial {
    Serial::new(v).expect("serials are odd, so never zero")
}

/// The baseline's record: what a straightforward implementation keeps.
#[derive(Clone, Copy)]
#[allow(dead_code)]
struct Record {
    owner: u32,
    prev: u64,
    registered: bool,
    revoked: bool,
    not_after: u16,
}

struct World {
    index: SerialIndex,
    map: HashMap<u64, Record>,
    /// Linked serials (hits).
    hits: Vec<u64>,
    /// Never issued.
    misses: Vec<u64>,
    /// (person, new unlinked cert, old linked cert, new serial): first use pending.
    pending: Vec<(PersonId, CertId, CertId, u64)>,
}

const PROBES: usize = 4096;
const PENDING: usize = 1024;

/// `n` persons, each registered; every fifth has been re-issued once and
/// re-linked (a chain of two); `PENDING` more have a re-issue not yet used.
fn build(n: usize, with_map: bool) -> World {
    let reissued = n / 5;
    let serials = n + reissued + 2 * PENDING;
    let mut index = SerialIndex::with_capacity(serials, n + PENDING);
    let mut map = if with_map {
        HashMap::with_capacity(serials)
    } else {
        HashMap::new()
    };
    let mut counter = 0u64;
    let mut next = || {
        counter += 1;
        serial_of(counter)
    };
    let mut hits = Vec::with_capacity(PROBES);
    let mut pending = Vec::with_capacity(PENDING);
    for i in 0..n + PENDING {
        let p = index.add_person().expect("capacity");
        let first = next();
        let c = index.issue(p, s(first), 12_000).expect("unique");
        index.register(p, c).expect("own active cert");
        if with_map {
            map.insert(
                first,
                Record {
                    owner: p,
                    prev: 0,
                    registered: true,
                    revoked: false,
                    not_after: 12_000,
                },
            );
        }
        let mut newest = first;
        if i >= n {
            let second = next();
            let c2 = index.issue(p, s(second), 13_000).expect("unique");
            if with_map {
                if let Some(r) = map.get_mut(&first) {
                    r.revoked = true;
                }
                map.insert(
                    second,
                    Record {
                        owner: p,
                        prev: first,
                        registered: false,
                        revoked: false,
                        not_after: 13_000,
                    },
                );
            }
            pending.push((p, c2, c, second));
            continue;
        }
        if i % 5 == 0 {
            let second = next();
            let c2 = index.issue(p, s(second), 13_000).expect("unique");
            index.relink(p, c2);
            if with_map {
                if let Some(r) = map.get_mut(&first) {
                    r.revoked = true;
                    r.registered = false;
                }
                map.insert(
                    second,
                    Record {
                        owner: p,
                        prev: first,
                        registered: true,
                        revoked: false,
                        not_after: 13_000,
                    },
                );
            }
            newest = second;
        }
        if hits.len() < PROBES && (i % (n / PROBES).max(1) == 0) {
            hits.push(newest);
        }
    }
    let misses = (0..PROBES as u64)
        .map(|i| serial_of(u64::MAX / 2 - i))
        .collect();
    World {
        index,
        map,
        hits,
        misses,
        pending,
    }
}

fn baseline_first_use(map: &mut HashMap<u64, Record>, serial: u64) -> Option<u32> {
    let record = *map.get(&serial)?;
    if record.revoked {
        return None;
    }
    if record.registered {
        return Some(record.owner);
    }
    let mut walk = record.prev;
    let mut steps = 0;
    while walk != 0 && steps < 64 {
        let old = *map.get(&walk)?;
        if old.owner == record.owner && (old.registered || old.revoked) {
            if let Some(r) = map.get_mut(&serial) {
                r.registered = true;
            }
            return Some(record.owner);
        }
        walk = old.prev;
        steps += 1;
    }
    None
}

/// Resident memory of this process (Linux), for measuring a structure by
/// the growth it causes; `None` elsewhere.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Measures the baseline's memory: the resident growth while a fresh
/// `HashMap<serial, Record>` of `serials` entries is built (the same
/// layout as the one benchmarked), divided by the entries.
fn measured_map_bytes_per_serial(serials: usize) -> Option<f64> {
    let before = resident_bytes()?;
    let mut map: HashMap<u64, Record> = HashMap::with_capacity(serials);
    for i in 0..serials as u64 {
        map.insert(
            serial_of(i + (1 << 40)),
            Record {
                owner: 0,
                prev: 0,
                registered: true,
                revoked: false,
                not_after: 12_000,
            },
        );
    }
    let after = resident_bytes()?;
    black_box(&map);
    Some(after.saturating_sub(before) as f64 / serials as f64)
}

fn report_memory(n: usize, world: &World) {
    let serials = world.index.certificates() as f64;
    let index_bytes =
        (world.index.bytes_allocated() - world.index.person_bytes_allocated()) as f64 / serials;
    let person_bytes = world.index.person_bytes_allocated() as f64 / world.index.persons() as f64;
    let entry = std::mem::size_of::<(u64, Record)>() + 1;
    let map_bytes = if world.map.is_empty() {
        f64::NAN
    } else {
        (world.map.capacity() as f64 * 8.0 / 7.0 * entry as f64) / world.map.len() as f64
    };
    let measured = if world.map.is_empty() {
        None
    } else {
        measured_map_bytes_per_serial(world.map.len())
    };
    let measured = measured.map_or_else(|| "n/a".to_string(), |b| format!("{b:.1}"));
    eprintln!(
        "memory n={n}: index {index_bytes:.1} B/serial + {person_bytes:.1} B/person ({} serials, {} persons, {:.1} MiB total); hashmap measured {measured} B/serial (resident growth), ≈{map_bytes:.1} B/serial from its capacity",
        world.index.certificates(),
        world.index.persons(),
        world.index.bytes_allocated() as f64 / 1048576.0
    );
}

fn bench_population(c: &mut Criterion, n: usize, with_map: bool) {
    let started = std::time::Instant::now();
    let mut world = build(n, with_map);
    eprintln!(
        "load n={n}: {:.2} s to build the index{}",
        started.elapsed().as_secs_f64(),
        if with_map {
            " and the HashMap baseline"
        } else {
            ""
        }
    );
    report_memory(n, &world);
    let mut group = c.benchmark_group("lookup");
    let hits: Vec<Serial> = world.hits.iter().map(|v| s(*v)).collect();
    let misses: Vec<Serial> = world.misses.iter().map(|v| s(*v)).collect();
    group.bench_function(BenchmarkId::new("hit/index", n), |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % hits.len();
            black_box(world.index.resolve(hits[i]))
        })
    });
    group.bench_function(BenchmarkId::new("miss/index", n), |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % misses.len();
            black_box(world.index.resolve(misses[i]))
        })
    });
    if with_map {
        group.bench_function(BenchmarkId::new("hit/hashmap", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % world.hits.len();
                black_box(world.map.get(&world.hits[i]).map(|r| r.owner))
            })
        });
        group.bench_function(BenchmarkId::new("miss/hashmap", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % world.misses.len();
                black_box(world.map.get(&world.misses[i]).map(|r| r.owner))
            })
        });
    }
    let pending = world.pending.clone();
    group.bench_function(BenchmarkId::new("first-use-relink/index", n), |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % pending.len();
            let (person, new_cert, old_cert, serial) = pending[i];
            let linked = match world.index.resolve(s(serial)) {
                Resolution::Unlinked { cert, .. } => match world.index.trace(cert).registered {
                    Some(p) => {
                        world.index.relink(p, cert);
                        p
                    }
                    None => NONE,
                },
                _ => NONE,
            };
            // Undo, so the next round is a first use again.
            world.index.relink(person, old_cert);
            black_box((linked, new_cert))
        })
    });
    if with_map {
        group.bench_function(BenchmarkId::new("first-use-relink/hashmap", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % pending.len();
                let serial = pending[i].3;
                let linked = baseline_first_use(&mut world.map, serial);
                if let Some(r) = world.map.get_mut(&serial) {
                    r.registered = false;
                }
                black_box(linked)
            })
        });
    }
    group.finish();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    let mut populations = vec![10_000usize, 100_000];
    if full {
        populations.extend([1_000_000, 10_000_000]);
    }
    for n in populations {
        bench_population(&mut c, n, true);
    }
    if full && std::env::var("MYNA_BENCH_NATIONAL").is_ok_and(|v| v == "1") {
        bench_population(&mut c, 87_300_000, false);
    }
    c.final_summary();
}
