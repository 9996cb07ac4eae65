//! [`SetWriter`]: a run's report set, written scenario by scenario.

use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use p256::ecdsa::signature::DigestSigner as _;
use sha2::Sha256;

use crate::error::{IoAction, ReportError};
use crate::html::{HtmlScenarios, DEFAULT_SOURCE_ROOT};
use crate::json::{head, write_scenario, write_tail, HEAD_ROOM, IN_PLACE_FROM};
use crate::junit::JunitScenarios;
use crate::markdown::{MarkdownScenarios, MAX_LISTED};
use crate::report_dir::ReportDir;
use crate::schema::{FileHash, Report, ScenarioReport};
use crate::set::in_place::{hash_file, InPlace};
use crate::set::part::{part_path, Hashing, Part};
use crate::set::syncer::{SyncHandle, Syncer};
use crate::signature::{ReportSigner, SIGNATURE_FILE};
use crate::write::{OutputFormat, WrittenFiles};

/// A run's report set in the making: [`SetWriter::push`] each scenario as
/// it finishes (in run order), then [`SetWriter::write_set`] at the end.
/// Memory holds no scenario: `report.html` and (once it is large)
/// `report.json` are written in place in the output directory's staging
/// directory as scenarios come and synced in the background, what only
/// the end knows is written at the end (`report.json`'s head into the room
/// kept for it, the page's data and script behind its steps), and the
/// smaller pieces (`junit.xml`'s testcases per family, the page's scenario
/// list, a small run's `report.json` scenarios) wait in part files.
#[derive(Debug)]
pub struct SetWriter {
    staging: PathBuf,
    json: JsonBody,
    json_count: usize,
    html: HtmlScenarios<InPlace>,
    junit: JunitScenarios,
    markdown: MarkdownScenarios,
    scratch: Vec<u8>,
    /// The first error; later scenarios are then not written.
    error: Option<ReportError>,
    sync: SyncHandle,
    /// Last: dropped after every handle above, which its thread waits for.
    syncer: Syncer,
}

/// Where `report.json`'s scenarios go.
#[derive(Debug)]
enum JsonBody {
    /// A part file, while they are fewer than [`IN_PLACE_FROM`] bytes.
    Part { part: Part, len: u64 },
    /// `report.json` itself, from [`HEAD_ROOM`] on.
    InPlace { file: InPlace, len: u64 },
}

impl JsonBody {
    /// Appends `bytes`; moves into `report.json` when they reach
    /// [`IN_PLACE_FROM`].
    fn append(&mut self, bytes: &[u8], staging: &Path, sync: &SyncHandle) -> std::io::Result<()> {
        match self {
            JsonBody::InPlace { file, len } => {
                *len += bytes.len() as u64;
                file.write_all(bytes)
            }
            JsonBody::Part { part, len } => {
                *len += bytes.len() as u64;
                part.write_all(bytes)?;
                if *len >= IN_PLACE_FROM {
                    let path = staging.join(OutputFormat::Json.file_name());
                    let mut file = InPlace::create(&path, HEAD_ROOM, false, sync.clone())?;
                    part.copy_to(&mut file)?;
                    let len = *len;
                    // The part file goes with the part.
                    *self = JsonBody::InPlace { file, len };
                }
                Ok(())
            }
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        action: IoAction::Write,
        source,
    }
}

impl SetWriter {
    /// A writer whose files go into `staging` (a [`ReportDir`]'s).
    pub(crate) fn in_dir(staging: &Path) -> Result<SetWriter, ReportError> {
        let part = |name: &str| {
            let path = part_path(staging, name);
            Part::file(path.clone()).map_err(io_error(&path))
        };
        let syncer = Syncer::start();
        let sync = syncer.handle();
        let html_path = staging.join(OutputFormat::Html.file_name());
        let lines = part("scenarios.html")?;
        let html = InPlace::create(&html_path, 0, true, sync.clone())
            .and_then(|page| HtmlScenarios::start(page, lines))
            .map_err(io_error(&html_path))?;
        Ok(SetWriter {
            staging: staging.to_path_buf(),
            json: JsonBody::Part {
                part: part("scenarios.json")?,
                len: 0,
            },
            json_count: 0,
            html,
            junit: JunitScenarios::default(),
            markdown: MarkdownScenarios::new(MAX_LISTED),
            scratch: Vec::new(),
            error: None,
            sync,
            syncer,
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
        self.json.append(&self.scratch, &self.staging, &self.sync)?;
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
        let mut list = |format: OutputFormat, hash: Option<Sha256>| {
            listed.push(FileHash {
                path: format.file_name().to_owned(),
                sha256: hash
                    .map(|h| hex::encode(sha2::Digest::finalize(h)))
                    .unwrap_or_default(),
            });
        };
        let mut junit = Some(self.junit);
        let hash = write_file(
            &staging.join(OutputFormat::Junit.file_name()),
            true,
            &mut |out| match junit.take() {
                Some(junit) => junit.finish(report, out),
                None => Ok(()),
            },
        )?;
        list(OutputFormat::Junit, hash);
        let hash = write_file(
            &staging.join(OutputFormat::Markdown.file_name()),
            true,
            &mut |out| out.write_all(markdown.as_bytes()),
        )?;
        list(OutputFormat::Markdown, hash);
        let html_path = staging.join(OutputFormat::Html.file_name());
        let (html, hash) = self
            .html
            .finish(report, DEFAULT_SOURCE_ROOT)
            .and_then(InPlace::finish)
            .map_err(io_error(&html_path))?;
        list(OutputFormat::Html, hash);

        let json_path = staging.join(OutputFormat::Json.file_name());
        let count = self.json_count;
        let (json, json_hash) = match self.json {
            JsonBody::Part { mut part, len } => {
                let hash = write_file(&json_path, signer.is_some(), &mut |out| {
                    out.write_all(&head(report, len))?;
                    part.copy_to(out)?;
                    write_tail(out, report, count > 0, &listed)
                })?;
                (None, hash)
            }
            JsonBody::InPlace { file, len } => {
                let json = finish_in_place(file, len, report, &listed, &json_path, &staging)
                    .map_err(io_error(&json_path))?;
                (Some(json), None)
            }
        };
        // Every handle gone, the background sync under way (if any) ends;
        // the files' last bytes are synced here, while a signed run's
        // `report.json` written in place (its head last) is read back for
        // its hash.
        drop(self.sync);
        self.syncer.stop();
        let read_back = signer.is_some() && json.is_some();
        let (json_hash, synced) = std::thread::scope(|scope| {
            let hashing = read_back.then(|| scope.spawn(|| hash_file(&json_path)));
            let synced = [(Some(html), &html_path), (json, &json_path)]
                .into_iter()
                .try_for_each(|(file, path)| match file {
                    Some(file) => sync_and_share(&file).map_err(io_error(path)),
                    None => Ok(()),
                });
            let hash = match hashing {
                Some(hashing) => hashing
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
                    .map(Some)
                    .map_err(io_error(&json_path)),
                None => Ok(json_hash),
            };
            (hash, synced)
        });
        synced?;
        let json_hash = json_hash?;
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
        dir.swap_in(&names)
    }
}

/// Ends `report.json` whose `len` bytes of scenarios were written in
/// place: its tail behind them and its head into the room kept before
/// them, or, if the head outgrew the room (a run of thousands of scenario
/// files), the file written again behind the larger head.
fn finish_in_place(
    mut file: InPlace,
    len: u64,
    report: &Report,
    listed: &[FileHash],
    path: &Path,
    staging: &Path,
) -> std::io::Result<File> {
    let head = head(report, len);
    if head.len() as u64 == HEAD_ROOM {
        write_tail(&mut file, report, true, listed)?;
        let (mut json, _) = file.finish()?;
        json.seek(SeekFrom::Start(0))?;
        json.write_all(&head)?;
        return Ok(json);
    }
    let (mut old, _) = file.finish()?;
    let moved = part_path(staging, "report.json");
    std::fs::rename(path, &moved)?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(&head)?;
    old.seek(SeekFrom::Start(HEAD_ROOM))?;
    std::io::copy(&mut (&old).take(len), &mut out)?;
    write_tail(&mut out, report, true, listed)?;
    drop(old);
    std::fs::remove_file(&moved)?;
    out.into_inner()
        .map_err(std::io::IntoInnerError::into_error)
}

/// Syncs `file` and makes it world-readable (reports are for sharing).
fn sync_and_share(file: &File) -> std::io::Result<()> {
    file.sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
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
    sync_and_share(&file).map_err(io)?;
    Ok(hash)
}
