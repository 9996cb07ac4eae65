//! Root discovery, as cargo finds `Cargo.toml`: from the working directory
//! up to the first directory holding `myna-conform.toml` or
//! `scenarios/requirements.yaml`. Default paths (scenarios, catalogue,
//! personas, reports) are resolved there, so `myna-conform check` works from
//! any directory inside the checkout.

use std::path::{Component, Path, PathBuf};

/// The project's configuration file, at the root.
pub const CONFIG_FILE: &str = "myna-conform.toml";
/// The catalogue, relative to the root: its presence marks a root too.
pub const CATALOGUE: &str = "scenarios/requirements.yaml";

/// The project root above (or at) `start`, if any.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file() || dir.join(CATALOGUE).is_file())
        .map(Path::to_path_buf)
}

/// `path` as written by the user or a default, made usable from `cwd`: an
/// absolute path, or one that exists relative to `cwd`, stays; a relative
/// one that does not is taken relative to the project root when it exists
/// there. Shown relative to `cwd` (`../../scenarios/card/x.yaml`), so
/// diagnostics stay short and clickable.
pub fn resolve(path: &Path, cwd: &Path, root: Option<&Path>) -> PathBuf {
    if path.is_absolute() || cwd.join(path).exists() {
        return path.to_path_buf();
    }
    match root {
        Some(root) if root.join(path).exists() => relative_to(&root.join(path), cwd),
        _ => path.to_path_buf(),
    }
}

/// Where a default output directory goes: under the root when there is one.
pub fn output(path: &Path, cwd: &Path, root: Option<&Path>) -> PathBuf {
    match root {
        Some(root) if path.is_relative() => relative_to(&root.join(path), cwd),
        _ => path.to_path_buf(),
    }
}

/// `target` relative to `base` when both are absolute and share a prefix;
/// `target` unchanged otherwise.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let target_parts: Vec<Component<'_>> = target.components().collect();
    let base_parts: Vec<Component<'_>> = base.components().collect();
    let common = target_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    for part in &target_parts[common..] {
        relative.push(part);
    }
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    relative
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(
                Path::new("/r/scenarios/x.yaml"),
                Path::new("/r/harness/cli")
            ),
            PathBuf::from("../../scenarios/x.yaml")
        );
        assert_eq!(
            relative_to(Path::new("/r/scenarios"), Path::new("/r")),
            PathBuf::from("scenarios")
        );
        assert_eq!(
            relative_to(Path::new("/r"), Path::new("/r")),
            PathBuf::from(".")
        );
    }

    #[test]
    fn finds_the_root_from_below_and_resolves_defaults_there() {
        let root = std::env::temp_dir().join(format!("myna-root-{}", std::process::id()));
        let below = root.join("scenarios").join("card");
        std::fs::create_dir_all(&below).unwrap();
        std::fs::write(root.join(CATALOGUE), "[]\n").unwrap();
        assert_eq!(discover(&below).as_deref(), Some(root.as_path()));
        assert_eq!(
            resolve(Path::new(CATALOGUE), &below, Some(&root)),
            PathBuf::from("../requirements.yaml")
        );
        // What exists where the user is stays as written.
        std::fs::write(below.join("mine.yaml"), "").unwrap();
        assert_eq!(
            resolve(Path::new("mine.yaml"), &below, Some(&root)),
            PathBuf::from("mine.yaml")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
