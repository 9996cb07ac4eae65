//! One PC/SC transaction held across many commands: a whole scenario
//! (`run --card-transaction`) or a block ([`PcscCard::in_transaction`]).
//! The worker holds it (the `pcsc` crate's transaction borrows the card
//! handle, so it lives in a loop of its own on the worker thread); its
//! begin and end are waited for at most the timeout like every other call.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use ::pcsc::{Disposition, Error as PcscError, Transaction};

use super::super::card::{CardTarget, TransportError};
use super::card::{Handle, Job};
use super::error::{map_error, Failure};
use super::timed::{now_in, recv_polling, Doing, Stuck};
use super::{boxed, on_handle, PcscCard};

/// How the worker goes on after a held transaction.
pub(super) enum After {
    /// It ended: serve the card handle again.
    Continue,
    /// Disconnect now, replying on this channel.
    Disconnect(Sender<Result<(), Failure>>),
    /// The job channel closed: end the worker.
    Closed,
}

/// Serves `jobs` inside `tx` until it is ended; dropping `tx` ends it too
/// (`SCardEndTransaction`, leaving the card). Looks for each job for at
/// most `poll` before sleeping.
pub(super) fn serve(
    mut tx: Transaction<'_>,
    jobs: &Receiver<Job>,
    doing: &Doing,
    poll: Duration,
) -> After {
    while let Ok(job) = recv_polling(jobs, poll, None) {
        match job {
            Job::Run(run) => run(&mut tx, doing),
            Job::Begin { begun, .. } => {
                let _ = begun.send(Err(Failure::NestedTransaction));
            }
            Job::End(reply) => {
                now_in(doing, "SCardEndTransaction");
                let ended = tx
                    .end(Disposition::LeaveCard)
                    .map_err(|(_, e)| Failure::Pcsc("ending the transaction", e));
                let _ = reply.send(ended);
                return After::Continue;
            }
            Job::Disconnect(reply) => {
                now_in(doing, "SCardEndTransaction");
                drop(tx);
                return After::Disconnect(reply);
            }
        }
    }
    now_in(doing, "SCardEndTransaction");
    After::Closed
}

impl Handle for Transaction<'_> {
    fn card(&self) -> &::pcsc::Card {
        self
    }

    fn reconnect(
        &mut self,
        mode: ::pcsc::ShareMode,
        disposition: Disposition,
    ) -> Result<(), PcscError> {
        Transaction::reconnect(self, mode, ::pcsc::Protocols::ANY, disposition)
    }

    fn transacted(
        &mut self,
        _doing: &Doing,
        body: &mut dyn FnMut(&::pcsc::Card) -> Result<Vec<u8>, Failure>,
    ) -> Result<Vec<u8>, Failure> {
        body(self)
    }
}

impl PcscCard {
    /// Runs `body` inside one PC/SC transaction, so that no other
    /// application can talk to the card in between (e.g. for a whole
    /// scenario on a shared reader). Fails if the transaction cannot be
    /// started or ended, or either gets no answer within the timeout.
    pub fn in_transaction<R>(
        &mut self,
        body: impl FnOnce(&mut dyn CardTarget) -> R,
    ) -> Result<R, TransportError> {
        self.begin_transaction()?;
        let result = body(self);
        self.end_transaction()?;
        Ok(result)
    }

    /// Runs `body` inside one PC/SC transaction begun by its first command
    /// or power event, in the same hand-over to the worker (a body that
    /// makes no call begins none), and ended after it: what the harness
    /// does for each step with `run --card-transaction=step` and in a
    /// scenario that drives another family. Fails if the transaction
    /// cannot be ended, or that gets no answer within the timeout; a
    /// failed begin is the error of the body's first call.
    pub fn in_transaction_from_first_call<R>(
        &mut self,
        body: impl FnOnce(&mut dyn CardTarget) -> R,
    ) -> Result<R, TransportError> {
        self.begin_transaction_with_next_call();
        let result = body(self);
        self.end_transaction()?;
        Ok(result)
    }

    /// `SCardBeginTransaction`, held by the worker until
    /// [`end_transaction`](Self::end_transaction); every command until
    /// then runs in it. After a reset by another application the handle
    /// is reconnected and the error says the security state was lost.
    pub(crate) fn begin_transaction(&mut self) -> Result<(), TransportError> {
        self.begin_with_next_call = false;
        match self.worker.ask(|begun| Job::Begin { begun, then: None })? {
            Ok(()) => {
                self.holds_transaction = true;
                Ok(())
            }
            Err(failure) => Err(self.begin_failed(failure)),
        }
    }

    /// Begins a transaction together with the next command or power event
    /// (one hand-over to the worker, one wait for both), unless one is held
    /// already: a transaction per step costs the harness no more hand-overs
    /// than the step's commands. A step that sends nothing begins none.
    pub(crate) fn begin_transaction_with_next_call(&mut self) {
        if !self.holds_transaction {
            self.begin_with_next_call = true;
        }
    }

    /// Runs `run` on the worker's handle within the timeout; first begins
    /// the transaction [`begin_transaction_with_next_call`] asked for, in
    /// the same job.
    pub(super) fn on_worker<R: Send + 'static>(
        &mut self,
        run: impl FnOnce(&mut dyn Handle, &Doing) -> R + Send + 'static,
    ) -> Result<R, TransportError> {
        if !std::mem::take(&mut self.begin_with_next_call) {
            return Ok(self.worker.ask(|reply| on_handle(reply, run))?);
        }
        let (begun, began) = mpsc::channel();
        let answer = self.worker.ask_or_dropped(|reply| Job::Begin {
            begun,
            then: Some(boxed(reply, run)),
        })?;
        match (answer, began.try_recv()) {
            (Some(answer), _) => {
                self.holds_transaction = true;
                Ok(answer)
            }
            // The job was dropped unanswered: the transaction did not begin.
            (None, Ok(Err(failure))) => Err(self.begin_failed(failure)),
            (None, _) => Err(Stuck::Gone("the PC/SC worker dropped a job unanswered").into()),
        }
    }

    /// What a failed `SCardBeginTransaction` means: after a reset by
    /// another application the handle is reconnected and the error says
    /// the security state was lost.
    fn begin_failed(&mut self, failure: Failure) -> TransportError {
        match failure {
            Failure::Pcsc(doing, PcscError::ResetCard) => {
                let error = map_error(doing, PcscError::ResetCard);
                self.recover_from_reset(error)
            }
            failure => failure.into_transport(),
        }
    }

    /// `SCardEndTransaction` of the transaction held. A failure leaves the
    /// card in doubt: the next scenario connects afresh.
    pub(crate) fn end_transaction(&mut self) -> Result<(), TransportError> {
        // One asked for but never begun (the step sent nothing).
        self.begin_with_next_call = false;
        if !self.holds_transaction {
            return Ok(());
        }
        self.holds_transaction = false;
        match self.worker.ask(Job::End)? {
            Ok(()) => Ok(()),
            Err(failure) => {
                self.in_doubt = true;
                Err(failure.into_transport())
            }
        }
    }
}
