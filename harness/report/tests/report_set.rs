//! Report files as a set (issue 9 item 6): one lock per output directory,
//! a fresh staging directory swapped in whole, no temporary file left on
//! any exit path, and what a run killed mid-write left finished or cleared
//! by the next one. Before the set writer, each file was renamed into
//! place on its own: a kill after the first rename left a new report.json
//! beside an old junit.xml, and two runs mixed their files unwarned.

mod common;
mod fixture;

use std::error::Error;
use std::path::Path;

use common::names;

use myna_report::{read_json, render_set, write_reports, ReportDir, ReportError};

type TestResult = Result<(), Box<dyn Error>>;

#[test]
fn a_second_run_into_the_same_out_is_refused_and_says_so() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("latest");
    let first = ReportDir::open(&out)?;
    match ReportDir::open(&out) {
        Err(error @ ReportError::Busy { .. }) => {
            let message = error.to_string();
            assert!(message.contains("another myna-conform run"), "{message}");
            assert!(
                message.contains(&format!("pid {}", std::process::id())),
                "{message}"
            );
        }
        other => return Err(format!("expected Busy, got {other:?}").into()),
    }
    drop(first);
    // Released with the first: the next run gets it.
    let again = ReportDir::open(&out)?;
    drop(again);
    Ok(())
}

#[test]
fn an_unfinished_run_leaves_no_temporary_files() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("latest");
    write_reports(&fixture::report(), &out)?;
    let before = std::fs::read(out.join("report.json"))?;
    let dir = ReportDir::open(&out)?;
    // The staging directory exists while the run goes on…
    assert!(names(root.path())?
        .iter()
        .any(|n| n.starts_with(".latest.new-")));
    // …and an error or an interruption that drops the run removes it.
    drop(dir);
    assert_eq!(names(root.path())?, [".latest.lock", "latest"]);
    assert_eq!(std::fs::read(out.join("report.json"))?, before);
    Ok(())
}

#[test]
fn the_set_replaces_the_old_one_whole_and_keeps_foreign_files() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("latest");
    write_reports(&fixture::report(), &out)?;
    std::fs::write(out.join("bench-lookup.json"), "{}")?;
    std::fs::write(
        out.join("report.json.sig"),
        "stale signature of the old set",
    )?;
    let mut second = fixture::report();
    second.run_info.rules_date = "2030-01-01".to_owned();
    write_reports(&second, &out)?;
    assert_eq!(
        names(&out)?,
        [
            "bench-lookup.json",
            "junit.xml",
            "report.html",
            "report.json",
            "summary.md"
        ]
    );
    assert_eq!(
        read_json(&out.join("report.json"))?.run_info.rules_date,
        "2030-01-01"
    );
    Ok(())
}

/// A directory holding the set rendered from `rules_date`.
fn set_in(dir: &Path, rules_date: &str) -> TestResult {
    let mut report = fixture::report();
    report.run_info.rules_date = rules_date.to_owned();
    std::fs::create_dir_all(dir)?;
    for file in render_set(&report, None)? {
        std::fs::write(dir.join(file.name), &file.bytes)?;
    }
    Ok(())
}

#[test]
fn a_run_killed_between_the_renames_is_finished_by_the_next() -> TestResult {
    // Killed after `latest` became `.latest.old-1` and before the complete
    // `.latest.ready-1` became `latest`.
    let root = tempfile::tempdir()?;
    set_in(&root.path().join(".latest.old-1"), "2020-01-01")?;
    std::fs::write(root.path().join(".latest.old-1/notes.txt"), "mine")?;
    set_in(&root.path().join(".latest.ready-1"), "2030-01-01")?;
    // And an incomplete staging directory of another killed run.
    std::fs::create_dir_all(root.path().join(".latest.new-2"))?;
    std::fs::write(root.path().join(".latest.new-2/report.json"), "{ half")?;

    let out = root.path().join("latest");
    let dir = ReportDir::open(&out)?;
    drop(dir);
    assert_eq!(names(root.path())?, [".latest.lock", "latest"]);
    assert_eq!(
        read_json(&out.join("report.json"))?.run_info.rules_date,
        "2030-01-01"
    );
    assert!(out.join("notes.txt").exists());
    Ok(())
}

#[test]
fn a_run_killed_after_moving_the_old_set_away_restores_it() -> TestResult {
    let root = tempfile::tempdir()?;
    set_in(&root.path().join(".latest.old-1"), "2020-01-01")?;
    let out = root.path().join("latest");
    drop(ReportDir::open(&out)?);
    assert_eq!(
        read_json(&out.join("report.json"))?.run_info.rules_date,
        "2020-01-01"
    );
    Ok(())
}

#[test]
fn an_out_that_is_a_file_is_refused_before_the_run() -> TestResult {
    let root = tempfile::tempdir()?;
    let out = root.path().join("latest");
    std::fs::write(&out, "not a directory")?;
    assert!(matches!(
        ReportDir::open(&out),
        Err(ReportError::NotADirectory { .. })
    ));
    Ok(())
}

#[cfg(unix)]
#[test]
fn an_unwritable_out_is_found_when_opened() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir()?;
    let parent = root.path().join("ro");
    std::fs::create_dir(&parent)?;
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555))?;
    let result = ReportDir::open(&parent.join("latest"));
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755))?;
    // root may write anywhere; the check is that nobody else can.
    let is_root = std::fs::metadata("/proc/self").map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    })?;
    if !is_root {
        assert!(matches!(result, Err(ReportError::Io { .. })), "{result:?}");
    }
    Ok(())
}
