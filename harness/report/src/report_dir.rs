//! The output directory of a run, written as a set (issue 9 item 6).
//!
//! [`ReportDir::open`] is called before the first step: it takes the
//! directory's lock (`.<name>.lock` beside it: a second run into the same
//! `--out` is refused, naming the process that holds it), finishes or
//! clears what a run killed mid-write left behind, and creates the fresh
//! staging directory `.<name>.new-<pid>` beside `--out` (which is the
//! writability check: an unwritable `--out` is found before the run, not
//! after it). [`ReportDir::commit`] writes every file into the staging
//! directory, syncs it, renames it `.<name>.ready-<pid>` (complete), then
//! swaps it in for `--out`: `--out` → `.<name>.old-<pid>`, ready → `--out`;
//! entries of the old directory that are not report files (a
//! `bench-lookup.json`, say) are moved into the new one, and the old one is
//! removed. Readers see the old set or the new set, never a mix; a crash
//! between the two renames is finished by the next run's
//! [`ReportDir::open`]. Dropping a `ReportDir` that was not committed
//! removes its staging directory, so no temporary file outlives an error
//! or an interrupted run.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{IoAction, ReportError};
use crate::write::{OutputFormat, WrittenFile, WrittenFiles};

/// Every file name a report set may hold: what the new set does not
/// rewrite (a `report.json.sig` of an earlier signed run) must not survive
/// beside it.
const SET_NAMES: [&str; 5] = [
    "report.json",
    "junit.xml",
    "summary.md",
    "report.html",
    "report.json.sig",
];

/// A locked output directory with its staging directory.
#[derive(Debug)]
pub struct ReportDir {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    staging: Option<PathBuf>,
    /// Held (locked) until the set is swapped in or the run ends.
    _lock: File,
}

/// One file of a set: its name in the directory and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetFile {
    /// The format it renders, `None` for the signature.
    pub format: Option<OutputFormat>,
    /// File name inside the directory.
    pub name: &'static str,
    /// Content.
    pub bytes: Vec<u8>,
}

fn io(path: &Path, action: IoAction) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

impl ReportDir {
    /// Takes `out` for this run: lock, recovery, staging directory. Fails
    /// with [`ReportError::Busy`] when another run holds the lock, and with
    /// a located I/O error when `out` (or where it would go) cannot be
    /// written.
    pub fn open(out: &Path) -> Result<ReportDir, ReportError> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "." && n != "..")
            .ok_or_else(|| ReportError::NotADirectory {
                path: out.to_path_buf(),
            })?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent, IoAction::CreateDir))?;
        if out.exists() && !out.is_dir() {
            return Err(ReportError::NotADirectory {
                path: out.to_path_buf(),
            });
        }
        let lock_path = parent.join(format!(".{name}.lock"));
        let mut lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io(&lock_path, IoAction::Write))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
                return Err(ReportError::Busy {
                    path: out.to_path_buf(),
                    holder: holder.trim().to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(io(&lock_path, IoAction::Write)(source));
            }
        }
        lock.set_len(0)
            .and_then(|()| write!(lock, "pid {}", std::process::id()))
            .map_err(io(&lock_path, IoAction::Write))?;
        let mut dir = ReportDir {
            out: out.to_path_buf(),
            parent,
            name,
            staging: None,
            _lock: lock,
        };
        dir.recover()?;
        let staging = dir.sibling("new");
        std::fs::create_dir(&staging).map_err(io(&staging, IoAction::CreateDir))?;
        dir.staging = Some(staging);
        Ok(dir)
    }

    /// The output directory.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// `.<name>.<kind>-<pid>` beside the output directory.
    fn sibling(&self, kind: &str) -> PathBuf {
        self.parent
            .join(format!(".{}.{kind}-{}", self.name, std::process::id()))
    }

    /// The leftovers of earlier runs of this directory, by kind.
    fn leftovers(&self, kind: &str) -> Vec<PathBuf> {
        let prefix = format!(".{}.{kind}-", self.name);
        let Ok(entries) = std::fs::read_dir(&self.parent) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path())
            .collect()
    }

    /// Finishes or clears what a run killed while writing left (we hold
    /// the lock, so nobody else is writing).
    fn recover(&self) -> Result<(), ReportError> {
        for incomplete in self.leftovers("new") {
            std::fs::remove_dir_all(&incomplete).map_err(io(&incomplete, IoAction::Write))?;
        }
        for ready in self.leftovers("ready") {
            if self.out.exists() {
                std::fs::remove_dir_all(&ready).map_err(io(&ready, IoAction::Write))?;
            } else {
                std::fs::rename(&ready, &self.out).map_err(io(&ready, IoAction::Rename))?;
            }
        }
        for old in self.leftovers("old") {
            if self.out.exists() {
                self.adopt_foreign(&old)?;
                std::fs::remove_dir_all(&old).map_err(io(&old, IoAction::Write))?;
            } else {
                std::fs::rename(&old, &self.out).map_err(io(&old, IoAction::Rename))?;
            }
        }
        Ok(())
    }

    /// Moves the entries of `old` that are not report files and that the
    /// output directory lacks into it.
    fn adopt_foreign(&self, old: &Path) -> Result<(), ReportError> {
        let Ok(entries) = std::fs::read_dir(old) else {
            return Ok(());
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            if SET_NAMES.iter().any(|n| name == *n) {
                continue;
            }
            let target = self.out.join(&name);
            if !target.exists() {
                std::fs::rename(entry.path(), &target).map_err(io(&target, IoAction::Rename))?;
            }
        }
        Ok(())
    }

    /// Writes `files` as the new content of the directory, as one set.
    /// The files are written and synced side by side (the disk works on
    /// one while another is being copied).
    pub fn commit(self, files: &[SetFile]) -> Result<WrittenFiles, ReportError> {
        let staging = self.staging_path()?;
        std::thread::scope(|scope| {
            let writers: Vec<_> = files
                .iter()
                .map(|file| {
                    let path = staging.join(file.name);
                    scope.spawn(move || write_synced(&path, &file.bytes))
                })
                .collect();
            writers.into_iter().try_for_each(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
        })?;
        let names: Vec<_> = files.iter().map(|f| (f.format, f.name)).collect();
        self.swap_in(&names)
    }

    /// A writer of this directory's set that takes a run's scenarios one by
    /// one ([`crate::SetWriter`]), its parts in the staging directory.
    pub fn set_writer(&self) -> Result<crate::SetWriter, ReportError> {
        crate::SetWriter::in_dir(&self.staging_path()?)
    }

    fn staging_path(&self) -> Result<PathBuf, ReportError> {
        self.staging
            .clone()
            .ok_or_else(|| ReportError::NotADirectory {
                path: self.out.clone(),
            })
    }

    /// Swaps the staging directory, whose files `names` are written and
    /// synced, in for the output directory.
    pub(crate) fn swap_in(
        mut self,
        names: &[(Option<OutputFormat>, &'static str)],
    ) -> Result<WrittenFiles, ReportError> {
        let staging = self.staging_path()?;
        sync_dir(&staging);
        let ready = self.sibling("ready");
        std::fs::rename(&staging, &ready).map_err(io(&staging, IoAction::Rename))?;
        self.staging = None;
        let old = self.sibling("old");
        let had_old = self.out.exists();
        if had_old {
            std::fs::rename(&self.out, &old).map_err(io(&self.out, IoAction::Rename))?;
        }
        std::fs::rename(&ready, &self.out).map_err(io(&ready, IoAction::Rename))?;
        if had_old {
            self.adopt_foreign(&old)?;
            std::fs::remove_dir_all(&old).map_err(io(&old, IoAction::Write))?;
        }
        sync_dir(&self.parent);
        Ok(WrittenFiles {
            files: names
                .iter()
                .filter_map(|(format, name)| {
                    format.map(|format| WrittenFile {
                        format,
                        path: self.out.join(name),
                    })
                })
                .collect(),
        })
    }
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if let Some(staging) = self.staging.take() {
            let _ignored = std::fs::remove_dir_all(staging);
        }
    }
}

/// Writes and syncs one file, world-readable (reports are for sharing).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut file = File::create(path).map_err(io(path, IoAction::Write))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(path, IoAction::Write))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io(path, IoAction::Write))?;
    }
    Ok(())
}

/// Makes renames and new entries durable. Best effort: some platforms
/// cannot open a directory for syncing.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ignored = handle.sync_all();
    }
}
