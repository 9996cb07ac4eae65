//! `report.json`: rendering, writing and reading with a schema version check.

use std::path::Path;

use crate::atomic::write_atomically;
use crate::error::{IoAction, ReportError};
use serde::Serialize;

use crate::schema::{
    FileHash, Report, RequirementReport, RunError, RunInfo, ScenarioReport, Summary, SCHEMA_VERSION,
};

/// Where in-memory JSON is said to come from in errors.
const IN_MEMORY: &str = "<memory>";

/// Renders `report` as pretty JSON with a final newline.
pub fn render_json(report: &Report) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(report).map_err(|source| ReportError::Json {
        path: IN_MEMORY.into(),
        source,
    })?;
    text.push('\n');
    Ok(text)
}

/// [`render_json`] of `report` with `files` in place of its own, without
/// copying the report (a large run's is hundreds of megabytes).
pub(crate) fn render_json_with_files(
    report: &Report,
    files: &[FileHash],
) -> Result<String, ReportError> {
    // Every field named, so a field added to `Report` must be added here.
    let Report {
        schema_version,
        run_info,
        summary,
        scenarios,
        requirements,
        errors,
        files: _,
    } = report;
    let view = ReportWithFiles {
        schema_version,
        run_info,
        summary,
        scenarios,
        requirements,
        errors,
        files,
    };
    let mut text = serde_json::to_string_pretty(&view).map_err(|source| ReportError::Json {
        path: IN_MEMORY.into(),
        source,
    })?;
    text.push('\n');
    Ok(text)
}

/// [`Report`]'s fields, borrowed, in its order: it serializes as `Report`
/// does (a test holds them equal).
#[derive(Serialize)]
struct ReportWithFiles<'a> {
    schema_version: &'a String,
    run_info: &'a RunInfo,
    summary: &'a Summary,
    scenarios: &'a [ScenarioReport],
    requirements: &'a [RequirementReport],
    errors: &'a [RunError],
    files: &'a [FileHash],
}

/// Writes `report` to `path` as pretty JSON, atomically.
pub fn write_json(report: &Report, path: &Path) -> Result<(), ReportError> {
    write_atomically(path, render_json(report)?.as_bytes())
}

/// Reads a `report.json` of schema 3.x, or of 2.x or 1.x (rewritten into
/// the current shape, see `crate::v1` and `crate::v2`). Fails with
/// [`ReportError::UnsupportedSchemaVersion`] for any other major version (a
/// newer minor is accepted: its extra fields are ignored).
pub fn read_json(path: &Path) -> Result<Report, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        action: IoAction::Read,
        source,
    })?;
    parse_json(&text, path)
}

/// Parses a `report.json` already in memory; `origin` names it in errors.
pub fn parse_json(text: &str, origin: &Path) -> Result<Report, ReportError> {
    let json_error = |source| ReportError::Json {
        path: origin.to_path_buf(),
        source,
    };
    // Check the version before the shape, so a newer major with different
    // fields gets the version error rather than a confusing field error.
    let value: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ReportError::MissingSchemaVersion {
            path: origin.to_path_buf(),
        })?;
    let found_major = major_of(found).ok_or_else(|| ReportError::MissingSchemaVersion {
        path: origin.to_path_buf(),
    })?;
    let supported_major = supported_major();
    let value = match found_major {
        1 => crate::v2::upgrade(crate::v1::upgrade(value)),
        2 => crate::v2::upgrade(value),
        major if major == supported_major => value,
        _ => {
            return Err(ReportError::UnsupportedSchemaVersion {
                path: origin.to_path_buf(),
                found: found.to_owned(),
                supported_major,
                found_newer: found_major > supported_major,
            })
        }
    };
    serde_json::from_value(value).map_err(json_error)
}

/// The major number of a `major.minor` version, if it is one.
fn major_of(version: &str) -> Option<u64> {
    let (major, minor) = version.split_once('.')?;
    minor.parse::<u64>().ok()?;
    major.parse().ok()
}

/// The major number of [`SCHEMA_VERSION`].
pub fn supported_major() -> u64 {
    // SCHEMA_VERSION is a constant of this crate; the test below pins its form.
    major_of(SCHEMA_VERSION).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_with_other_files_serializes_as_the_report_would() {
        let mut report = Report {
            schema_version: SCHEMA_VERSION.to_owned(),
            scenarios: vec![ScenarioReport {
                id: "card.x".to_owned(),
                ..ScenarioReport::default()
            }],
            errors: vec![RunError {
                blame: "author".to_owned(),
                message: "m".to_owned(),
            }],
            ..Report::default()
        };
        let files = [FileHash {
            path: "junit.xml".to_owned(),
            sha256: "ab".repeat(32),
        }];
        let borrowed = render_json_with_files(&report, &files).unwrap();
        report.files = files.to_vec();
        assert_eq!(borrowed, render_json(&report).unwrap());
    }

    #[test]
    fn schema_version_constant_is_major_dot_minor() {
        assert!(major_of(SCHEMA_VERSION).is_some());
        assert_eq!(supported_major(), 3);
    }

    #[test]
    fn major_of_rejects_malformed_versions() {
        assert_eq!(major_of("2.13"), Some(2));
        for bad in ["", "1", "1.", ".1", "x.1", "1.x", "-1.0"] {
            assert_eq!(major_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn missing_or_malformed_version_is_a_clear_error() {
        for text in [
            r#"{"run_info": {}}"#,
            r#"{"schema_version": 1}"#,
            r#"{"schema_version": "one"}"#,
        ] {
            let err = parse_json(text, Path::new("r.json"));
            assert!(
                matches!(err, Err(ReportError::MissingSchemaVersion { .. })),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn not_json_is_a_located_json_error() {
        let err = parse_json("{\n  oops", Path::new("r.json"));
        match err {
            Err(error @ ReportError::Json { .. }) => {
                let message = error.to_string();
                assert!(
                    message.starts_with("r.json: invalid report JSON:"),
                    "{message}"
                );
                assert!(message.contains("line 2"), "{message}");
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }
}
