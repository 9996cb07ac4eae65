//! A deadline on every PC/SC call (issue 9 item 4).
//!
//! PC/SC calls block in FFI with no deadline of their own: a card, or an
//! emulator behind pcscd, that stops answering holds `SCardTransmit`,
//! `SCardReconnect`, `SCardConnect`, … for as long as it is stopped. So the
//! context and the card handle live on a worker thread of their own
//! ([`Worker`]); the caller hands it jobs and waits for each answer at most
//! the timeout. A worker that misses it is abandoned: it keeps its handle
//! until its call returns (if ever), then ends; nothing more is sent to it,
//! and the next scenario makes a fresh connection on a fresh worker.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::super::card::TransportError;
use super::idle::{self, Gate};

/// The PC/SC call a worker is in (or last made), e.g. `SCardReconnect`:
/// named in the timeout message.
pub(super) type Doing = Arc<Mutex<&'static str>>;

/// Notes that the worker is about to make `call`.
pub(super) fn now_in(doing: &Doing, call: &'static str) {
    *doing.lock().unwrap_or_else(PoisonError::into_inner) = call;
}

fn current(doing: &Doing) -> &'static str {
    *doing.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How long the caller looks for the worker's answer before it sleeps on
/// the channel (`PcscOptions::look_before_sleeping`): longer than an APDU's
/// round trip through pcscd and vpcd (~90–130 µs on the 2-core VM,
/// benches/pcsc.rs), so that at idle the answer is usually taken without a
/// wake-up.
const ANSWER_POLL: Duration = Duration::from_micros(400);

/// How long the worker looks for its next job before it sleeps (the same
/// option): longer than what the engine does between two commands of a
/// step.
const JOB_POLL: Duration = Duration::from_micros(200);

/// How long the caller looks for an answer before it sleeps, with
/// `PcscOptions::look_before_sleeping` set or not.
pub(super) fn answer_poll(look: bool) -> Duration {
    if look {
        ANSWER_POLL
    } else {
        Duration::ZERO
    }
}

/// How long the worker looks for its next job before it sleeps.
pub(super) fn job_poll(look: bool) -> Duration {
    if look {
        JOB_POLL
    } else {
        Duration::ZERO
    }
}

/// Takes what `channel` holds: first by looking at it (yielding the core
/// between looks) for at most `poll` while the machine's [`Gate`] says no
/// one else wants the core, then by sleeping on it; all in all at most
/// `timeout` (`None`: for as long as it takes).
///
/// Why look first: each hand-over between the caller and the worker wakes
/// a sleeping thread, and on a VM whose idle cores halt (no guest halt
/// polling) that costs ~19 µs, twice per APDU — nearly all of the harness's
/// overhead over a bare `pcsc` loop (docs/pcsc.md, "Benchmark"). A thread
/// that is looking when the message comes is not woken. On a busy machine
/// looking takes a core from the threads doing the work (pcscd, the card),
/// so it is not done then.
pub(super) fn recv_polling<T>(
    channel: &Receiver<T>,
    poll: Duration,
    timeout: Option<Duration>,
) -> Result<T, RecvTimeoutError> {
    look_then_sleep(channel, poll, timeout, &idle::MACHINE)
}

/// [`recv_polling`], looking while `gate` lets it.
fn look_then_sleep<T>(
    channel: &Receiver<T>,
    poll: Duration,
    timeout: Option<Duration>,
    gate: &Gate,
) -> Result<T, RecvTimeoutError> {
    let started = Instant::now();
    let poll = timeout.map_or(poll, |t| poll.min(t));
    if !poll.is_zero() && gate.may_look() {
        let mut last = started;
        loop {
            match channel.try_recv() {
                Ok(value) => {
                    TAKEN_LOOKING.fetch_add(1, Ordering::Relaxed);
                    return Ok(value);
                }
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {}
            }
            let now = Instant::now();
            let took = now.saturating_duration_since(last);
            if now.saturating_duration_since(started) >= poll || !gate.look_again(took) {
                break;
            }
            last = now;
            std::thread::yield_now();
        }
    }
    SLEPT.fetch_add(1, Ordering::Relaxed);
    match timeout {
        Some(timeout) => channel.recv_timeout(timeout.saturating_sub(started.elapsed())),
        None => channel.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

/// Messages [`recv_polling`] took while looking, in this process.
static TAKEN_LOOKING: AtomicU64 = AtomicU64::new(0);
/// Waits of [`recv_polling`] that went to the blocking receive (looking
/// shut, or nothing came while looking), in this process.
static SLEPT: AtomicU64 = AtomicU64::new(0);

/// How many hand-overs between callers and PC/SC workers were taken while
/// looking, and how many by the blocking receive, so far in this process.
pub(super) fn hand_overs() -> (u64, u64) {
    (
        TAKEN_LOOKING.load(Ordering::Relaxed),
        SLEPT.load(Ordering::Relaxed),
    )
}

/// Worker threads alive in this process, the abandoned ones included.
static LIVE_WORKERS: AtomicUsize = AtomicUsize::new(0);

/// Beyond this many live workers no new one is started: each abandoned
/// worker is a thread stuck in pcscd, and a peer that never answers again
/// must not make a long run pile them up. Far above the one or two a run
/// needs (a card, the recorder's card).
pub(super) const MAX_LIVE_WORKERS: usize = 16;

/// Decrements [`LIVE_WORKERS`] when the worker thread ends, however.
struct LiveGuard;

impl Drop for LiveGuard {
    fn drop(&mut self) {
        LIVE_WORKERS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a call through a [`Worker`] got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Stuck {
    /// This call got none within the timeout; the worker is abandoned.
    NoAnswer {
        /// The PC/SC call in progress.
        call: &'static str,
        /// The timeout.
        timeout: Duration,
    },
    /// An earlier call got none; nothing more is sent to this worker.
    Abandoned {
        /// The call that got no answer.
        call: &'static str,
        /// The timeout.
        timeout: Duration,
    },
    /// Too many earlier workers are still stuck in pcscd.
    TooMany(usize),
    /// The worker could not be started, or ended without answering.
    Gone(&'static str),
}

impl fmt::Display for Stuck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stuck::NoAnswer { call, timeout } => write!(
                f,
                "no answer from pcscd/the card within {} ms to {call} (--card-timeout); the \
                 connection is abandoned, the next scenario makes a fresh one",
                timeout.as_millis()
            ),
            Stuck::Abandoned { call, timeout } => write!(
                f,
                "pcscd/the card gave no answer to {call} within {} ms (--card-timeout) earlier; \
                 the next scenario makes a fresh connection",
                timeout.as_millis()
            ),
            Stuck::TooMany(live) => write!(
                f,
                "{live} earlier PC/SC connections still wait for pcscd/the card (--card-timeout \
                 passed); no new one is opened until they answer"
            ),
            Stuck::Gone(why) => f.write_str(why),
        }
    }
}

impl From<Stuck> for TransportError {
    /// A missed deadline is the environment's (pcscd, the reader, the card
    /// behind it), exit 3; a worker that cannot start is too.
    fn from(stuck: Stuck) -> Self {
        match stuck {
            Stuck::Gone(_) => TransportError::Other(stuck.to_string()),
            Stuck::NoAnswer { .. } | Stuck::Abandoned { .. } | Stuck::TooMany(_) => {
                TransportError::Timeout(stuck.to_string())
            }
        }
    }
}

/// The reply channel closed unanswered: the worker ended, or dropped the
/// job.
const DROPPED: &str = "the PC/SC worker thread ended without an answer";

/// A thread that owns whatever its body holds (the PC/SC context and card
/// handle) and runs the jobs of type `J` it is sent, one at a time.
pub(super) struct Worker<J> {
    jobs: Option<Sender<J>>,
    doing: Doing,
    timeout: Duration,
    /// How long [`wait`](Self::wait) looks for the answer before it sleeps.
    answer_poll: Duration,
    abandoned: Option<&'static str>,
}

impl<J: Send + 'static> Worker<J> {
    /// Starts the thread `name` running `body` on the jobs sent to it (the
    /// body returns when the job channel closes). Refused when
    /// [`MAX_LIVE_WORKERS`] are alive.
    pub(super) fn start(
        name: &str,
        timeout: Duration,
        body: impl FnOnce(Receiver<J>, Doing) + Send + 'static,
    ) -> Result<Self, Stuck> {
        let live = LIVE_WORKERS.fetch_add(1, Ordering::SeqCst);
        let guard = LiveGuard;
        if live >= MAX_LIVE_WORKERS {
            return Err(Stuck::TooMany(live));
        }
        let (jobs, inbox) = mpsc::channel::<J>();
        let doing: Doing = Arc::new(Mutex::new("starting the PC/SC worker"));
        let theirs = Arc::clone(&doing);
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _guard = guard;
                body(inbox, theirs);
            })
            .map_err(|_| Stuck::Gone("cannot start a PC/SC worker thread"))?;
        Ok(Worker {
            jobs: Some(jobs),
            doing,
            timeout,
            answer_poll: Duration::ZERO,
            abandoned: None,
        })
    }

    /// Looks for each answer for at most `poll` before sleeping on it
    /// ([`recv_polling`]); within the timeout all the same.
    pub(super) fn looking_first(mut self, poll: Duration) -> Self {
        self.answer_poll = poll;
        self
    }

    /// Sends the job `make` builds around a reply channel and waits at most
    /// the timeout for the reply.
    pub(super) fn ask<R>(&mut self, make: impl FnOnce(Sender<R>) -> J) -> Result<R, Stuck> {
        if let Some(call) = self.abandoned {
            return Err(Stuck::Abandoned {
                call,
                timeout: self.timeout,
            });
        }
        let jobs = self
            .jobs
            .as_ref()
            .ok_or(Stuck::Gone("the PC/SC worker was closed"))?;
        let (reply, replied) = mpsc::channel();
        jobs.send(make(reply))
            .map_err(|_| Stuck::Gone("the PC/SC worker thread has ended"))?;
        self.wait(&replied)
    }

    /// Like [`ask`](Self::ask), but a job the worker dropped unanswered
    /// (its reply channel closed, the worker alive) is `Ok(None)`.
    pub(super) fn ask_or_dropped<R>(
        &mut self,
        make: impl FnOnce(Sender<R>) -> J,
    ) -> Result<Option<R>, Stuck> {
        match self.ask(make) {
            Ok(answer) => Ok(Some(answer)),
            Err(Stuck::Gone(DROPPED)) => Ok(None),
            Err(stuck) => Err(stuck),
        }
    }

    /// Waits at most the timeout for an answer the worker sends on its own
    /// (the outcome of its opening); abandons the worker when none comes.
    pub(super) fn wait<R>(&mut self, replied: &Receiver<R>) -> Result<R, Stuck> {
        match recv_polling(replied, self.answer_poll, Some(self.timeout)) {
            Ok(answer) => Ok(answer),
            Err(RecvTimeoutError::Timeout) => {
                let call = current(&self.doing);
                self.abandon(call);
                Err(Stuck::NoAnswer {
                    call,
                    timeout: self.timeout,
                })
            }
            Err(RecvTimeoutError::Disconnected) => Err(Stuck::Gone(DROPPED)),
        }
    }

    /// Sends nothing more: the thread ends once its call returns.
    fn abandon(&mut self, call: &'static str) {
        self.abandoned = Some(call);
        self.jobs = None;
    }

    /// Whether an earlier call missed its deadline.
    pub(super) fn is_abandoned(&self) -> bool {
        self.abandoned.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that blocks until its gate opens (never, unless the test
    /// sends on it), then answers its number.
    type GatedJob = (Receiver<()>, Sender<u32>, u32);

    fn gated_worker() -> Worker<GatedJob> {
        Worker::start(
            "test-worker",
            Duration::from_millis(50),
            |jobs: Receiver<GatedJob>, doing| {
                while let Ok((gate, reply, n)) = jobs.recv() {
                    now_in(&doing, "SCardReconnect");
                    let _ = gate.recv();
                    let _ = reply.send(n);
                }
            },
        )
        .unwrap()
    }

    #[test]
    fn an_answer_in_time_is_returned() {
        let mut worker = gated_worker();
        let (open, gate) = mpsc::channel();
        open.send(()).unwrap();
        assert_eq!(worker.ask(|reply| (gate, reply, 7)), Ok(7));
        assert!(!worker.is_abandoned());
    }

    #[test]
    fn a_call_without_answer_names_the_call_and_abandons_the_worker() {
        let mut worker = gated_worker();
        let (held, gate) = mpsc::channel::<()>();
        let stuck = worker.ask(|reply| (gate, reply, 1)).unwrap_err();
        assert_eq!(
            stuck,
            Stuck::NoAnswer {
                call: "SCardReconnect",
                timeout: Duration::from_millis(50)
            }
        );
        let message = TransportError::from(stuck).to_string();
        assert!(
            message.contains("within 50 ms to SCardReconnect (--card-timeout)"),
            "{message}"
        );
        assert!(worker.is_abandoned());
        // The next call is refused at once, without being sent.
        let (_open, gate) = mpsc::channel::<()>();
        assert!(matches!(
            worker.ask(|reply| (gate, reply, 2)),
            Err(Stuck::Abandoned {
                call: "SCardReconnect",
                ..
            })
        ));
        drop(held);
    }

    #[test]
    fn a_worker_that_ends_without_answering_is_gone_not_stuck() {
        let mut worker: Worker<Sender<u32>> =
            Worker::start("test-worker", Duration::from_secs(600), |jobs, _| {
                // Drops the first reply channel unanswered, then ends.
                let _ = jobs.recv();
            })
            .unwrap();
        assert!(matches!(worker.ask(|reply| reply), Err(Stuck::Gone(_))));
        assert!(matches!(
            TransportError::from(Stuck::Gone("x")),
            TransportError::Other(_)
        ));
    }

    #[test]
    fn looking_first_takes_the_message_and_keeps_the_deadline() {
        // A gate that opens whatever the machine runs (a late look still
        // shuts it: then the same answers come asleep).
        let open = Gate::new(|| true);
        let poll = Duration::from_micros(400);
        let (send, receive) = mpsc::channel();
        send.send(1).unwrap();
        assert_eq!(look_then_sleep(&receive, poll, None, &open), Ok(1));
        // A message that comes while the receiver looks or sleeps.
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2));
            send.send(2).unwrap();
        });
        assert_eq!(
            look_then_sleep(&receive, poll, Some(Duration::from_secs(600)), &open),
            Ok(2)
        );
        sender.join().unwrap();
        // The sender gone: disconnected, whether looking or sleeping.
        assert_eq!(
            look_then_sleep(&receive, poll, None, &open),
            Err(RecvTimeoutError::Disconnected)
        );
        // No message: the timeout ends the wait, also one shorter than the
        // look.
        let (_send, receive) = mpsc::channel::<u32>();
        for timeout in [Duration::from_millis(5), Duration::from_micros(50)] {
            assert_eq!(
                look_then_sleep(&receive, poll, Some(timeout), &open),
                Err(RecvTimeoutError::Timeout)
            );
        }
    }

    #[test]
    fn a_looking_worker_misses_its_deadline_as_a_sleeping_one_does() {
        let mut worker = gated_worker().looking_first(Duration::from_micros(400));
        let (_held, gate) = mpsc::channel::<()>();
        assert!(matches!(
            worker.ask(|reply| (gate, reply, 1)),
            Err(Stuck::NoAnswer {
                call: "SCardReconnect",
                ..
            })
        ));
        assert!(worker.is_abandoned());
    }
}
