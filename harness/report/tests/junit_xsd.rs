//! `junit.xml` is valid against Jenkins' JUnit XSD (tests/fixtures/README.md
//! says which revisions and why two), checked by `xmllint --schema`
//! (libxml2-utils). Without xmllint the test prints SKIPPED and passes,
//! unless `CI=true`, where it is mandatory.

mod fixture;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

use myna_report::{render_junit, Report, Verdict};

type TestResult = Result<(), Box<dyn Error>>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `None` when xmllint is missing and the test may skip.
fn xmllint() -> Option<()> {
    let found = Command::new("xmllint").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is required in CI (apt-get install libxml2-utils)"
        );
        eprintln!("SKIPPED: xmllint not installed (apt-get install libxml2-utils)");
        return None;
    }
    Some(())
}

/// xmllint's verdict on `xml` against `xsd`: `Ok(())` or its messages.
fn validate(xml: &str, xsd: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).map_err(|e| e.to_string())?;
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(fixtures().join(xsd))
        .arg(&file)
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The fixture plus an interrupted run's odd text: control characters and
/// markup in messages.
fn reports() -> Vec<Report> {
    let mut odd = fixture::report();
    if let Some(scenario) = odd.scenarios.get_mut(1) {
        scenario.message = Some("a <b> & \"c\"\u{1}\nd".to_owned());
        scenario.verdict = Verdict::Error;
    }
    vec![fixture::report(), odd]
}

#[test]
fn junit_is_valid_against_the_xsd_with_testcase_locations() -> TestResult {
    if xmllint().is_none() {
        return Ok(());
    }
    for report in reports() {
        let xml = render_junit(&report)?;
        validate(&xml, "junit-10-with-location.xsd").map_err(|e| format!("{e}\n{xml}"))?;
    }
    Ok(())
}

#[test]
fn junit_differs_from_the_released_xsd_only_by_file_and_line() -> TestResult {
    if xmllint().is_none() {
        return Ok(());
    }
    let xml = render_junit(&fixture::report())?;
    // As written, the released XSD refuses the two location attributes…
    let refused = validate(&xml, "junit-10.xsd");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("'file'") || e.contains("'line'")),
        "{refused:?}"
    );
    // …and nothing else.
    let without: String = xml
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("<testcase ") {
                strip_attribute(&strip_attribute(line, "file"), "line")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    validate(&without, "junit-10.xsd").map_err(|e| format!("{e}\n{without}"))?;
    Ok(())
}

/// `line` without its ` name="…"` attribute.
fn strip_attribute(line: &str, name: &str) -> String {
    let marker = format!(" {name}=\"");
    let Some(start) = line.find(&marker) else {
        return line.to_owned();
    };
    let value_start = start + marker.len();
    let end = line[value_start..]
        .find('"')
        .map_or(line.len(), |i| value_start + i + 1);
    format!("{}{}", &line[..start], &line[end..])
}

#[test]
fn a_warn_and_an_expected_failure_are_not_failures() -> TestResult {
    let report = fixture::report();
    let xml = render_junit(&report)?;
    let case = |id: &str| -> Option<String> {
        let start = xml.find(&format!("<testcase name=\"{id}\""))?;
        let end = xml[start..]
            .find("</testcase>")
            .map_or(xml.len(), |e| start + e);
        Some(xml[start..end].to_owned())
    };
    let warn = case("card.pin.empty").ok_or("card.pin.empty")?;
    assert!(!warn.contains("<failure"), "{warn}");
    assert!(warn.contains("warn (should-level)"), "{warn}");
    let expected = case("card.read.extended").ok_or("card.read.extended")?;
    assert!(!expected.contains("<failure"), "{expected}");
    assert!(
        expected.contains("<skipped type=\"expected_failure\""),
        "{expected}"
    );
    Ok(())
}
