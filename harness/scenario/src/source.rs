//! How included files are found: the caller's [`SourceLoader`] (the CLI
//! reads the file system; tests use [`MemoryLoader`]).

use std::collections::BTreeMap;

/// Loads the text of a file named by an `include:` step.
pub trait SourceLoader {
    /// Loads `relative` as written in `including_file` (its display path).
    /// Returns the included file's display path (used in locations and for
    /// cycle detection, so the same file must always get the same path) and
    /// its text, or why it cannot be read.
    fn load(&self, including_file: &str, relative: &str) -> Result<(String, String), String>;
}

/// Joins `relative` to the folder of `including_file` lexically: `.` and
/// `..` segments are resolved, `/` separates. An absolute `relative` is
/// kept as is. `a/b/s.yaml` + `../f/x.yaml` = `a/f/x.yaml`.
pub fn join_relative(including_file: &str, relative: &str) -> String {
    let base = if relative.starts_with('/') {
        ""
    } else {
        including_file
            .rsplit_once('/')
            .map_or("", |(folder, _)| folder)
    };
    let absolute = relative.starts_with('/') || including_file.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let mut leading_up = 0usize;
    for segment in base.split('/').chain(relative.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    leading_up += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut joined = "../".repeat(leading_up) + &parts.join("/");
    if absolute {
        joined.insert(0, '/');
    }
    joined
}

/// Files held in memory, keyed by path; includes are resolved with
/// [`join_relative`]. For tests and tools that already hold the texts.
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader {
    files: BTreeMap<String, String>,
}

impl MemoryLoader {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn with(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.to_string(), text.to_string());
        self
    }
}

impl SourceLoader for MemoryLoader {
    fn load(&self, including_file: &str, relative: &str) -> Result<(String, String), String> {
        let path = join_relative(including_file, relative);
        match self.files.get(&path) {
            Some(text) => Ok((path, text.clone())),
            None => Err(format!("no file `{path}`")),
        }
    }
}

/// A loader for callers that allow no includes: every include fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIncludes;

impl SourceLoader for NoIncludes {
    fn load(&self, _including_file: &str, relative: &str) -> Result<(String, String), String> {
        Err(format!("includes are not available here (`{relative}`)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins() {
        assert_eq!(
            join_relative("scenarios/card/a.yaml", "../fragments/x.yaml"),
            "scenarios/fragments/x.yaml"
        );
        assert_eq!(join_relative("a.yaml", "f/x.yaml"), "f/x.yaml");
        assert_eq!(join_relative("a.yaml", "../x.yaml"), "../x.yaml");
        assert_eq!(join_relative("s/a.yaml", "./b/./c.yaml"), "s/b/c.yaml");
        assert_eq!(join_relative("s/a.yaml", "/abs/c.yaml"), "/abs/c.yaml");
        assert_eq!(join_relative("/r/s/a.yaml", "../../../c.yaml"), "/c.yaml");
    }

    #[test]
    fn memory_loader() {
        let loader = MemoryLoader::new().with("s/f/x.yaml", "steps: []");
        assert_eq!(
            loader.load("s/card/a.yaml", "../f/x.yaml"),
            Ok(("s/f/x.yaml".to_string(), "steps: []".to_string()))
        );
        assert!(loader
            .load("s/card/a.yaml", "y.yaml")
            .unwrap_err()
            .contains("s/card/y.yaml"));
    }
}
