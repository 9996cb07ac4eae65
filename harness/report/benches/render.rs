//! Writing a large run's reports (1,000 scenarios × 100 steps, one APDU
//! each; issue 14 goal 6: ≤ 200 ms), each figure beside baselines measured
//! in the same run:
//! - `report.html` alone, and the whole set rendered in memory
//!   (`render_set`: junit, markdown, html, json, their hashes);
//! - the whole set written from the whole report (`write_reports`, as
//!   `report render` and `report merge` do: a staging directory, every
//!   file synced, the swap);
//! - the same set written as a run writes it (`SetWriter`): each scenario's
//!   pieces as it finishes (`push`, during the run: `report.html` and
//!   `report.json` written in place and synced in the background), then at
//!   the run's end what only the end knows, the last bytes synced and the
//!   set swapped in (`write_set`, right after the last push: **what the
//!   run's end waits for**, issue 14's ≤ 200 ms), the same signed, and
//!   both together (all the time a run spends writing its reports);
//! - baseline `serde_json::to_writer` of the same report into a `Vec` (the
//!   least any JSON report of this data costs);
//! - baseline the same number of bytes as the whole set, written and synced
//!   into one file in the same directory (the least the disk costs).
//!
//! After criterion's figures, the run's end and all its writing are
//! measured again round by round, interleaved with both baselines (a
//! shared machine's load weighs on all alike), and printed with their
//! ratios.
//!
//! A benchmark, not a test: `cargo bench -p myna-report --bench render`;
//! `cargo test --benches` runs each once, on 1,000 scenarios × 10 steps
//! (a debug build; the figures of that mode mean nothing).

mod large;

use std::io::Write as _;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use large::{large_report_of, SCENARIOS, STEPS};
use myna_report::{
    generate_key_pair, render_html, render_set, write_reports, Report, ReportDir, ReportSigner,
    SetWriter,
};

/// A run's set with every scenario of `report` pushed, not yet written.
fn pushed(report: &Report, out: &std::path::Path) -> Option<(SetWriter, ReportDir)> {
    let dir = ReportDir::open(out).ok()?;
    let mut writer = dir.set_writer().ok()?;
    for scenario in &report.scenarios {
        writer.push(scenario);
    }
    Some((writer, dir))
}

fn render(c: &mut Criterion) {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let report = large_report_of(SCENARIOS, if benchmarking { STEPS } else { 10 });
    let sizes: Vec<(&str, usize)> = render_set(&report, None)
        .map(|files| files.iter().map(|f| (f.name, f.bytes.len())).collect())
        .unwrap_or_default();
    let set_bytes: usize = sizes.iter().map(|(_, n)| n).sum();
    let json_bytes = serde_json::to_vec(&report).map_or(0, |v| v.len());
    let files: Vec<String> = sizes
        .iter()
        .map(|(name, n)| format!("{name} {:.1} MB", *n as f64 / 1e6))
        .collect();
    eprintln!(
        "render_1000x{}: whole set {:.1} MB ({}); compact serde_json {:.1} MB",
        report.scenarios.first().map_or(0, |s| s.steps.len()),
        set_bytes as f64 / 1e6,
        files.join(", "),
        json_bytes as f64 / 1e6,
    );
    let dir = tempfile::tempdir().ok();
    let dir = dir.as_ref().map(|d| d.path().to_path_buf());
    let filler = vec![b'x'; set_bytes];

    let mut group = c.benchmark_group("render_1000x100");
    group.sample_size(10);
    group.bench_function("report.html", |b| b.iter(|| render_html(&report).len()));
    group.bench_function("whole set in memory", |b| {
        b.iter(|| render_set(&report, None).map(|files| files.len()))
    });
    if let Some(dir) = &dir {
        let out = dir.join("latest");
        group.bench_function("whole set written (write_reports)", |b| {
            b.iter(|| write_reports(&report, &out).map(|w| w.files.len()))
        });
        let run_level = run_level(&report);
        let run_out = dir.join("run");
        group.bench_function(
            "a run: its scenarios pushed as they finish (SetWriter::push)",
            |b| {
                b.iter_batched(
                    || ReportDir::open(&run_out).ok(),
                    |dir| {
                        let mut writer = dir.as_ref()?.set_writer().ok()?;
                        for scenario in &report.scenarios {
                            writer.push(scenario);
                        }
                        Some((writer, dir))
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        group.bench_function(
            "a run: the set written at its end (SetWriter::write_set)",
            |b| {
                b.iter_batched(
                    || pushed(&report, &run_out),
                    |pushed| {
                        pushed.map(|(writer, dir)| writer.write_set(dir, &run_level, None).is_ok())
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        let key = dir.join("key.pem");
        let signer = generate_key_pair()
            .ok()
            .and_then(|(private, _)| std::fs::write(&key, private).ok())
            .and_then(|()| ReportSigner::from_pem_file(&key).ok());
        if let Some(signer) = &signer {
            group.bench_function(
                "a run: the set written at its end, signed (SetWriter::write_set)",
                |b| {
                    b.iter_batched(
                        || pushed(&report, &run_out),
                        |pushed| {
                            pushed.map(|(writer, dir)| {
                                writer.write_set(dir, &run_level, Some(signer)).is_ok()
                            })
                        },
                        BatchSize::PerIteration,
                    )
                },
            );
        }
        group.bench_function("a run: all its report writing (push + write_set)", |b| {
            b.iter(|| {
                pushed(&report, &run_out)
                    .map(|(writer, dir)| writer.write_set(dir, &run_level, None).is_ok())
            })
        });
        let file = dir.join("baseline.bin");
        group.bench_function("baseline: as many bytes written and synced", |b| {
            b.iter(|| {
                std::fs::File::create(&file)
                    .and_then(|mut f| f.write_all(&filler).and_then(|()| f.sync_all()))
                    .is_ok()
            })
        });
    }
    group.bench_function("baseline: serde_json::to_writer into a Vec", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(json_bytes);
            serde_json::to_writer(&mut out, &report).map(|()| out.len())
        })
    });
    group.finish();
    if let Some(dir) = &dir {
        interleaved(
            &report,
            dir,
            &filler,
            json_bytes,
            if benchmarking { 5 } else { 1 },
        );
    }
}

/// A run's two figures and the two baselines measured round by round, one
/// after the other, so that a load that changes during the benchmark (a
/// shared machine) weighs on all four alike; prints the medians and the
/// ratios.
fn interleaved(
    report: &Report,
    dir: &std::path::Path,
    filler: &[u8],
    json_bytes: usize,
    rounds: usize,
) {
    let run_level = run_level(report);
    let out = dir.join("interleaved");
    let file = dir.join("interleaved.bin");
    let mut times: [Vec<f64>; 4] = Default::default();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut json = Vec::with_capacity(json_bytes);
        let _ = serde_json::to_writer(&mut json, report);
        times[0].push(started.elapsed().as_secs_f64());
        drop(json);
        let started = Instant::now();
        let _ = std::fs::File::create(&file)
            .and_then(|mut f| f.write_all(filler).and_then(|()| f.sync_all()));
        times[1].push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let Some((writer, set)) = pushed(report, &out) else {
            return;
        };
        let pushing = started.elapsed().as_secs_f64();
        let ending = Instant::now();
        let _ = writer.write_set(set, &run_level, None);
        times[3].push(ending.elapsed().as_secs_f64());
        times[2].push(pushing + times[3].last().copied().unwrap_or(0.0));
    }
    let [json, disk, run, end] = times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied().unwrap_or(0.0)
    });
    let ratio = |t: f64, base: f64| if base > 0.0 { t / base } else { 0.0 };
    eprintln!(
        concat!(
            "interleaved, medians of {}: a run's end (write_set) {:.0} ms = {:.2} × serde_json ",
            "({:.0} ms), {:.2} × written and synced ({:.0} ms); all of a run's report writing ",
            "(push + write_set) {:.0} ms = {:.2} × serde_json, {:.2} × written and synced"
        ),
        rounds,
        end * 1e3,
        ratio(end, json),
        json * 1e3,
        ratio(end, disk),
        disk * 1e3,
        run * 1e3,
        ratio(run, json),
        ratio(run, disk),
    );
}

criterion_group!(benches, render);
criterion_main!(benches);

/// `report` without its scenarios: what a run hands `SetWriter` before the
/// first scenario ends.
fn run_level(report: &Report) -> Report {
    Report {
        schema_version: report.schema_version.clone(),
        run_info: report.run_info.clone(),
        summary: report.summary.clone(),
        requirements: report.requirements.clone(),
        ..Report::default()
    }
}
