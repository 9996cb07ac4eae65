//! Reading scenario files and their fragments from disk, confined: an
//! `include:` resolves inside the include root (docs/scenario-format.md
//! "Fragment files"), names a regular file (no FIFO, device or directory)
//! of at most [`MAX_SOURCE_BYTES`], and no symlink leads out of the root.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use myna_scenario::SourceLoader;

/// Largest scenario, fragment or catalogue file read (bytes): far above
/// any real one, far below what would exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Reads files, keeping their texts (for snippets and hashes).
pub(crate) struct FsLoader {
    /// The include root, canonical; `None` when it does not exist (every
    /// include is then refused).
    root: Option<PathBuf>,
    /// The root as given, for messages.
    root_shown: String,
    pub(crate) sources: RefCell<BTreeMap<String, String>>,
}

pub(crate) fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

impl FsLoader {
    pub(crate) fn new(root: &Path) -> Self {
        FsLoader {
            root: std::fs::canonicalize(root).ok(),
            root_shown: display(root),
            sources: RefCell::new(BTreeMap::new()),
        }
    }

    /// Reads a regular file of bounded size (a scenario, a fragment, the
    /// catalogue). The text is kept only once read whole.
    pub(crate) fn read(&self, path: &Path) -> Result<(String, String), String> {
        let shown = display(path);
        let text = read_bounded(path).map_err(|(line, col, why)| {
            format!("{shown}:{line}:{col}: cannot read the file: {why}")
        })?;
        self.sources
            .borrow_mut()
            .insert(shown.clone(), text.clone());
        Ok((shown, text))
    }

    /// `relative` (as written in `including_file`) resolved and confined.
    fn confined(&self, including_file: &str, relative: &str) -> Result<PathBuf, String> {
        if Path::new(relative).is_absolute() || relative.starts_with('/') {
            return Err("an include is a path relative to the including file".into());
        }
        let base = Path::new(including_file).parent().unwrap_or(Path::new(""));
        let joined = normalise(&base.join(relative));
        let outside = || format!("it is outside the include root `{}`", self.root_shown);
        let root = self.root.as_ref().ok_or_else(outside)?;
        // Canonical: `..` and every symlink resolved, so neither leads out.
        let real = std::fs::canonicalize(&joined).map_err(|e| e.to_string())?;
        if !real.starts_with(root) {
            return Err(outside());
        }
        Ok(joined)
    }
}

impl SourceLoader for FsLoader {
    fn load(&self, including_file: &str, relative: &str) -> Result<(String, String), String> {
        let path = self.confined(including_file, relative)?;
        let shown = display(&path);
        let text = read_bounded(&path).map_err(|(_, _, why)| why)?;
        self.sources
            .borrow_mut()
            .insert(shown.clone(), text.clone());
        Ok((shown, text))
    }
}

/// The text of `path` if it is a regular UTF-8 file of at most
/// [`MAX_SOURCE_BYTES`]. The kind is checked before opening, so a FIFO
/// or a device is never opened (opening a FIFO blocks; `/dev/zero` never
/// ends), and the read stops one byte past the cap whatever the size
/// claimed.
fn read_bounded(path: &Path) -> Result<String, (usize, usize, String)> {
    let at_start = |why: String| (1, 1, why);
    let meta = std::fs::metadata(path).map_err(|e| at_start(e.to_string()))?;
    if !meta.is_file() {
        return Err(at_start("not a regular file".into()));
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(at_start(format!("larger than {MAX_SOURCE_BYTES} bytes")));
    }
    let file = std::fs::File::open(path).map_err(|e| at_start(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| at_start(e.to_string()))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(at_start(format!("larger than {MAX_SOURCE_BYTES} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        // Located at the first byte that is not UTF-8 (nothing of it quoted).
        let valid = e
            .as_bytes()
            .get(..e.utf8_error().valid_up_to())
            .unwrap_or(&[]);
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let col = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col, "not UTF-8 text".to_string())
    })
}

/// Removes `.` and resolvable `..` components so display paths are stable.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `../..` stays `../..`: only a named component is popped,
                // and nothing goes above the root.
                match out.components().next_back() {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir | Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other),
        }
    }
    out
}
