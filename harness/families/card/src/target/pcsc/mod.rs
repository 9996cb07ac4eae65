//! The card role on a real PC/SC reader (feature `pcsc`): a physical card, or
//! our emulator behind pcscd and vpcd (DESIGN.md §2).
//!
//! Like a real host it completes `61xx` with GET RESPONSE and answers `6Cxx`
//! by resending with the right Le ([`exchange`]). Every PC/SC call runs on
//! a worker thread and is waited for at most [`PcscOptions::transmit_timeout`]
//! ([`timed`]): a card or emulator that stops answering gives an `error`
//! blamed on the environment, never a hang.

mod card;
mod error;
mod exchange;
mod idle;
mod options;
mod provider;
mod timed;
mod transaction;

use std::fmt;
use std::sync::mpsc;

use ::pcsc::{Disposition, Error as PcscError};

use super::card::{CardTarget, CardTargetInfo, PowerEvent, TransportError};
use card::{current_atr, Handle, Job, OnHandle};
use error::{map_error, Failure};
use exchange::transmit_raw;
use timed::{now_in, Doing, Worker};

pub use exchange::{NoteKind, TransportNote};
pub use options::{
    PcscOpenError, PcscOptions, ReaderSelector, Sharing, DEFAULT_PCSC_CAPABILITIES,
    DEFAULT_TRANSMIT_TIMEOUT,
};
pub use provider::{
    PcscProvider, TransactionScope, DESTRUCTIVE_CAPABILITY, DESTRUCTIVE_TAG,
    FACTORY_RESET_CAPABILITY,
};

/// A card in a PC/SC reader.
pub struct PcscCard {
    /// Owns the context and the card handle; every call goes through it.
    worker: Worker<Job>,
    reader: String,
    atr: Vec<u8>,
    options: PcscOptions,
    notes: Vec<TransportNote>,
    /// A transaction is held (see [`PcscCard::in_transaction`]).
    holds_transaction: bool,
    /// The next call begins a transaction first, in the same job
    /// ([`PcscCard::begin_transaction_with_next_call`]).
    begin_with_next_call: bool,
    /// Ending a transaction failed: the handle's state is unknown.
    in_doubt: bool,
}

impl fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .field("atr", &hex::encode_upper(&self.atr))
            .field("sharing", &self.options.sharing)
            .finish_non_exhaustive()
    }
}

/// The readers pcscd knows, in its order; waits at most
/// [`DEFAULT_TRANSMIT_TIMEOUT`] for pcscd.
pub fn list_pcsc_readers() -> Result<Vec<String>, TransportError> {
    list_pcsc_readers_within(DEFAULT_TRANSMIT_TIMEOUT)
}

/// The readers pcscd knows; waits at most `timeout` for pcscd.
pub fn list_pcsc_readers_within(
    timeout: std::time::Duration,
) -> Result<Vec<String>, TransportError> {
    type Listed = Result<Vec<String>, TransportError>;
    let (listed, answer) = mpsc::channel::<Listed>();
    let mut worker: Worker<()> = Worker::start("pcsc-list", timeout, move |_, doing| {
        let outcome = card::establish(&doing).and_then(|c| card::readers_of(&c, &doing));
        let _ = listed.send(outcome);
    })?;
    worker.wait(&answer)?
}

impl PcscCard {
    /// Connects to the card in the reader chosen by `options.reader`: the
    /// context, the reader list, the connect and the ATR, together within
    /// the timeout.
    pub fn open(options: PcscOptions) -> Result<Self, PcscOpenError> {
        let (opened, answer) = mpsc::channel();
        let theirs = options.clone();
        let mut worker =
            Worker::start("pcsc-card", options.transmit_timeout, move |jobs, doing| {
                card::serve(&theirs, &opened, &jobs, &doing);
            })
            .map_err(|stuck| PcscOpenError::Transport(stuck.into()))?
            .looking_first(timed::answer_poll(options.look_before_sleeping));
        let found = worker
            .wait(&answer)
            .map_err(|stuck| PcscOpenError::Transport(stuck.into()))??;
        Ok(Self {
            worker,
            reader: found.reader,
            atr: found.atr,
            options,
            notes: Vec::new(),
            holds_transaction: false,
            begin_with_next_call: false,
            in_doubt: false,
        })
    }

    /// Connects again to the same reader through a new PC/SC context and a
    /// new worker: after the card was pulled out and put back (the old
    /// handle only answers "card removed"), after pcscd restarted, or after
    /// a call got no answer in time (the old worker is abandoned). Fails
    /// at once when the card or the service is still gone, and within the
    /// timeout when pcscd does not answer.
    pub fn reopen(&mut self) -> Result<(), TransportError> {
        let options = PcscOptions {
            reader: ReaderSelector::Exact(self.reader.clone()),
            ..self.options.clone()
        };
        // The old handle first: an exclusive one would refuse the new.
        self.close();
        *self = PcscCard::open(options).map_err(TransportError::from)?;
        Ok(())
    }

    /// Ends a held transaction and disconnects, each within the timeout;
    /// an abandoned worker is left to end on its own. The card is unusable
    /// afterwards until [`reopen`](Self::reopen).
    fn close(&mut self) {
        self.in_doubt = true;
        if self.worker.is_abandoned() {
            return;
        }
        let _ = self.end_transaction();
        let _ = self.worker.ask(Job::Disconnect);
    }

    /// Whether the connection must be made afresh before it is used again:
    /// a call got no answer within the timeout, or ending a transaction
    /// failed.
    pub fn needs_reopen(&self) -> bool {
        self.worker.is_abandoned() || self.in_doubt
    }

    /// How many hand-overs between the harness and its PC/SC worker threads
    /// were taken while looking ([`PcscOptions::look_before_sleeping`]),
    /// and how many waited asleep, so far in this process (every
    /// `PcscCard`'s, both ways): for the benchmark to show how often
    /// looking paid.
    pub fn hand_overs() -> (u64, u64) {
        timed::hand_overs()
    }

    /// The reader's name.
    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    /// The GET RESPONSE and resend steps taken since the last call.
    pub fn take_notes(&mut self) -> Vec<TransportNote> {
        std::mem::take(&mut self.notes)
    }

    /// After another application reset the card, PC/SC wants a reconnect
    /// before the handle works again.
    fn recover_from_reset(&mut self, error: TransportError) -> TransportError {
        let mode = self.options.sharing.mode();
        let reconnected = self.worker.ask(|reply| {
            on_handle(reply, move |handle, doing| {
                now_in(doing, "SCardReconnect");
                handle.reconnect(mode, Disposition::LeaveCard)
            })
        });
        match reconnected {
            Ok(Ok(())) => TransportError::Other(format!(
                "the card was reset by another PC/SC application; its security state is lost \
                 (reconnected): {error}"
            )),
            Ok(Err(e)) => map_error("reconnecting after a reset by another application", e),
            Err(stuck) => stuck.into(),
        }
    }
}

/// A [`Job::Run`] that sends what `run` returns on `reply`.
fn on_handle<R: Send + 'static>(
    reply: mpsc::Sender<R>,
    run: impl FnOnce(&mut dyn Handle, &Doing) -> R + Send + 'static,
) -> Job {
    Job::Run(boxed(reply, run))
}

/// Work on the handle that sends what `run` returns on `reply`.
fn boxed<R: Send + 'static>(
    reply: mpsc::Sender<R>,
    run: impl FnOnce(&mut dyn Handle, &Doing) -> R + Send + 'static,
) -> OnHandle {
    Box::new(move |handle, doing| {
        let _ = reply.send(run(handle, doing));
    })
}

/// What an exchange job hands back: the outcome and the transport's notes.
type Transmitted = (Result<Vec<u8>, Failure>, Vec<TransportNote>);

impl CardTarget for PcscCard {
    /// Sends `command` with its GET RESPONSEs and resends, in a transaction
    /// of its own unless one is held, and waits at most the timeout.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let command = command.to_vec();
        let transmitted: Transmitted = self.on_worker(move |handle, doing| {
            let mut notes = Vec::new();
            let outcome = handle.transacted(doing, &mut |card| {
                exchange::exchange(
                    &mut |apdu: &[u8]| transmit_raw(card, doing, apdu),
                    &command,
                    &mut notes,
                )
            });
            (outcome, notes)
        })?;
        let (outcome, notes) = transmitted;
        self.notes.extend(notes);
        match outcome {
            Ok(response) => Ok(response),
            Err(Failure::Pcsc(op, PcscError::ResetCard)) => {
                let error = map_error(op, PcscError::ResetCard);
                Err(self.recover_from_reset(error))
            }
            Err(failure) => {
                self.in_doubt |= failure.leaves_handle_stale();
                Err(failure.into_transport())
            }
        }
    }

    /// Power events through `SCardReconnect` (and `SCardStatus` for the
    /// ATR), within the timeout. PC/SC cannot leave a connected card
    /// unpowered: `Off` is a cold reset (power down, then up; volatile
    /// state is lost), `On` reads the ATR, `Reset` is a warm reset.
    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        let mode = self.options.sharing.mode();
        let atr = self.on_worker(move |handle, doing| match event {
            PowerEvent::Off => {
                now_in(doing, "SCardReconnect");
                handle
                    .reconnect(mode, Disposition::UnpowerCard)
                    .map_err(|e| map_error("powering the card off", e))?;
                Ok(None)
            }
            PowerEvent::On => current_atr(handle.card(), doing).map(Some),
            PowerEvent::Reset => {
                now_in(doing, "SCardReconnect");
                handle
                    .reconnect(mode, Disposition::ResetCard)
                    .map_err(|e| map_error("resetting the card", e))?;
                current_atr(handle.card(), doing).map(Some)
            }
        })??;
        if let Some(atr) = &atr {
            self.atr.clone_from(atr);
        }
        Ok(atr)
    }

    fn info(&self) -> CardTargetInfo {
        CardTargetInfo {
            target: format!("pcsc:{}", self.reader),
            reader_name: Some(self.reader.clone()),
            atr: self.atr.clone(),
        }
    }

    fn capabilities(&self) -> Vec<String> {
        self.options.capabilities.clone()
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        self.close();
    }
}
