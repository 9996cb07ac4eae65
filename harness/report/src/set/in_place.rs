//! [`InPlace`]: a file of the set written front to back as the run goes,
//! in the staging directory under its final name (no part copied at the
//! end), hashed as it is written when its hash is needed (on a thread of
//! its own, [`crate::set::hasher`]), and synced in the background every
//! [`SYNC_EVERY`] bytes ([`crate::set::syncer`]).

use std::fs::File;
use std::io::{self, Seek as _, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::set::hasher::Hasher;
use crate::set::syncer::SyncHandle;

/// Written bytes between two background syncs.
pub(crate) const SYNC_EVERY: u64 = 8 << 20;

/// Bytes gathered before they are written (and handed to the hasher).
const CHUNK: usize = 1 << 18;

/// A file being written front to back.
pub(crate) struct InPlace {
    file: File,
    /// What is not written yet; handed to the hasher once written.
    buffer: Vec<u8>,
    hasher: Option<Hasher>,
    /// Bytes written from the start of the file (for the hasher).
    len: u64,
    unsynced: u64,
    sync: SyncHandle,
}

impl std::fmt::Debug for InPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlace")
            .field("file", &self.file)
            .field("buffered", &self.buffer.len())
            .field("hashed", &self.hasher.is_some())
            .field("unsynced", &self.unsynced)
            .finish()
    }
}

impl InPlace {
    /// The new file `path`, written from byte `from` on (the bytes before
    /// are written at the end, `report.json`'s head); hashed if `hash`
    /// (only when `from` is 0: a hash covers the file from its start), on
    /// a thread of its own ([`Hasher`]).
    pub(crate) fn create(
        path: &Path,
        from: u64,
        hash: bool,
        sync: SyncHandle,
    ) -> io::Result<InPlace> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        if from > 0 {
            file.seek(SeekFrom::Start(from))?;
        }
        Ok(InPlace {
            file,
            buffer: Vec::with_capacity(CHUNK),
            hasher: (hash && from == 0).then(|| Hasher::start(path)),
            len: 0,
            unsynced: 0,
            sync,
        })
    }

    /// Writes what is buffered, hands it to the hasher, and asks for a
    /// background sync every [`SYNC_EVERY`] bytes.
    fn write_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.buffer)?;
        self.unsynced += self.buffer.len() as u64;
        self.len += self.buffer.len() as u64;
        if let Some(hasher) = &mut self.hasher {
            hasher.written(&self.buffer, self.len);
        }
        self.buffer.clear();
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            self.sync.ask(&self.file);
        }
        Ok(())
    }

    /// Writes what is buffered; returns the file (not yet synced, the
    /// caller syncs it) and the hash of its bytes, if asked.
    pub(crate) fn finish(mut self) -> io::Result<(File, Option<Sha256>)> {
        self.write_buffer()?;
        let InPlace { file, hasher, .. } = self;
        Ok((file, hasher.map(Hasher::finish).transpose()?))
    }
}

impl Write for InPlace {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.write_buffer()?;
        }
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write(bytes).map(|_| ())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_buffer()
    }
}

/// The SHA-256 of the file at `path`, read back (in large reads: the file
/// was just written, so it is read from memory).
pub(crate) fn hash_file(path: &Path) -> io::Result<Sha256> {
    use std::io::Read as _;
    let mut hasher = Sha256::new();
    let mut file = File::open(path)?;
    let mut buffer = vec![0; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(hasher),
            Ok(n) => hasher.update(buffer.get(..n).unwrap_or(&buffer)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
