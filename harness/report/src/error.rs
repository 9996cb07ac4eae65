//! Everything that can go wrong while reading, writing or merging reports.

use std::path::PathBuf;

/// What a file operation was doing when it failed (for the error message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoAction {
    /// Creating the output directory.
    CreateDir,
    /// Creating, writing or syncing the temporary file.
    Write,
    /// Renaming the temporary file over the destination.
    Rename,
    /// Reading an input report.
    Read,
}

impl IoAction {
    fn as_str(self) -> &'static str {
        match self {
            IoAction::CreateDir => "cannot create directory",
            IoAction::Write => "cannot write",
            IoAction::Rename => "cannot move into place",
            IoAction::Read => "cannot read",
        }
    }
}

impl std::fmt::Display for IoAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A report could not be read, rendered, written or merged.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file operation failed.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What was being done.
        action: IoAction,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// `report.json` could not be serialised or parsed.
    #[error("{}: invalid report JSON: {source}", path.display())]
    Json {
        /// The file (or `<memory>` when rendering).
        path: PathBuf,
        /// serde_json's error, with line and column when parsing.
        source: serde_json::Error,
    },
    /// The report has no usable `schema_version`.
    #[error("{}: `schema_version` is missing or not a \"major.minor\" string", path.display())]
    MissingSchemaVersion {
        /// The file.
        path: PathBuf,
    },
    /// The report was written by a writer whose schema major differs from ours.
    #[error(
        "{}: schema_version {found} is not readable by this myna-report (reads 1.x to {supported_major}.x){}",
        path.display(),
        if *found_newer { "; upgrade myna-conform to read it" } else { "" }
    )]
    UnsupportedSchemaVersion {
        /// The file.
        path: PathBuf,
        /// The file's `schema_version`.
        found: String,
        /// The major version this crate reads.
        supported_major: u64,
        /// Whether the file is from a newer major version.
        found_newer: bool,
    },
    /// Another run holds the output directory's lock.
    #[error("{}: another myna-conform run is writing its reports here ({holder}); wait for it to finish or choose another --out", path.display())]
    Busy {
        /// The output directory.
        path: PathBuf,
        /// What the lock file says about its holder (`pid N`).
        holder: String,
    },
    /// The output path is not (and cannot become) a directory.
    #[error("{}: not a directory that reports can be written to", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A signing or verifying key could not be read.
    #[error("{}: {message}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Shard reports cannot be merged.
    #[error("cannot merge reports: {0}")]
    Merge(#[from] MergeError),
}

/// Why shard reports cannot be merged into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no reports given")]
    NoReports,
    /// The same scenario ran in two shards (overlapping shards or a report given twice).
    #[error("scenario `{id}` appears in report {first} and report {second} (1-based)")]
    DuplicateScenario {
        /// The scenario id.
        id: String,
        /// 1-based index of the report it first appeared in.
        first: usize,
        /// 1-based index of the report it appeared in again.
        second: usize,
    },
    /// Shards were produced by different harness versions.
    #[error("report {index} was written by myna-conform {found}, report 1 by {expected}")]
    HarnessVersionMismatch {
        /// 1-based index of the mismatching report.
        index: usize,
        /// Report 1's version.
        expected: String,
        /// This report's version.
        found: String,
    },
    /// Shards ran different selections (paths, `--filter`, `--tags`).
    #[error("report {index} ran the selection {found}, report 1 {expected} (`--allow-mixed` merges them anyway)")]
    SelectionMismatch {
        /// 1-based index of the mismatching report.
        index: usize,
        /// Report 1's selection.
        expected: String,
        /// This report's selection.
        found: String,
    },
    /// Shards ran under different rule sets.
    #[error("report {index} used rules {found}, report 1 used rules {expected}")]
    RulesDateMismatch {
        /// 1-based index of the mismatching report.
        index: usize,
        /// Report 1's rules date.
        expected: String,
        /// This report's rules date.
        found: String,
    },
    /// Shards ran against different targets for one role, so one report
    /// would misdescribe them.
    #[error("report {index} ran against {role} target `{found}`, an earlier report against `{expected}` (`--allow-mixed` merges them anyway)")]
    TargetMismatch {
        /// 1-based index of the mismatching report.
        index: usize,
        /// The role (`card`, `oqs`, …).
        role: String,
        /// The earlier reports' target for the role.
        expected: String,
        /// This report's target for the role.
        found: String,
    },
}
