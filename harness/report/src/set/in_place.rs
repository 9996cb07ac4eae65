//! [`InPlace`]: a file of the set written front to back as the run goes,
//! in the staging directory under its final name (no part copied at the
//! end), hashed as it is written when its hash is needed, and synced in
//! the background every [`SYNC_EVERY`] bytes ([`crate::set::syncer`]).

use std::fs::File;
use std::io::{self, BufWriter, Seek as _, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::set::syncer::SyncHandle;

/// Written bytes between two background syncs.
pub(crate) const SYNC_EVERY: u64 = 8 << 20;

/// A file being written front to back.
pub(crate) struct InPlace {
    out: BufWriter<File>,
    hasher: Option<Sha256>,
    unsynced: u64,
    sync: SyncHandle,
}

impl std::fmt::Debug for InPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlace")
            .field("out", &self.out)
            .field("hashed", &self.hasher.is_some())
            .field("unsynced", &self.unsynced)
            .finish()
    }
}

impl InPlace {
    /// The new file `path`, written from byte `from` on (the bytes before
    /// are written at the end, `report.json`'s head); hashed if `hash`
    /// (only when `from` is 0: a hash covers the file from its start).
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
            out: BufWriter::with_capacity(1 << 18, file),
            hasher: (hash && from == 0).then(Sha256::new),
            unsynced: 0,
            sync,
        })
    }

    /// Flushes the file; returns it (not yet synced, the caller syncs it)
    /// and the hash of its bytes, if asked.
    pub(crate) fn finish(self) -> io::Result<(File, Option<Sha256>)> {
        let InPlace { out, hasher, .. } = self;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok((file, hasher))
    }
}

impl Write for InPlace {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.out.write(bytes)?;
        let done = bytes.get(..written).unwrap_or(bytes);
        if let Some(hasher) = &mut self.hasher {
            hasher.update(done);
        }
        self.unsynced += written as u64;
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            self.out.flush()?;
            self.sync.ask(self.out.get_ref());
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
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
