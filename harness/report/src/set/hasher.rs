//! [`Hasher`]: the SHA-256 of a file being written, computed on a thread
//! of its own that reads the written bytes back (from the page cache) as
//! the writer says how far it got, so that the run's thread only writes
//! (hashing `report.html`'s 77 MB costs about 40 ms, a fifth of a large
//! run's report writing; issue 14 goal 6). The writer never waits for the
//! thread (a busy machine may leave it behind; a hand-over per chunk then
//! cost seconds); only [`Hasher::finish`] does, for the last bytes. Memory
//! stays flat: the thread reads into one buffer.

use std::fs::File;
use std::io::{self, Read as _};
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use sha2::{Digest as _, Sha256};

/// The thread's read buffer.
const READ: usize = 1 << 18;

/// The hashing of one file's bytes from its start.
#[derive(Debug)]
pub(crate) enum Hasher {
    /// On the thread: told each new length of the file.
    Thread {
        written: Sender<u64>,
        thread: JoinHandle<io::Result<Sha256>>,
    },
    /// Here, from the bytes written, if the file could not be opened again
    /// or the system refused a thread.
    Here(Sha256),
}

impl Hasher {
    /// Starts hashing the file at `path` (empty, about to be written).
    pub(crate) fn start(path: &Path) -> Hasher {
        let Ok(file) = File::open(path) else {
            return Hasher::Here(Sha256::new());
        };
        let (written, lengths) = channel();
        let thread = std::thread::Builder::new()
            .name("report-hash".to_owned())
            .spawn(move || hash_each(file, &lengths));
        match thread {
            Ok(thread) => Hasher::Thread { written, thread },
            Err(_) => Hasher::Here(Sha256::new()),
        }
    }

    /// `bytes` were written behind the bytes before: the file is now `len`
    /// bytes long.
    pub(crate) fn written(&mut self, bytes: &[u8], len: u64) {
        match self {
            // The thread is gone only by a bug: `finish` reports it.
            Hasher::Thread { written, .. } => {
                let _ignored = written.send(len);
            }
            Hasher::Here(hasher) => hasher.update(bytes),
        }
    }

    /// The hash of every byte written, once the thread has read them.
    pub(crate) fn finish(self) -> io::Result<Sha256> {
        match self {
            Hasher::Thread { written, thread } => {
                drop(written);
                thread
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            }
            Hasher::Here(hasher) => Ok(hasher),
        }
    }
}

/// Reads `file` from its start up to each length it is told, hashing it.
fn hash_each(mut file: File, lengths: &Receiver<u64>) -> io::Result<Sha256> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; READ];
    let mut hashed = 0u64;
    while let Ok(mut len) = lengths.recv() {
        // Only the latest length matters.
        while let Ok(later) = lengths.try_recv() {
            len = later;
        }
        while hashed < len {
            let want = usize::try_from(len - hashed).map_or(READ, |n| n.min(READ));
            let part = buffer.get_mut(..want).unwrap_or_default();
            file.read_exact(part)?;
            hasher.update(&*part);
            hashed += want as u64;
        }
    }
    Ok(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn the_hash_is_that_of_the_bytes_written() {
        let dir = tempfile::tempdir().unwrap();
        for threaded in [true, false] {
            let path = dir.path().join(format!("f-{threaded}"));
            let mut file = File::create(&path).unwrap();
            let mut hasher = if threaded {
                Hasher::start(&path)
            } else {
                Hasher::Here(Sha256::new())
            };
            assert_eq!(matches!(hasher, Hasher::Thread { .. }), threaded);
            let mut whole = Vec::new();
            for i in 0..10_000u32 {
                let bytes = i.to_le_bytes().repeat(1 + i as usize % 100);
                file.write_all(&bytes).unwrap();
                whole.extend_from_slice(&bytes);
                hasher.written(&bytes, whole.len() as u64);
            }
            assert_eq!(hasher.finish().unwrap().finalize(), Sha256::digest(&whole));
        }
    }
}
