//! Stopping a run early on request (Ctrl-C): the CLI's signal handler calls
//! [`Interrupt::request`]; the engine checks it between steps and between
//! scenarios, so the running scenario finishes its current step, runs its
//! `finally` steps (a slowed server is put back, a card powered down), and
//! the run ends with a partial report whose `run_info.status` is
//! `interrupted`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared "please stop" flag; clones share it. The default is never set
/// unless someone calls [`Interrupt::request`] on it or a clone.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A flag nobody has set yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop after the current step.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let flag = Interrupt::new();
        let handler = flag.clone();
        assert!(!flag.is_requested());
        handler.request();
        assert!(flag.is_requested());
    }
}
