//! The vpcd slot lock of every test and benchmark that goes through pcscd
//! (the card crate's tests/common/pcsc.rs, the CLI's tests/pcsc_support),
//! included by path (`#[path = …] mod vpcd_slots;`): one file, one bounded
//! wait, whichever crate's tests hold the slots.

use std::fs::{File, OpenOptions, TryLockError};
use std::time::{Duration, Instant};

/// The file whose exclusive lock means "these vpcd slots are in use".
pub const SLOT_LOCK_FILE: &str = "/tmp/myna-conform-vpcd-slots.lock";

/// How long a test waits for another process to free the slots: longer
/// than the longest pcscd test file runs, so only a holder that never lets
/// go (a stray recorder, a process that inherited the lock) reaches it.
pub const SLOT_PATIENCE: Duration = Duration::from_secs(600);

/// Waits until no other process uses the vpcd slots and claims them; the
/// lock is released when the file is dropped or the process dies. Panics
/// after [`SLOT_PATIENCE`], naming the lock file, instead of waiting forever.
pub fn claim_slot_file() -> File {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(SLOT_LOCK_FILE)
        .unwrap_or_else(|e| panic!("opening the vpcd slot lock {SLOT_LOCK_FILE}: {e}"));
    let deadline = Instant::now() + SLOT_PATIENCE;
    loop {
        match file.try_lock() {
            Ok(()) => return file,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::WouldBlock) => panic!(
                "the vpcd slots stayed locked for {} s: another process holds {SLOT_LOCK_FILE} \
                 (`fuser -v {SLOT_LOCK_FILE}` names it)",
                SLOT_PATIENCE.as_secs()
            ),
            Err(TryLockError::Error(e)) => panic!("locking {SLOT_LOCK_FILE}: {e}"),
        }
    }
}
