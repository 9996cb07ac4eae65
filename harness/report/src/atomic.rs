//! Writing a file so that readers see either the old content or the whole
//! new content, never a half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::{IoAction, ReportError};

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory (so the rename never crosses file systems) is written, synced
/// to disk, then renamed over `path`, and the directory is synced so the
/// rename itself survives a crash. On any failure the temporary file is
/// removed and `path` is untouched.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let io_error = |action, source| ReportError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };

    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error(IoAction::Write, e))?;
    make_world_readable(temp.as_file()).map_err(|e| io_error(IoAction::Write, e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.flush())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io_error(IoAction::Write, e))?;
    // On error `persist` hands the temporary file back; dropping it deletes it.
    temp.persist(path)
        .map_err(|e| io_error(IoAction::Rename, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Temporary files are created owner-only; reports are for sharing, so
/// they get the usual `0644` like any file the user writes.
#[cfg(unix)]
fn make_world_readable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn make_world_readable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

/// Makes a rename durable. Best effort: some platforms (Windows) cannot
/// open a directory for syncing, and the file content is already durable.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ignored = handle.sync_all();
    }
}
