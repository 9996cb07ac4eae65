//! Writing a run's report files into the output directory (DESIGN §5).
//!
//! Each file is one [`OutputFormat`]: a file name and a renderer from
//! [`Report`] to bytes. Adding `report.html` is one new variant and one
//! renderer. `report.json.sig` should sign the exact bytes
//! [`OutputFormat::Json`] renders (render once, write and sign those bytes).

use std::path::{Path, PathBuf};

use crate::atomic::write_atomically;
use crate::error::{IoAction, ReportError};
use crate::json::render_json;
use crate::junit::render_junit;
use crate::markdown::render_markdown;
use crate::schema::Report;

/// One kind of report file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// `report.json`, the contract.
    Json,
    /// `junit.xml`, for CI systems.
    Junit,
    /// `summary.md`, for a pull-request comment.
    Markdown,
}

impl OutputFormat {
    /// The files every run writes, in writing order (`report.json` first:
    /// it is the source the others can be re-rendered from).
    pub const DEFAULT: [OutputFormat; 3] = [
        OutputFormat::Json,
        OutputFormat::Junit,
        OutputFormat::Markdown,
    ];

    /// The file name inside the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            OutputFormat::Json => "report.json",
            OutputFormat::Junit => "junit.xml",
            OutputFormat::Markdown => "summary.md",
        }
    }

    /// The file's content.
    pub fn render(self, report: &Report) -> Result<Vec<u8>, ReportError> {
        let text = match self {
            OutputFormat::Json => render_json(report)?,
            OutputFormat::Junit => render_junit(report)?,
            OutputFormat::Markdown => render_markdown(report),
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

/// Writes `report.json`, `junit.xml` and `summary.md` into `dir` (created if
/// needed). Each file is replaced atomically; every file is rendered before
/// the first is written, so a rendering error leaves the directory as it was.
pub fn write_reports(report: &Report, dir: &Path) -> Result<WrittenFiles, ReportError> {
    write_formats(report, dir, &OutputFormat::DEFAULT)
}

/// [`write_reports`] for a chosen list of formats.
pub fn write_formats(
    report: &Report,
    dir: &Path,
    formats: &[OutputFormat],
) -> Result<WrittenFiles, ReportError> {
    let rendered = formats
        .iter()
        .map(|format| Ok((*format, format.render(report)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        action: IoAction::CreateDir,
        source,
    })?;
    let mut written = WrittenFiles::default();
    for (format, bytes) in rendered {
        let path = dir.join(format.file_name());
        write_atomically(&path, &bytes)?;
        written.files.push(WrittenFile { format, path });
    }
    Ok(written)
}
