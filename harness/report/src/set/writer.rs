//! [`SetWriter`]: a run's report set, written scenario by scenario.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use p256::ecdsa::signature::DigestSigner as _;
use sha2::Sha256;

use crate::error::{IoAction, ReportError};
use crate::html::{HtmlScenarios, DEFAULT_SOURCE_ROOT};
use crate::json::{write_head, write_scenario, write_tail};
use crate::junit::JunitScenarios;
use crate::markdown::{MarkdownScenarios, MAX_LISTED};
use crate::report_dir::ReportDir;
use crate::schema::{FileHash, Report, ScenarioReport};
use crate::set::part::{part_path, Hashing, Part};
use crate::signature::{ReportSigner, SIGNATURE_FILE};
use crate::write::{OutputFormat, WrittenFiles};

/// A run's report set in the making: [`SetWriter::push`] each scenario as
/// it finishes (in run order), then [`SetWriter::write_set`] at the end.
/// Memory holds no scenario: what they add to the files waits in part files
/// of the output directory's staging directory.
#[derive(Debug)]
pub struct SetWriter {
    staging: PathBuf,
    json: Part,
    json_count: usize,
    html: HtmlScenarios,
    junit: JunitScenarios,
    markdown: MarkdownScenarios,
    scratch: Vec<u8>,
    /// The first error; later scenarios are then not written.
    error: Option<ReportError>,
}

impl SetWriter {
    /// A writer whose parts go into `staging` (a [`ReportDir`]'s).
    pub(crate) fn in_dir(staging: &Path) -> Result<SetWriter, ReportError> {
        let part = |name: &str| {
            let path = part_path(staging, name);
            Part::file(path.clone()).map_err(|source| ReportError::Io {
                path,
                action: IoAction::Write,
                source,
            })
        };
        Ok(SetWriter {
            staging: staging.to_path_buf(),
            json: part("scenarios.json")?,
            json_count: 0,
            html: HtmlScenarios::new(part("steps.html")?, part("scenarios.html")?),
            junit: JunitScenarios::default(),
            markdown: MarkdownScenarios::new(MAX_LISTED),
            scratch: Vec::new(),
            error: None,
        })
    }

    /// Writes the pieces of `scenario`, the next in run order. An error is
    /// kept for [`SetWriter::write_set`], which returns it; the run goes
    /// on meanwhile.
    pub fn push(&mut self, scenario: &ScenarioReport) {
        if self.error.is_some() {
            return;
        }
        if let Err(source) = self.try_push(scenario) {
            self.error = Some(ReportError::Io {
                path: self.staging.clone(),
                action: IoAction::Write,
                source,
            });
        }
    }

    fn try_push(&mut self, scenario: &ScenarioReport) -> std::io::Result<()> {
        self.scratch.clear();
        write_scenario(&mut self.scratch, scenario, self.json_count == 0)?;
        self.json.write_all(&self.scratch)?;
        self.json_count += 1;
        self.html.push(scenario)?;
        let next_suite = part_path(&self.staging, &format!("suite-{}.xml", self.junit.suites()));
        self.junit.push(scenario, || Part::file(next_suite))?;
        self.markdown.push(scenario);
        Ok(())
    }

    /// Writes the set into the staging directory of `dir` and swaps it in:
    /// the files of `report` (its run-level values: run info, summary,
    /// requirements, errors; its `scenarios` are those pushed, not read
    /// here), signed by `signer` if given. Returns the first error of a
    /// push, if there was one.
    pub fn write_set(
        mut self,
        dir: ReportDir,
        report: &Report,
        signer: Option<&ReportSigner>,
    ) -> Result<WrittenFiles, ReportError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let staging = self.staging.clone();
        let markdown = self.markdown.render(report);
        let mut listed = Vec::new();
        let mut hashed =
            |format: OutputFormat,
             write: &mut dyn FnMut(&mut Hashing<BufWriter<File>>) -> std::io::Result<()>|
             -> Result<(), ReportError> {
                let hash = write_file(&staging.join(format.file_name()), true, write)?;
                listed.push(FileHash {
                    path: format.file_name().to_owned(),
                    sha256: hash
                        .map(|h| hex::encode(sha2::Digest::finalize(h)))
                        .unwrap_or_default(),
                });
                Ok(())
            };
        let (junit, html) = (self.junit, self.html);
        let mut junit = Some(junit);
        hashed(OutputFormat::Junit, &mut |out| match junit.take() {
            Some(junit) => junit.finish(report, out),
            None => Ok(()),
        })?;
        hashed(OutputFormat::Markdown, &mut |out| {
            out.write_all(markdown.as_bytes())
        })?;
        let mut html = Some(html);
        hashed(OutputFormat::Html, &mut |out| match html.take() {
            Some(html) => html.finish(report, DEFAULT_SOURCE_ROOT, out),
            None => Ok(()),
        })?;
        let (json, count) = (&mut self.json, self.json_count);
        let json_path = staging.join(OutputFormat::Json.file_name());
        let json_hash = write_file(&json_path, signer.is_some(), &mut |out| {
            write_head(out, report)?;
            json.copy_to(out)?;
            write_tail(out, report, count > 0, &listed)
        })?;
        let mut names = vec![
            (Some(OutputFormat::Json), OutputFormat::Json.file_name()),
            (Some(OutputFormat::Junit), OutputFormat::Junit.file_name()),
            (
                Some(OutputFormat::Markdown),
                OutputFormat::Markdown.file_name(),
            ),
            (Some(OutputFormat::Html), OutputFormat::Html.file_name()),
        ];
        if let (Some(signer), Some(json_hash)) = (signer, json_hash) {
            let signature: p256::ecdsa::Signature = signer.key().sign_digest(json_hash);
            let path = staging.join(SIGNATURE_FILE);
            write_file(&path, false, &mut |out| {
                out.write_all(signature.to_der().as_bytes())
            })?;
            names.push((None, SIGNATURE_FILE));
        }
        // The parts go before the staging directory becomes the set.
        drop(self.json);
        dir.swap_in(&names)
    }
}

/// Writes the new file `path` with `write`, syncs it, makes it
/// world-readable (reports are for sharing); returns the SHA-256 of its
/// bytes if `hash`.
fn write_file(
    path: &Path,
    hash: bool,
    write: &mut dyn FnMut(&mut Hashing<BufWriter<File>>) -> std::io::Result<()>,
) -> Result<Option<Sha256>, ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        action: IoAction::Write,
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut out = Hashing::new(BufWriter::with_capacity(1 << 20, file), hash);
    write(&mut out).map_err(io)?;
    let (buffered, hash) = out.finish();
    let file = buffered.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    Ok(hash)
}
