//! `report.json`: rendering, writing and reading with a schema version check.

use std::io::Write;
use std::path::Path;

use crate::atomic::write_atomically;
use crate::error::{IoAction, ReportError};
use crate::outline::write_at;
use crate::schema::{FileHash, Report, SCHEMA_VERSION};
pub(crate) use crate::step_json::write_scenario;

/// Where in-memory JSON is said to come from in errors.
const IN_MEMORY: &str = "<memory>";

/// Renders `report` as `report.json` is written (laid out down to each
/// step, each step on one line, `crate::outline`) with a final newline.
pub fn render_json(report: &Report) -> Result<String, ReportError> {
    render_json_with_files(report, &report.files)
}

/// [`render_json`] of `report` with `files` in place of its own, without
/// copying the report (a large run's is hundreds of megabytes).
pub(crate) fn render_json_with_files(
    report: &Report,
    files: &[FileHash],
) -> Result<String, ReportError> {
    let mut out = json_up_to_tail(report);
    let written = write_tail(&mut out, report, !report.scenarios.is_empty(), files);
    written.map_err(|source| ReportError::Json {
        path: IN_MEMORY.into(),
        source: serde_json::Error::io(source),
    })?;
    // Every piece is serde_json's output or our ASCII framing.
    String::from_utf8(out).map_err(|e| ReportError::Json {
        path: IN_MEMORY.into(),
        source: serde::de::Error::custom(e),
    })
}

/// `report.json` but its tail (which lists the other files' hashes): the
/// scenarios are written first, so that the head knows how long they are
/// ([`write_head`]'s padding).
pub(crate) fn json_up_to_tail(report: &Report) -> Vec<u8> {
    let mut body = Vec::new();
    // Writing into memory cannot fail, nor can serializing the schema's
    // types (string-keyed maps).
    let _ = report
        .scenarios
        .iter()
        .enumerate()
        .try_for_each(|(index, s)| write_scenario(&mut body, s, index == 0));
    let mut json = head(report, body.len() as u64);
    json.extend_from_slice(&body);
    json
}

/// The scenarios' elements from this many bytes on are written into
/// `report.json` itself as a run goes, behind room kept for the head
/// ([`HEAD_ROOM`]); below it they wait in a part file and are copied behind
/// the head at the end (a copy of at most this much).
pub(crate) const IN_PLACE_FROM: u64 = 8 << 20;

/// The head of a file whose scenarios' elements are [`IN_PLACE_FROM`] bytes
/// or more is padded with spaces to a multiple of this.
pub(crate) const HEAD_ROOM: u64 = 256 << 10;

/// The head: [`write_head`] into memory.
pub(crate) fn head(report: &Report, body_len: u64) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into memory cannot fail, nor can serializing the schema's
    // types (string-keyed maps).
    let _ = write_head(&mut out, report, body_len);
    out
}

/// `report.json` up to its `scenarios` array's opening bracket:
/// `schema_version`, `run_info` and `summary` of `report`, as `Report`
/// serializes them in its field order (a test holds the framing equal).
/// `body_len` is the length of the scenarios' elements that follow: from
/// [`IN_PLACE_FROM`] on, a line of spaces before `"scenarios"` pads the
/// head to a multiple of [`HEAD_ROOM`], so that a run can write the
/// scenarios in place as they finish and the head into the room kept for
/// it at the end (`crate::SetWriter`); JSON readers skip the spaces.
pub(crate) fn write_head<W: Write>(
    out: &mut W,
    report: &Report,
    body_len: u64,
) -> std::io::Result<()> {
    // Every field named, so a field added to `Report` must be placed here.
    let Report {
        schema_version,
        run_info,
        summary,
        scenarios: _,
        requirements: _,
        errors: _,
        files: _,
    } = report;
    let mut head = Vec::new();
    head.extend_from_slice(b"{\n  \"schema_version\": ");
    write_at(&mut head, 1, schema_version)?;
    head.extend_from_slice(b",\n  \"run_info\": ");
    write_at(&mut head, 1, run_info)?;
    head.extend_from_slice(b",\n  \"summary\": ");
    write_at(&mut head, 1, summary)?;
    head.push(b',');
    const OPEN: &[u8] = b"\n  \"scenarios\": [";
    if body_len >= IN_PLACE_FROM {
        let unpadded = (head.len() + 1 + OPEN.len()) as u64;
        let padded = unpadded.div_ceil(HEAD_ROOM) * HEAD_ROOM;
        head.push(b'\n');
        head.resize(head.len() + (padded - unpadded) as usize, b' ');
    }
    head.extend_from_slice(OPEN);
    out.write_all(&head)
}

/// The rest after the scenarios: `requirements`, `errors`, `files`, the
/// final newline. `any_scenarios`: whether an element was written.
pub(crate) fn write_tail<W: Write>(
    out: &mut W,
    report: &Report,
    any_scenarios: bool,
    files: &[FileHash],
) -> std::io::Result<()> {
    if any_scenarios {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n  \"requirements\": ")?;
    write_at(out, 1, &report.requirements)?;
    out.write_all(b",\n  \"errors\": ")?;
    write_at(out, 1, &report.errors)?;
    out.write_all(b",\n  \"files\": ")?;
    write_at(out, 1, &files)?;
    out.write_all(b"\n}\n")?;
    Ok(())
}

/// Writes `report` to `path` as `report.json` is written, atomically.
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
    use crate::schema::{RunError, ScenarioReport};

    fn sample() -> Report {
        Report {
            schema_version: SCHEMA_VERSION.to_owned(),
            scenarios: vec![
                ScenarioReport {
                    id: "card.x".to_owned(),
                    steps: vec![crate::schema::StepReport::default(); 2],
                    ..ScenarioReport::default()
                },
                ScenarioReport::default(),
            ],
            errors: vec![RunError {
                blame: "author".to_owned(),
                message: "m".to_owned(),
            }],
            ..Report::default()
        }
    }

    #[test]
    fn the_framing_serializes_as_the_report_would() {
        for report in [sample(), Report::default()] {
            let mut whole = Vec::new();
            write_at(&mut whole, 0, &report).unwrap();
            whole.push(b'\n');
            assert_eq!(
                render_json(&report).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn a_report_with_other_files_serializes_as_the_report_would() {
        let mut report = sample();
        let files = [FileHash {
            path: "junit.xml".to_owned(),
            sha256: "ab".repeat(32),
        }];
        let borrowed = render_json_with_files(&report, &files).unwrap();
        report.files = files.to_vec();
        assert_eq!(borrowed, render_json(&report).unwrap());
        assert_eq!(parse_json(&borrowed, Path::new("r.json")).unwrap(), report);
    }

    #[test]
    fn a_large_file_s_head_is_padded_to_its_room_and_reads_the_same() {
        let mut report = sample();
        report.scenarios[1].message = Some("x".repeat(IN_PLACE_FROM as usize));
        let text = render_json(&report).unwrap();
        let open = "\n  \"scenarios\": [";
        let end = text.find(open).unwrap() + open.len();
        assert_eq!(end as u64, HEAD_ROOM);
        let before = text.get(..end - open.len()).unwrap();
        let (_, padding) = before.rsplit_once(",\n").unwrap();
        assert!(padding.len() > 1000 && padding.bytes().all(|b| b == b' '));
        assert_eq!(parse_json(&text, Path::new("r.json")).unwrap(), report);
        // A small file has no padding.
        report.scenarios[1].message = None;
        assert!(!render_json(&report).unwrap().contains("   \n"));
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
