//! Writing a run's report files into the output directory (DESIGN §5), as
//! one set ([`crate::ReportDir`]).
//!
//! Each file is one [`OutputFormat`]: a file name and a renderer from
//! [`Report`] to bytes. [`render_set`] renders `junit.xml`, `summary.md`
//! and `report.html`, lists their SHA-256 in the report's `files`, renders
//! `report.json` last and, with a signer, signs its exact bytes into
//! `report.json.sig`. The other renderers ignore `files`, so `report
//! render` rebuilds byte-identical files from `report.json`.

use std::path::{Path, PathBuf};

use crate::error::ReportError;
use crate::html::render_html;
use crate::json::{json_up_to_tail, render_json, write_tail};
use crate::junit::render_junit;
use crate::markdown::render_markdown;
use crate::report_dir::{ReportDir, SetFile};
use crate::schema::{FileHash, Report};
use crate::signature::{sha256_hex, ReportSigner, SIGNATURE_FILE};

/// One kind of report file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// `report.json`, the contract.
    Json,
    /// `junit.xml`, for CI systems.
    Junit,
    /// `summary.md`, for a pull-request comment.
    Markdown,
    /// `report.html`, for people: one self-contained page.
    Html,
}

impl OutputFormat {
    /// The files every run writes, in rendering order (`report.json` last:
    /// it lists the others' hashes).
    pub const DEFAULT: [OutputFormat; 4] = [
        OutputFormat::Junit,
        OutputFormat::Markdown,
        OutputFormat::Html,
        OutputFormat::Json,
    ];

    /// The file name inside the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            OutputFormat::Json => "report.json",
            OutputFormat::Junit => "junit.xml",
            OutputFormat::Markdown => "summary.md",
            OutputFormat::Html => "report.html",
        }
    }

    /// The file's content.
    pub fn render(self, report: &Report) -> Result<Vec<u8>, ReportError> {
        let text = match self {
            OutputFormat::Json => render_json(report)?,
            OutputFormat::Junit => render_junit(report)?,
            OutputFormat::Markdown => render_markdown(report),
            OutputFormat::Html => render_html(report),
        };
        Ok(text.into_bytes())
    }
}

/// One written file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    /// Which format.
    pub format: OutputFormat,
    /// Where it now is.
    pub path: PathBuf,
}

/// The files [`write_reports`] wrote, in writing order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrittenFiles {
    /// One entry per format.
    pub files: Vec<WrittenFile>,
}

impl WrittenFiles {
    /// The path written for `format`, if it was written.
    pub fn path(&self, format: OutputFormat) -> Option<&Path> {
        self.files
            .iter()
            .find(|file| file.format == format)
            .map(|file| file.path.as_path())
    }
}

/// Renders the whole set: the other files, their hashes in
/// `report.files`, `report.json`, and the signature when `signer` is given.
/// `report.json`'s scenarios and `report.html` are rendered side by side
/// with `junit.xml` and `summary.md` (one thread each).
pub fn render_set(
    report: &Report,
    signer: Option<&ReportSigner>,
) -> Result<Vec<SetFile>, ReportError> {
    let (json_head, html, junit) = std::thread::scope(|scope| {
        let json = scope.spawn(|| json_up_to_tail(report));
        let html = scope.spawn(|| render_html(report).into_bytes());
        let junit = OutputFormat::Junit.render(report);
        let join = |p| std::panic::resume_unwind(p);
        (
            json.join().unwrap_or_else(join),
            html.join().unwrap_or_else(join),
            junit,
        )
    });
    let others = [
        (OutputFormat::Junit, junit?),
        (
            OutputFormat::Markdown,
            OutputFormat::Markdown.render(report)?,
        ),
        (OutputFormat::Html, html),
    ];
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for (format, bytes) in others {
        listed.push(FileHash {
            path: format.file_name().to_owned(),
            sha256: sha256_hex(&bytes),
        });
        files.push(SetFile {
            format: Some(format),
            name: format.file_name(),
            bytes,
        });
    }
    let mut json = json_head;
    write_tail(&mut json, report, !report.scenarios.is_empty(), &listed).map_err(|source| {
        ReportError::Json {
            path: "<memory>".into(),
            source: serde_json::Error::io(source),
        }
    })?;
    if let Some(signer) = signer {
        files.push(SetFile {
            format: None,
            name: SIGNATURE_FILE,
            bytes: signer.sign(&json),
        });
    }
    files.insert(
        0,
        SetFile {
            format: Some(OutputFormat::Json),
            name: OutputFormat::Json.file_name(),
            bytes: json,
        },
    );
    Ok(files)
}

/// Writes the report set into `dir` (created if needed) as one set: every
/// file is rendered before the directory is touched, so a rendering error
/// leaves it as it was.
pub fn write_reports(report: &Report, dir: &Path) -> Result<WrittenFiles, ReportError> {
    let files = render_set(report, None)?;
    ReportDir::open(dir)?.commit(&files)
}
