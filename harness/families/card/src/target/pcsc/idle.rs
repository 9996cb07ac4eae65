//! Whether a core is free right now, for the caller and the worker of a
//! [`PcscCard`](super::PcscCard) to look for each other's message before
//! they sleep ([`recv_polling`](super::timed::recv_polling)).
//!
//! Looking for a message only pays when the looking thread takes a core no
//! one else wants: on an idle machine it spares the wake-up of a halted
//! core, on a busy one it takes a core from pcscd and the card (and from
//! everything else the machine runs). So a thread looks only while Linux's
//! count of runnable threads (`/proc/loadavg`, its fourth field; the
//! looking threads of ours included) leaves a core to each looking thread
//! (at most the number of cores, plus one for pcscd or the card); the
//! count is read at most every [`RECHECK`]. A look that comes back late
//! (the core went to another thread for a time slice) stops looking for
//! [`HOLD_OFF`]. Where `/proc/loadavg` cannot be read nothing is looked
//! for: every wait sleeps, as before.
//!
//! Hand-written (a dozen lines over `std`): no maintained crate reads the
//! instantaneous run queue length.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often the run queue is read, at most.
const RECHECK: Duration = Duration::from_millis(20);

/// How long looking stays stopped after a look came back late.
const HOLD_OFF: Duration = Duration::from_secs(1);

/// A yield that took longer than this gave the core to another thread for
/// its time slice (≥ 0.75 ms under Linux's EEVDF), not to pcscd or the
/// card for the few µs their part of an APDU takes.
const LATE_LOOK: Duration = Duration::from_micros(500);

/// Whether looking is open, and until when that holds without deciding
/// again.
pub(super) struct Gate {
    /// Decides whether to open: [`run_queue_leaves_cores`] on the machine.
    decide: fn() -> bool,
    open: AtomicBool,
    /// Nanoseconds since [`epoch`].
    valid_until: AtomicU64,
}

/// The gate of every `PcscCard` of the process: the run queue is the
/// machine's.
pub(super) static MACHINE: Gate = Gate::new(run_queue_leaves_cores);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The number of runnable threads on the machine, the reading one included.
fn runnable() -> Option<usize> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    let (running, _) = loadavg.split_whitespace().nth(3)?.split_once('/')?;
    running.parse().ok()
}

/// Whether `runnable` threads, the reading one among them, leave a core
/// for each thread that looks: the caller and the worker look in turn, and
/// of the work (pcscd, the card behind it) one thread runs at a time, so a
/// PC/SC exchange at idle counts three on two cores; anything else that
/// runs counts on top.
fn each_has_a_core(runnable: usize, cores: usize) -> bool {
    runnable <= cores + 1
}

/// Whether Linux's run queue leaves a core to each looking thread now.
fn run_queue_leaves_cores() -> bool {
    runnable().is_some_and(|r| each_has_a_core(r, cores()))
}

impl Gate {
    pub(super) const fn new(decide: fn() -> bool) -> Self {
        Gate {
            decide,
            open: AtomicBool::new(false),
            valid_until: AtomicU64::new(0),
        }
    }

    /// Whether the calling thread may look for a message now: as last
    /// decided, or as the gate decides now (then held for [`RECHECK`]).
    pub(super) fn may_look(&self) -> bool {
        if nanos(Instant::now()) < self.valid_until.load(Ordering::Relaxed) {
            return self.open.load(Ordering::Relaxed);
        }
        let open = (self.decide)();
        self.hold(open, RECHECK);
        open
    }

    /// Whether to look again after a look (a yield of the core) that took
    /// `took`: not after a late one, which also stops looking for
    /// [`HOLD_OFF`]; nor once another thread's late look stopped it.
    pub(super) fn look_again(&self, took: Duration) -> bool {
        if took <= LATE_LOOK {
            return self.open.load(Ordering::Relaxed);
        }
        self.hold(false, HOLD_OFF);
        false
    }

    fn hold(&self, open: bool, duration: Duration) {
        self.open.store(open, Ordering::Relaxed);
        let until = Instant::now().checked_add(duration).map_or(u64::MAX, nanos);
        self.valid_until.store(until, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looking_is_open_only_while_every_runnable_thread_has_a_core() {
        // Idle two cores: the caller alone, with the worker, with pcscd.
        assert!(each_has_a_core(1, 2));
        assert!(each_has_a_core(2, 2));
        assert!(each_has_a_core(3, 2));
        // A build besides.
        assert!(!each_has_a_core(4, 2));
        assert!(!each_has_a_core(9, 2));
        assert!(each_has_a_core(5, 4));
    }

    #[test]
    fn a_late_look_stops_looking_until_decided_again() {
        let gate = Gate::new(|| true);
        assert!(gate.may_look());
        assert!(gate.look_again(Duration::from_micros(1)));
        assert!(!gate.look_again(Duration::from_millis(3)));
        assert!(!gate.look_again(Duration::from_micros(1)));
        // Held shut for a second, though the decision would open it.
        assert!(!gate.may_look());
    }

    #[test]
    fn a_shut_gate_lets_no_one_look() {
        let gate = Gate::new(|| false);
        assert!(!gate.may_look());
        assert!(!gate.look_again(Duration::from_micros(1)));
    }

    #[test]
    fn the_run_queue_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(runnable().is_some_and(|r| r >= 1));
        }
    }
}
