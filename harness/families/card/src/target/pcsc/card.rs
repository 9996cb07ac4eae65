//! The worker side of a [`PcscCard`](super::PcscCard): the thread that
//! owns the PC/SC context and card handle, opens them, runs the jobs it is
//! sent on the handle (or on the transaction it holds), and disconnects.
//! Every blocking call is named in the [`Doing`] first, so a missed
//! deadline says which call it was.

use std::ffi::CString;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use ::pcsc::{Card, Context, Disposition, Error as PcscError, Protocols, Scope, ShareMode};

use super::super::card::TransportError;
use super::error::{map_error, Failure};
use super::options::{PcscOpenError, PcscOptions};
use super::timed::{job_poll, now_in, recv_polling, Doing};
use super::transaction;

/// What the worker can do with the card: the same calls whether it holds
/// a transaction or not.
pub(super) trait Handle {
    /// The card handle, for calls that take it as it is (status, transmit
    /// inside a held transaction).
    fn card(&self) -> &Card;
    /// `SCardReconnect`.
    fn reconnect(&mut self, mode: ShareMode, disposition: Disposition) -> Result<(), PcscError>;
    /// Runs `body` inside a transaction: the one held, or one of its own.
    fn transacted(
        &mut self,
        doing: &Doing,
        body: &mut dyn FnMut(&Card) -> Result<Vec<u8>, Failure>,
    ) -> Result<Vec<u8>, Failure>;
}

impl Handle for Card {
    fn card(&self) -> &Card {
        self
    }

    fn reconnect(&mut self, mode: ShareMode, disposition: Disposition) -> Result<(), PcscError> {
        Card::reconnect(self, mode, Protocols::ANY, disposition)
    }

    fn transacted(
        &mut self,
        doing: &Doing,
        body: &mut dyn FnMut(&Card) -> Result<Vec<u8>, Failure>,
    ) -> Result<Vec<u8>, Failure> {
        now_in(doing, "SCardBeginTransaction");
        let tx = self
            .transaction()
            .map_err(|e| Failure::Pcsc("beginning a transaction", e))?;
        let outcome = body(&tx);
        now_in(doing, "SCardEndTransaction");
        drop(tx);
        outcome
    }
}

/// Work done on the card handle, on the worker thread.
pub(super) type OnHandle = Box<dyn FnOnce(&mut dyn Handle, &Doing) + Send>;

/// A job for the worker.
pub(super) enum Job {
    /// Runs on the handle (the held transaction's, when there is one).
    Run(OnHandle),
    /// `SCardBeginTransaction`, held until [`Job::End`]; its outcome goes
    /// to `begun`. `then`, when given, runs inside it right away (a step's
    /// first command: one hand-over to the worker instead of two); it is
    /// dropped unanswered when the transaction cannot be begun.
    Begin {
        /// Where the outcome of `SCardBeginTransaction` goes.
        begun: Sender<Result<(), Failure>>,
        /// Runs inside the new transaction.
        then: Option<OnHandle>,
    },
    /// `SCardEndTransaction` of the held transaction.
    End(Sender<Result<(), Failure>>),
    /// `SCardDisconnect`; the worker ends.
    Disconnect(Sender<Result<(), Failure>>),
}

/// What the opening found.
pub(super) struct Opened {
    /// The reader's name.
    pub(super) reader: String,
    /// The card's ATR.
    pub(super) atr: Vec<u8>,
}

/// The worker thread's body: opens the card as `options` say, sends the
/// outcome on `opened`, then serves `jobs` until told to disconnect or the
/// channel closes.
pub(super) fn serve(
    options: &PcscOptions,
    opened: &Sender<Result<Opened, PcscOpenError>>,
    jobs: &Receiver<Job>,
    doing: &Doing,
) {
    let card = match connect(options, doing) {
        Ok((card, found)) => {
            let _ = opened.send(Ok(found));
            card
        }
        Err(error) => {
            let _ = opened.send(Err(error));
            return;
        }
    };
    serve_card(card, jobs, doing, job_poll(options.look_before_sleeping));
}

/// Serves `jobs`, looking for each for at most `poll` before sleeping.
fn serve_card(mut card: Card, jobs: &Receiver<Job>, doing: &Doing, poll: Duration) {
    while let Ok(job) = recv_polling(jobs, poll, None) {
        match job {
            Job::Run(run) => run(&mut card, doing),
            Job::Begin { begun, then } => {
                now_in(doing, "SCardBeginTransaction");
                let after = match card.transaction() {
                    Ok(mut tx) => {
                        let _ = begun.send(Ok(()));
                        if let Some(run) = then {
                            run(&mut tx, doing);
                        }
                        transaction::serve(tx, jobs, doing, poll)
                    }
                    Err(e) => {
                        let _ = begun.send(Err(Failure::Pcsc("beginning a transaction", e)));
                        transaction::After::Continue
                    }
                };
                match after {
                    transaction::After::Continue => {}
                    transaction::After::Disconnect(reply) => {
                        let _ = reply.send(disconnect(card, doing));
                        return;
                    }
                    transaction::After::Closed => break,
                }
            }
            Job::End(reply) => {
                let _ = reply.send(Err(Failure::NoTransaction));
            }
            Job::Disconnect(reply) => {
                let _ = reply.send(disconnect(card, doing));
                return;
            }
        }
    }
    // The channel closed without a `Disconnect`: the handle abandoned this
    // worker (a call outlived `--card-timeout`) and a fresh connection may
    // already be running the next scenario. Leave the card as it is: a
    // reset now (what dropping a `Card` does) would reach that scenario as
    // "reset by another application".
    now_in(doing, "SCardDisconnect");
    let _ = card.disconnect(Disposition::LeaveCard);
}

/// `SCardDisconnect` with a reset, as the handle's drop does.
fn disconnect(card: Card, doing: &Doing) -> Result<(), Failure> {
    now_in(doing, "SCardDisconnect");
    card.disconnect(Disposition::ResetCard)
        .map_err(|(_, e)| Failure::Pcsc("disconnecting", e))
}

/// Establishes a context, lists the readers and connects to the first
/// candidate that has a card; reads its ATR.
fn connect(options: &PcscOptions, doing: &Doing) -> Result<(Card, Opened), PcscOpenError> {
    let context = establish(doing).map_err(PcscOpenError::Transport)?;
    let readers = readers_of(&context, doing).map_err(PcscOpenError::Transport)?;
    let candidates = options.reader.candidates(&readers);
    if candidates.is_empty() {
        return Err(PcscOpenError::NoMatchingReader {
            wanted: options.reader.describe(),
            seen: readers,
        });
    }
    let mut tried = Vec::new();
    for reader in candidates {
        let Ok(name) = CString::new(reader.as_str()) else {
            tried.push(format!("'{reader}': name contains a NUL byte"));
            continue;
        };
        now_in(doing, "SCardConnect");
        match context.connect(&name, options.sharing.mode(), Protocols::ANY) {
            Ok(card) => {
                let atr = current_atr(&card, doing).map_err(PcscOpenError::Transport)?;
                let found = Opened {
                    reader: reader.clone(),
                    atr,
                };
                return Ok((card, found));
            }
            Err(e @ (PcscError::NoService | PcscError::ServiceStopped)) => {
                return Err(PcscOpenError::Transport(map_error("connecting", e)));
            }
            Err(e) => tried.push(format!("'{reader}': {e}")),
        }
    }
    Err(PcscOpenError::NoCard { tried })
}

pub(super) fn establish(doing: &Doing) -> Result<Context, TransportError> {
    now_in(doing, "SCardEstablishContext");
    Context::establish(Scope::User).map_err(|e| map_error("connecting to the PC/SC service", e))
}

pub(super) fn readers_of(context: &Context, doing: &Doing) -> Result<Vec<String>, TransportError> {
    now_in(doing, "SCardListReaders");
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(PcscError::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_error("listing readers", e)),
    }
}

/// `SCardStatus`: the card's ATR.
pub(super) fn current_atr(card: &Card, doing: &Doing) -> Result<Vec<u8>, TransportError> {
    now_in(doing, "SCardStatus");
    card.status2_owned()
        .map(|status| status.atr().to_vec())
        .map_err(|e| map_error("reading the ATR", e))
}
