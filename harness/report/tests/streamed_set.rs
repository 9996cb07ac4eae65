//! A run's set written scenario by scenario ([`SetWriter`], issue 14 goal
//! 6) is the set `render_set` renders from the whole report: the same bytes
//! in every file, signed so that `report verify` accepts it, and no part
//! file left in the output directory.

mod common;
mod fixture;
#[path = "../benches/large/mod.rs"]
mod large;

use std::error::Error;
use std::path::Path;

use common::names;

use myna_report::{
    generate_key_pair, read_public_key, render_set, verify_dir, FileHash, Report, ReportDir,
    ReportSigner,
};

type TestResult = Result<(), Box<dyn Error>>;

/// Writes `report` into `out` as a run does: scenarios pushed one by one,
/// then the run-level values without them.
fn streamed(report: &Report, out: &Path, signer: Option<&ReportSigner>) -> TestResult {
    let dir = ReportDir::open(out)?;
    let mut writer = dir.set_writer()?;
    for scenario in &report.scenarios {
        writer.push(scenario);
    }
    let run_level = Report {
        scenarios: Vec::new(),
        ..report.clone()
    };
    writer.write_set(dir, &run_level, signer)?;
    Ok(())
}

#[test]
fn a_streamed_set_is_the_rendered_set() -> TestResult {
    let root = tempfile::tempdir()?;
    let key = root.path().join("key.pem");
    let (private, public) = generate_key_pair()?;
    std::fs::write(&key, private)?;
    std::fs::write(root.path().join("key.pub.pem"), public)?;
    let signer = ReportSigner::from_pem_file(&key)?;
    let empty = Report {
        scenarios: Vec::new(),
        ..fixture::report()
    };
    for (name, report) in [("fixture", fixture::report()), ("empty", empty)] {
        let out = root.path().join(name);
        streamed(&report, &out, Some(&signer))?;
        let rendered = render_set(&report, None)?;
        for file in &rendered {
            let written = std::fs::read(out.join(file.name))?;
            assert!(
                written == file.bytes,
                "{name}: {} differs from the rendered one",
                file.name
            );
        }
        assert_eq!(
            names(&out)?,
            [
                "junit.xml",
                "report.html",
                "report.json",
                "report.json.sig",
                "summary.md"
            ],
            "{name}"
        );
        let key = read_public_key(&root.path().join("key.pub.pem"))?;
        let checked = verify_dir(&out, &key)?;
        assert_eq!(checked.len(), 5, "{name}: {checked:?}");
    }
    Ok(())
}

/// A run long enough that `report.json` is written in place (its
/// scenarios' elements past 8 MiB, room kept for the head): the same bytes
/// as rendered, with a head that fits its room and with one that outgrew
/// it (thousands of scenario files), whose file is then written again.
#[test]
fn a_long_run_written_in_place_is_the_rendered_set() -> TestResult {
    let root = tempfile::tempdir()?;
    let mut report = large::large_report_of(100, 100);
    report.schema_version = myna_report::SCHEMA_VERSION.to_owned();
    let mut many_files = report.clone();
    many_files.run_info.scenario_files = (0..3000)
        .map(|i| FileHash {
            path: format!("scenarios/card/large-{i}.yaml"),
            sha256: "ab".repeat(32),
        })
        .collect();
    for (name, report) in [("fits", report), ("outgrown", many_files)] {
        let out = root.path().join(name);
        streamed(&report, &out, None)?;
        let rendered = render_set(&report, None)?;
        for file in &rendered {
            let written = std::fs::read(out.join(file.name))?;
            assert!(
                written == file.bytes,
                "{name}: {} differs from the rendered one ({} and {} bytes)",
                file.name,
                written.len(),
                file.bytes.len()
            );
        }
        let json = std::fs::read_to_string(out.join("report.json"))?;
        let head = json.find("\n  \"scenarios\": [").ok_or("no scenarios")?;
        let padding = json
            .get(..head)
            .and_then(|h| h.rsplit_once(",\n"))
            .ok_or("no padding")?;
        assert!(
            !padding.1.is_empty() && padding.1.bytes().all(|b| b == b' '),
            "{name}: the head's room is a line of spaces"
        );
        assert_eq!(
            (head + "\n  \"scenarios\": [".len()) % (256 << 10),
            0,
            "{name}: the head fills its room"
        );
        assert_eq!(
            myna_report::parse_json(&json, Path::new("r"))?,
            Report {
                files: myna_report::read_json(&out.join("report.json"))?.files,
                ..report
            }
        );
        assert_eq!(
            names(&out)?,
            ["junit.xml", "report.html", "report.json", "summary.md"],
            "{name}"
        );
    }
    Ok(())
}

#[test]
fn an_unused_writer_leaves_nothing_behind() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("latest");
    {
        let dir = ReportDir::open(&out)?;
        let mut writer = dir.set_writer()?;
        writer.push(&fixture::scenarios()[0]);
    }
    assert_eq!(names(root.path())?, [".latest.lock"]);
    Ok(())
}
