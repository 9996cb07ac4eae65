//! What the engine's test and bench targets share: the workspace root,
//! where scenarios, the catalogue and personas are found by relative path.

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Makes the repository root the working directory, so relative paths
/// such as `scenarios/requirements.yaml` resolve as they do for the CLI.
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn enter_root() -> Result<(), String> {
    let root = root();
    std::env::set_current_dir(&root).map_err(|e| format!("cannot enter {}: {e}", root.display()))
}
