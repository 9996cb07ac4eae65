//! What the engine benchmarks of the card, oqs and reader families share
//! (each includes this file by `#[path]`): the engine figure beside its raw
//! baseline as a ratio, steps per second, and the evidence's memory per
//! exchange from a counting allocator.

#![allow(dead_code)] // each bench uses part of it

use std::alloc::System;
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// Counts every allocation (a few atomic adds each, on the engine side and
// the baseline's alike) so that the evidence's memory can be printed.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The time criterion spent in one benchmark's iterations, and how many:
/// the mean of the same run, for the ratio criterion does not print.
#[derive(Clone, Default)]
pub struct Tally(Rc<Cell<(Duration, u64)>>);

impl Tally {
    /// Runs `routine` `iters` times (for `Bencher::iter_custom`), counted.
    pub fn time<T>(&self, iters: u64, mut routine: impl FnMut() -> T) -> Duration {
        let started = Instant::now();
        for _ in 0..iters {
            std::hint::black_box(routine());
        }
        let took = started.elapsed();
        let (total, count) = self.0.get();
        self.0.set((total + took, count + iters));
        took
    }

    fn mean(&self) -> Option<(Duration, u64)> {
        let (total, count) = self.0.get();
        let iters = u32::try_from(count).ok().filter(|n| *n > 0)?;
        Some((total / iters, count))
    }
}

/// Prints the engine's mean beside the raw baseline's, their ratio and the
/// engine's steps per second, against the goals (≤ 2×, ≥ 300,000).
pub fn print_ratio(what: &str, steps: u64, engine: &Tally, raw: &Tally) {
    let (Some((engine_mean, runs)), Some((raw_mean, _))) = (engine.mean(), raw.mean()) else {
        return;
    };
    let note = if runs < 100 {
        " (criterion's test mode: too few runs to be a measurement)"
    } else {
        ""
    };
    let ratio = engine_mean.as_secs_f64() / raw_mean.as_secs_f64();
    let steps_per_s = steps as f64 / engine_mean.as_secs_f64();
    eprintln!(
        "ratio {what}: engine {:.2} µs, raw {:.2} µs per run of {steps} steps → {ratio:.2}× raw \
         (goal ≤ 2×), {steps_per_s:.0} steps/s (goal ≥ 300000){note}",
        engine_mean.as_secs_f64() * 1e6,
        raw_mean.as_secs_f64() * 1e6,
    );
}

/// Runs `f` and gives what it returned with the heap bytes still held
/// afterwards that it allocated (what the returned value keeps).
pub fn retained<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let region = Region::new(GLOBAL);
    let value = f();
    let change = region.change();
    let held = i64::try_from(change.bytes_allocated).unwrap_or(i64::MAX)
        - i64::try_from(change.bytes_deallocated).unwrap_or(i64::MAX)
        + i64::try_from(change.bytes_reallocated).unwrap_or(0);
    (value, held)
}

/// Prints the heap bytes a scenario's report keeps per exchange (APDU,
/// HTTP request, stimulus) and the bytes allocated during its run.
pub fn print_memory<T>(what: &str, exchanges: usize, run: impl FnOnce() -> T) {
    let region = Region::new(GLOBAL);
    let (outcome, held) = retained(run);
    let churn = region.change().bytes_allocated;
    drop(outcome);
    let per = |n: i64| n as f64 / exchanges.max(1) as f64;
    eprintln!(
        "memory {what}: the report keeps {held} B for {exchanges} exchanges = {:.0} B per \
         exchange; the run allocated {churn} B in all ({:.0} B per exchange)",
        per(held),
        per(i64::try_from(churn).unwrap_or(i64::MAX)),
    );
}
