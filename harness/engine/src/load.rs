//! Reads scenario files, fragments and the requirement catalogue from disk
//! (the scenario crate itself does no I/O), hashing every file loaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use myna_family::Family;
use myna_report::FileHash;
use myna_scenario::{Diagnostic, LoadEnv, Requirement, Scenario, StepSyntax, Vocabulary};

use crate::fs_source::{normalise, FsLoader};
use sha2::{Digest, Sha256};

/// Everything a run needs from disk.
#[derive(Debug, Default)]
pub struct LoadedSuite {
    /// Valid scenarios, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// The catalogue.
    pub requirements: Vec<Requirement>,
    /// Scenario files and fragments with their hashes.
    pub files: Vec<FileHash>,
    /// The catalogue file with its hash.
    pub requirements_file: Option<FileHash>,
}

/// Problems found while loading: every diagnostic, with the sources to
/// render snippets from.
#[derive(Debug, Default)]
pub struct LoadProblems {
    /// All diagnostics, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// File text by display path.
    pub sources: BTreeMap<String, String>,
    /// Problems that are not about a file's content (missing path, I/O).
    pub io: Vec<String>,
    /// Bugs of myna-conform itself (the registered families do not fit
    /// together): exit code 4.
    pub internal: Vec<String>,
}

impl LoadProblems {
    /// Whether nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty() && self.io.is_empty() && self.internal.is_empty()
    }
}

/// The vocabulary of the registered `families`, or why they do not fit
/// together (two families with one keyword: a bug of myna-conform).
pub fn vocabulary(families: &[Box<dyn Family>]) -> Result<Vocabulary<'_>, String> {
    Vocabulary::new(
        families
            .iter()
            .map(|f| {
                let syntax: &dyn StepSyntax = f.as_ref();
                syntax
            })
            .collect(),
    )
}

/// The persona names the families know, if any knows them.
fn known_personas(families: &[Box<dyn Family>]) -> Option<Vec<String>> {
    let mut known: Option<Vec<String>> = None;
    for names in families.iter().filter_map(|f| f.personas()) {
        known.get_or_insert_with(Vec::new).extend(names);
    }
    known
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `path` is a scenario file to load when walking a directory.
fn is_scenario_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !name.contains("requirements")
        && !name.starts_with("expectations")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "fragments") {
                continue;
            }
            walk(&path, out)?;
        } else if is_scenario_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// The scenario files named by `paths` (files as given, directories walked,
/// `fragments/` skipped), sorted, or the problems finding them.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            if let Err(e) = walk(path, &mut files) {
                problems.push(format!("cannot list {}: {e}", path.display()));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else if path.exists() {
            problems.push(format!("{}: not a regular file", path.display()));
        } else {
            problems.push(format!("{}: no such file or directory", path.display()));
        }
    }
    (files, problems)
}

/// How files are read.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The include root: every `include:` must resolve inside it. Default:
    /// the catalogue's directory (`scenarios/`).
    pub include_root: Option<PathBuf>,
}

impl LoadOptions {
    /// Sets [`LoadOptions::include_root`].
    pub fn include_root(mut self, root: Option<PathBuf>) -> Self {
        self.include_root = root;
        self
    }
}

/// Loads and validates the suite: scenarios under `paths`, read with the
/// vocabularies of `families`, and the catalogue at `requirements`.
/// Collects every problem before giving up. Includes resolve inside the
/// catalogue's directory ([`load_suite_with`] to give another root).
pub fn load_suite(
    paths: &[PathBuf],
    requirements: &Path,
    families: &[Box<dyn Family>],
) -> Result<LoadedSuite, LoadProblems> {
    load_suite_with(paths, requirements, families, &LoadOptions::default())
}

/// [`load_suite`] with [`LoadOptions`].
pub fn load_suite_with(
    paths: &[PathBuf],
    requirements: &Path,
    families: &[Box<dyn Family>],
    options: &LoadOptions,
) -> Result<LoadedSuite, LoadProblems> {
    let root = options
        .include_root
        .clone()
        .unwrap_or_else(|| match requirements.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    let loader = FsLoader::new(&root);
    let mut problems = LoadProblems::default();
    let mut suite = LoadedSuite::default();
    let vocabulary = match vocabulary(families) {
        Ok(v) => v,
        Err(e) => {
            problems.internal.push(e);
            return Err(problems);
        }
    };
    let personas = known_personas(families);

    match loader.read(requirements) {
        Ok((shown, text)) => {
            suite.requirements_file = Some(FileHash {
                path: shown.clone(),
                sha256: sha256_hex(text.as_bytes()),
            });
            match myna_scenario::load_requirements(&shown, &text) {
                Ok(reqs) => suite.requirements = reqs,
                Err(d) => problems.diagnostics.extend(d),
            }
        }
        Err(e) => problems.io.push(format!(
            "{e} (the requirement catalogue; run inside the checkout or pass --catalogue FILE)"
        )),
    }

    let env = LoadEnv {
        vocabulary: &vocabulary,
        personas: personas.as_deref(),
        requirements: suite
            .requirements_file
            .is_some()
            .then_some(suite.requirements.as_slice())
            .filter(|r| !r.is_empty()),
    };
    let mut scenarios = Vec::new();
    let (files, missing) = discover(paths);
    problems.io.extend(missing);
    for path in files {
        let (shown, text) = match loader.read(&normalise(&path)) {
            Ok(x) => x,
            Err(e) => {
                problems.io.push(e);
                continue;
            }
        };
        match myna_scenario::load_scenario(&shown, &text, &loader, &env) {
            Ok(s) => scenarios.push(s),
            Err(d) => problems.diagnostics.extend(d),
        }
    }
    suite.scenarios = scenarios;
    if !suite.requirements.is_empty() || problems.diagnostics.is_empty() {
        problems.diagnostics.extend(myna_scenario::check_suite(
            &suite.scenarios,
            &suite.requirements,
        ));
    }
    let sources = loader.sources.into_inner();
    suite.files = sources
        .iter()
        .filter(|(p, _)| {
            Some(p.as_str()) != suite.requirements_file.as_ref().map(|f| f.path.as_str())
        })
        .map(|(p, t)| FileHash {
            path: p.clone(),
            sha256: sha256_hex(t.as_bytes()),
        })
        .collect();
    suite.scenarios.sort_by(|a, b| a.id.cmp(&b.id));
    if problems.is_empty() {
        Ok(suite)
    } else {
        problems.sources = sources;
        Err(problems)
    }
}

#[cfg(test)]
mod normalise_tests {
    use super::normalise;
    use std::path::{Path, PathBuf};

    #[test]
    fn parent_components_above_the_start_are_kept() {
        let n = |p: &str| normalise(Path::new(p));
        assert_eq!(
            n("../../../s/card/../f/x.yaml"),
            PathBuf::from("../../../s/f/x.yaml")
        );
        assert_eq!(n("a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(n("../a/../../b"), PathBuf::from("../../b"));
        assert_eq!(n("/a/../../b"), PathBuf::from("/b"));
    }
}
