//! [`Syncer`]: a thread that syncs the set's files while the run goes on,
//! so that the run's end syncs only what was written since the last sync
//! (issue 14 goal 6: a run's end waits ≤ 200 ms for its reports).

use std::fs::File;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// The syncing thread and the way to ask it for a sync.
#[derive(Debug)]
pub(crate) struct Syncer {
    requests: Option<SyncSender<File>>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread. Without one (the system refused it) every file
    /// is still synced, all at the end ([`Syncer::ask`] does nothing).
    pub(crate) fn start() -> Syncer {
        // One waiting request: a request made while the thread is busy
        // with another file replaces nothing and is dropped; the next one,
        // a few megabytes later, covers what it would have.
        let (requests, queue) = sync_channel::<File>(1);
        let thread = std::thread::Builder::new()
            .name("report-sync".to_owned())
            .spawn(move || sync_each(&queue))
            .ok();
        Syncer {
            requests: thread.as_ref().map(|_| requests),
            thread,
        }
    }

    /// A handle that asks this thread to sync files.
    pub(crate) fn handle(&self) -> SyncHandle {
        SyncHandle(self.requests.clone())
    }

    /// Waits for the sync under way, if any, and ends the thread (every
    /// handle must be dropped first, or the thread would wait for them).
    pub(crate) fn stop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            // The thread only syncs: it cannot panic but by a bug, whose
            // files are then synced at the end anyway.
            let _ignored = thread.join();
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn sync_each(queue: &Receiver<File>) {
    while let Ok(file) = queue.recv() {
        // A failed sync here is found again by the end's own sync.
        let _ignored = file.sync_data();
    }
}

/// Asks the [`Syncer`] to sync a file.
#[derive(Debug, Clone)]
pub(crate) struct SyncHandle(Option<SyncSender<File>>);

impl SyncHandle {
    /// Asks for `file` (its written bytes, flushed) to be synced, unless
    /// the thread is busy with another request.
    pub(crate) fn ask(&self, file: &File) {
        let Some(requests) = &self.0 else {
            return;
        };
        if let Ok(handle) = file.try_clone() {
            match requests.try_send(handle) {
                Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }
}
