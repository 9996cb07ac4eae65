//! The memory system's reference figures, measured in the same run as the
//! lookups: independent random 8-byte loads from a large array (throughput:
//! many misses in flight) and a pointer chase through a random cyclic
//! permutation of its cache lines (latency: one miss at a time).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;

use crate::rng::SplitMix;

/// u64 words per 64-byte cache line.
const WORDS_PER_LINE: usize = 8;

/// An array of `bytes` whose first word in each cache line holds the word
/// index of the next line of one random cycle through all lines
/// (Sattolo's shuffle gives a single cycle).
fn chase_array(bytes: usize) -> Vec<u64> {
    let lines = (bytes / 64).max(2);
    let mut order: Vec<u32> = (0..lines as u32).collect();
    let mut rng = SplitMix::new(0xD2A4);
    for i in (1..lines).rev() {
        let j = rng.below(i as u64) as usize; // j < i: Sattolo, one cycle
        order.swap(i, j);
    }
    let mut words = vec![0u64; lines * WORDS_PER_LINE];
    for k in 0..lines {
        let from = order[k] as usize * WORDS_PER_LINE;
        let to = order[(k + 1) % lines] as usize * WORDS_PER_LINE;
        words[from] = to as u64;
    }
    words
}

/// Benchmarks `dram/independent` and `dram/dependent` over an array of
/// `bytes` (≥ 1 GiB under `cargo bench`, far beyond the last-level cache).
pub fn bench(c: &mut Criterion, bytes: usize) {
    let started = Instant::now();
    let words = chase_array(bytes);
    eprintln!(
        "dram reference: {} MiB array, {} cache lines, built in {:.1} s",
        (words.len() * 8) >> 20,
        words.len() / WORDS_PER_LINE,
        started.elapsed().as_secs_f64()
    );
    let lines = (words.len() / WORDS_PER_LINE) as u64;
    let mut group = c.benchmark_group("dram");
    group.bench_function("independent", |b| {
        b.iter_custom(|iters| {
            let mut rng = SplitMix::new(iters);
            let mut sum = 0u64;
            let start = Instant::now();
            for _ in 0..iters {
                let line = rng.below(lines) as usize;
                sum = sum.wrapping_add(words[line * WORDS_PER_LINE]);
            }
            black_box(sum);
            start.elapsed()
        })
    });
    group.bench_function("dependent", |b| {
        let mut at = 0usize;
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                at = words[at] as usize;
            }
            black_box(at);
            start.elapsed()
        })
    });
    group.finish();
    let _: Duration = started.elapsed();
}
