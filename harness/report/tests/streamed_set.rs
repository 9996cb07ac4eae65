//! A run's set written scenario by scenario ([`SetWriter`], issue 14 goal
//! 6) is the set `render_set` renders from the whole report: the same bytes
//! in every file, signed so that `report verify` accepts it, and no part
//! file left in the output directory.

mod fixture;

use std::error::Error;
use std::path::Path;

use myna_report::{
    generate_key_pair, read_public_key, render_set, verify_dir, Report, ReportDir, ReportSigner,
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

fn names(dir: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
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
