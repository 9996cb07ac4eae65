//! A run's memory is flat in its length (issue 14 goal 6): writing the
//! report set of N scenarios scenario by scenario, as a run does
//! ([`SetWriter`]), peaks at the same heap for N = 100 and N = 1,000
//! (printed; the test holds the larger under 1.5 × the smaller). For
//! contrast it prints the peak of rendering the same report whole in
//! memory (`write_reports`), which grows with N.
//!
//! One test in this binary: the counting allocator counts every thread.

#[path = "../benches/large/mod.rs"]
mod large;

use std::error::Error;

use myna_report::{write_reports, Report, ReportDir, Rollup, RollupScope, Summary};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Steps per scenario: enough that a scenario's evidence outweighs the
/// writer's buffers, few enough for a debug build.
const STEPS: usize = 20;

/// Peak heap, in bytes, of writing `count` scenarios as a run does: each
/// made, pushed and dropped in turn, the counts kept beside.
fn streamed_peak(count: usize) -> Result<usize, Box<dyn Error>> {
    let root = tempfile::tempdir()?;
    HEAP.reset_peak_usage();
    let base = HEAP.current_usage();
    let dir = ReportDir::open(&root.path().join("latest"))?;
    let mut writer = dir.set_writer()?;
    let mut summary = Summary::default();
    let mut citations = Rollup::default();
    for i in 0..count {
        let scenario = large::scenario(i, STEPS);
        summary.add_scenario(&scenario);
        citations.add(&scenario);
        writer.push(&scenario);
    }
    let report = Report {
        summary,
        requirements: citations.finish(&large::catalogue(), RollupScope::All),
        ..Report::default()
    };
    writer.write_set(dir, &report, None)?;
    Ok(HEAP.peak_usage().saturating_sub(base))
}

/// Peak heap of making the whole report and writing it with
/// `write_reports`.
fn whole_peak(count: usize) -> Result<usize, Box<dyn Error>> {
    let root = tempfile::tempdir()?;
    HEAP.reset_peak_usage();
    let base = HEAP.current_usage();
    let report = large::large_report_of(count, STEPS);
    write_reports(&report, &root.path().join("latest"))?;
    drop(report);
    Ok(HEAP.peak_usage().saturating_sub(base))
}

#[test]
fn a_run_s_report_memory_does_not_grow_with_its_length() -> Result<(), Box<dyn Error>> {
    let small = streamed_peak(100)?;
    let large = streamed_peak(1000)?;
    let whole_small = whole_peak(100)?;
    let whole_large = whole_peak(1000)?;
    let kb = |bytes: usize| bytes as f64 / 1024.0;
    eprintln!(
        "peak heap, {STEPS} steps a scenario: streamed (SetWriter) N=100 {:.0} KiB, N=1000 {:.0} KiB; \
         whole report (write_reports) N=100 {:.0} KiB, N=1000 {:.0} KiB",
        kb(small),
        kb(large),
        kb(whole_small),
        kb(whole_large),
    );
    assert!(
        (large as f64) < 1.5 * small as f64,
        "streamed peak grows with the run: {small} B for 100 scenarios, {large} B for 1000"
    );
    Ok(())
}
