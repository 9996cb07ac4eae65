//! Where per-scenario pieces of a report file wait until the run ends
//! ([`Part`]), and a writer that hashes what goes through it
//! ([`Hashing`]).
//!
//! A piece waits when what comes before it in its file needs the end of the
//! run: `junit.xml`'s testcases (each testsuite's counts come first), the
//! page's scenario list (inside the page's data, at its end), a small run's
//! `report.json` scenarios (behind the head, whose room only a large file
//! gets). The pieces gather in memory when the whole report is at hand
//! (`render_set`), in a temporary file of the staging directory during a
//! run (`SetWriter`), so that a run holds no scenario once it is written.

use std::fs::File;
use std::io::{self, BufWriter, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// The pieces of one file, in memory or in a temporary file.
#[derive(Debug)]
pub(crate) enum Part {
    /// In memory.
    Memory(Vec<u8>),
    /// In a temporary file, removed when the part is dropped.
    File {
        /// The open file, buffered.
        file: BufWriter<File>,
        /// Its path, for removal.
        path: PathBuf,
    },
}

impl Part {
    /// An empty part in memory.
    pub(crate) fn memory() -> Part {
        Part::Memory(Vec::new())
    }

    /// An empty part in the new file `path` (its directory is the staging
    /// directory, removed with everything in it if the run fails).
    pub(crate) fn file(path: PathBuf) -> io::Result<Part> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Part::File {
            file: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    /// Copies everything written so far to `out`.
    pub(crate) fn copy_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        match self {
            Part::Memory(bytes) => out.write_all(bytes),
            Part::File { file, .. } => {
                file.flush()?;
                let inner = file.get_mut();
                inner.seek(SeekFrom::Start(0))?;
                io::copy(inner, out)?;
                inner.seek(SeekFrom::End(0))?;
                Ok(())
            }
        }
    }
}

impl Write for Part {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Part::Memory(v) => v.write(bytes),
            Part::File { file, .. } => file.write(bytes),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Part::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
            Part::File { file, .. } => file.write_all(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Part::Memory(_) => Ok(()),
            Part::File { file, .. } => file.flush(),
        }
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if let Part::File { path, .. } = self {
            let _ignored = std::fs::remove_file(&*path);
        }
    }
}

/// A writer that computes the SHA-256 of everything written through it
/// (when asked: hashing costs about as much as writing).
pub(crate) struct Hashing<W> {
    inner: W,
    hasher: Option<Sha256>,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(inner: W, hash: bool) -> Hashing<W> {
        Hashing {
            inner,
            hasher: hash.then(Sha256::new),
        }
    }

    /// The writer and the hash of what went through it, if asked.
    pub(crate) fn finish(self) -> (W, Option<Sha256>) {
        (self.inner, self.hasher)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(bytes.get(..written).unwrap_or(bytes));
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `dir/.part-NAME`: a part file of the staging directory.
pub(crate) fn part_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".part-{name}"))
}
