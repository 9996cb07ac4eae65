//! Eligibility lookup versus population, read against the memory system.
//!
//! Per population (every fifth person re-issued once and re-linked): the
//! index and a plain `std::collections::HashMap<u64, Record>` baseline
//! (SipHash, the std default), probed with up to 2^20 distinct keys spread
//! uniformly over the whole population and walked in random order, so the
//! probed cache lines do not stay warm:
//! - `throughput/…`: independent lookups (many in flight), ns per lookup;
//! - `latency/…`: dependent chains (the next probe's position depends on
//!   the previous answer), ns per lookup;
//! - `first-use-relink/…`: a re-issued serial's first use, traced and re-linked.
//!
//! Beside them, `dram/independent` (random 8-byte loads from a 1 GiB
//! array) and `dram/dependent` (a pointer chase through a random cycle of
//! its cache lines), measured in the same run. Build time, peak resident
//! size and bytes per serial of both structures go to stderr.
//!
//! A miss's answer comes from branches the CPU predicts, so a "dependent"
//! miss chain is serialised only as far as the predictor lets it be; that
//! holds for the index and the baseline alike.
//!
//! `cargo test --benches` (criterion test mode) builds only 10⁴ and 10⁵ and a
//! 4 MiB reference array; `cargo bench` uses 10⁶ and 10⁷ and 1 GiB;
//! `MYNA_BENCH_NATIONAL=1 cargo bench` first builds the national population
//! (87,300,000 persons, index only) and reports its build time and peak
//! resident size.

mod dram;
mod memory;
mod rng;
mod world;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use myna_oqs::index::{SerialIndex, NONE};
use myna_oqs::{Resolution, Serial};

use world::{s, Pending, Record};

const MIB: f64 = 1_048_576.0;
const NATIONAL: usize = 87_300_000;

/// The person a resolution names, as a number to feed the next probe.
fn answer(resolution: Resolution) -> u64 {
    match resolution {
        Resolution::Unknown => u64::from(NONE),
        Resolution::Revoked { person, .. }
        | Resolution::Linked { person, .. }
        | Resolution::Cancelled { person, .. }
        | Resolution::Unlinked { person, .. } => u64::from(person),
    }
}

fn map_answer(map: &HashMap<u64, Record>, key: u64) -> u64 {
    map.get(&key)
        .map_or(u64::from(NONE), |r| u64::from(r.owner))
}

/// `lookup` over `keys`, `iters` times, cycling: independent lookups.
fn throughput(keys: &[u64], iters: u64, lookup: impl Fn(u64) -> u64) -> Duration {
    let mut at = 0usize;
    let mut sum = 0u64;
    let start = Instant::now();
    for _ in 0..iters {
        sum = sum.wrapping_add(lookup(keys[at]));
        at += 1;
        if at == keys.len() {
            at = 0;
        }
    }
    black_box(sum);
    start.elapsed()
}

/// The same, but each probe's position depends on the previous answer
/// (`answer & zero`, with `zero` opaque to the compiler).
fn latency(keys: &[u64], iters: u64, lookup: impl Fn(u64) -> u64) -> Duration {
    let zero = black_box(0u64);
    let mut at = 0usize;
    let start = Instant::now();
    for _ in 0..iters {
        let got = lookup(keys[at]);
        at += 1 + (got & zero) as usize;
        if at >= keys.len() {
            at = 0;
        }
    }
    black_box(at);
    start.elapsed()
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn bench_lookups(
    group: &mut Group<'_>,
    n: usize,
    index: &SerialIndex,
    map: Option<&HashMap<u64, Record>>,
) {
    let hits = world::hit_keys(n);
    let misses = world::miss_keys(n);
    let resolve = |k: u64| answer(index.resolve(Serial::new(k).unwrap_or(s(1))));
    for (mode, keys) in [("hit", &hits), ("miss", &misses)] {
        group.bench_function(
            BenchmarkId::new(format!("throughput/{mode}/index"), n),
            |b| b.iter_custom(|iters| throughput(keys, iters, resolve)),
        );
        if let Some(map) = map {
            let probe = |k| map_answer(map, k);
            group.bench_function(
                BenchmarkId::new(format!("throughput/{mode}/hashmap"), n),
                |b| b.iter_custom(|iters| throughput(keys, iters, probe)),
            );
        }
        group.bench_function(BenchmarkId::new(format!("latency/{mode}/index"), n), |b| {
            b.iter_custom(|iters| latency(keys, iters, resolve))
        });
        if let Some(map) = map {
            let probe = |k| map_answer(map, k);
            group.bench_function(
                BenchmarkId::new(format!("latency/{mode}/hashmap"), n),
                |b| b.iter_custom(|iters| latency(keys, iters, probe)),
            );
        }
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

fn bench_first_use(
    group: &mut Group<'_>,
    n: usize,
    index: &mut SerialIndex,
    map: Option<&mut HashMap<u64, Record>>,
    pending: &[Pending],
) {
    group.bench_function(BenchmarkId::new("first-use-relink/index", n), |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % pending.len();
            let (person, new_cert, old_cert, serial) = pending[i];
            let linked = match index.resolve(s(serial)) {
                Resolution::Unlinked { cert, .. } => match index.trace(cert).registered {
                    Some(p) => {
                        index.relink(p, cert);
                        p
                    }
                    None => NONE,
                },
                _ => NONE,
            };
            // Undo, so the next round is a first use again.
            index.relink(person, old_cert);
            black_box((linked, new_cert))
        })
    });
    if let Some(map) = map {
        group.bench_function(BenchmarkId::new("first-use-relink/hashmap", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % pending.len();
                let serial = pending[i].3;
                let linked = baseline_first_use(map, serial);
                if let Some(r) = map.get_mut(&serial) {
                    r.registered = false;
                }
                black_box(linked)
            })
        });
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".into(), |b| format!("{:.0} MiB", b as f64 / MIB))
}

fn report_memory(n: usize, index: &SerialIndex, map: Option<&HashMap<u64, Record>>) {
    let serials = index.certificates() as f64;
    let total = index.bytes_allocated() as f64;
    let persons = index.person_bytes_allocated() as f64;
    let map_figures = map.map_or_else(
        || "no HashMap at this scale".to_string(),
        |map| {
            let entry = std::mem::size_of::<(u64, Record)>() + 1;
            let from_capacity = map.capacity() as f64 * 8.0 / 7.0 * entry as f64 / map.len() as f64;
            let measured = memory::measured_map_bytes_per_serial(map.len())
                .map_or_else(|| "n/a".to_string(), |b| format!("{b:.1}"));
            format!("hashmap {measured} B/serial measured (resident growth), ≈{from_capacity:.1} from its capacity")
        },
    );
    eprintln!(
        "memory n={n}: index {:.1} B/serial with the person data ({:.1} B/serial without it; {:.1} B/person), {} serials, {} persons, {} table levels, {:.1} MiB; {map_figures}",
        total / serials,
        (total - persons) / serials,
        persons / index.persons() as f64,
        index.certificates(),
        index.persons(),
        index.levels(),
        total / MIB,
    );
}

fn bench_population(c: &mut Criterion, n: usize, with_map: bool) {
    let built = world::build_index(n);
    eprintln!(
        "build n={n}: index of {} serials in {:.2} s ({} CPU), peak resident {} while building",
        built.index.certificates(),
        built.seconds,
        built
            .cpu_seconds
            .map_or_else(|| "n/a".to_string(), |c| format!("{c:.2} s")),
        mib(built.peak)
    );
    let mut index = built.index;
    let mut map = with_map.then(|| world::build_map(n));
    report_memory(n, &index, map.as_ref());
    let mut group = c.benchmark_group("lookup");
    bench_lookups(&mut group, n, &index, map.as_ref());
    bench_first_use(&mut group, n, &mut index, map.as_mut(), &built.pending);
    group.finish();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    if full && std::env::var("MYNA_BENCH_NATIONAL").is_ok_and(|v| v == "1") {
        // First, so that nothing else has touched memory yet.
        bench_population(&mut c, NATIONAL, false);
    }
    dram::bench(&mut c, if full { 1 << 30 } else { 4 << 20 });
    let populations: &[usize] = if full {
        &[1_000_000, 10_000_000]
    } else {
        &[10_000, 100_000]
    };
    for &n in populations {
        bench_population(&mut c, n, true);
    }
    c.final_summary();
}
