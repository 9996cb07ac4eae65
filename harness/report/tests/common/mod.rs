//! Helpers shared by this crate's tests (ARCHITECTURE.md: test helpers
//! shared inside a crate live in its `tests/common/`).

use std::error::Error;
use std::path::Path;

/// The names of the entries of `dir`, sorted.
pub fn names(dir: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}
