//! PC/SC errors as the engine's [`TransportError`], saying what was being
//! done and who is at fault.

use ::pcsc::Error as PcscError;

use super::super::card::TransportError;
use super::exchange::MAX_GET_RESPONSES;

/// Maps a PC/SC error to the engine's transport error, with what was being
/// done.
pub(super) fn map_error(doing: &str, error: PcscError) -> TransportError {
    let message = format!("{doing}: {error} ({error:?})");
    match error {
        PcscError::NoService | PcscError::ServiceStopped | PcscError::Shutdown => {
            TransportError::ServiceUnavailable(format!(
                "{message}; is pcscd running? (`bash .ci/pcscd.sh` starts one)"
            ))
        }
        PcscError::NoReadersAvailable => TransportError::ServiceUnavailable(message),
        PcscError::RemovedCard
        | PcscError::NoSmartcard
        | PcscError::ReaderUnavailable
        | PcscError::UnknownReader => TransportError::CardRemoved(message),
        // The reader driver failed to reach the card (pcscd turns the
        // driver's communication error into these): with vpcd, the virtual
        // card's connection is gone; with a real reader, the card was
        // pulled out or lost contact.
        PcscError::NotTransacted | PcscError::CommError => TransportError::CardRemoved(format!(
            "{message}; the reader could not reach the card (pulled out?)"
        )),
        PcscError::Timeout | PcscError::WaitedTooLong => TransportError::Timeout(message),
        _ => TransportError::Other(message),
    }
}

/// Why an exchange failed, before mapping (so that a reset by another
/// application can be recognised and recovered from).
#[derive(Debug)]
pub(super) enum Failure {
    /// A PC/SC call failed: what was being done, and the error.
    Pcsc(&'static str, PcscError),
    /// `61xx` without end.
    EndlessGetResponse,
    /// The reader reported success with not even a status word.
    EmptyAnswer,
    /// An end of transaction with none held, or a second begin: a bug of
    /// the harness, which tracks what it holds.
    NoTransaction,
    /// See [`Failure::NoTransaction`].
    NestedTransaction,
}

impl Failure {
    /// Whether the handle no longer fits the card and only a fresh connect
    /// helps: the card was powered up again under it with another protocol
    /// (seen when a card stopped during a power-up answers again).
    pub(super) fn leaves_handle_stale(&self) -> bool {
        matches!(self, Failure::Pcsc(_, PcscError::ProtoMismatch))
    }

    pub(super) fn into_transport(self) -> TransportError {
        match self {
            Failure::Pcsc(doing, error) => map_error(doing, error),
            Failure::EmptyAnswer => TransportError::CardRemoved(
                "the reader returned an empty answer, not even a status word; the card was \
                 pulled out or the reader lost it"
                    .to_owned(),
            ),
            Failure::NoTransaction => TransportError::Other(
                "internal: ending a PC/SC transaction none was held (please report it)".to_owned(),
            ),
            Failure::NestedTransaction => TransportError::Other(
                "internal: beginning a PC/SC transaction inside another (please report it)"
                    .to_owned(),
            ),
            Failure::EndlessGetResponse => TransportError::Other(format!(
                "the card still answered 61xx after {MAX_GET_RESPONSES} GET RESPONSE commands"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_protocol_mismatch_leaves_the_handle_stale() {
        assert!(Failure::Pcsc("x", PcscError::ProtoMismatch).leaves_handle_stale());
        assert!(!Failure::Pcsc("x", PcscError::RemovedCard).leaves_handle_stale());
        assert!(!Failure::EmptyAnswer.leaves_handle_stale());
    }

    #[test]
    fn pcsc_errors_map_to_transport_errors() {
        assert!(matches!(
            map_error("x", PcscError::NoService),
            TransportError::ServiceUnavailable(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::ServiceStopped),
            TransportError::ServiceUnavailable(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::RemovedCard),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::NoSmartcard),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::NotTransacted),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            Failure::EmptyAnswer.into_transport(),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::Timeout),
            TransportError::Timeout(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::SharingViolation),
            TransportError::Other(_)
        ));
        assert!(map_error("transmitting", PcscError::RemovedCard)
            .to_string()
            .starts_with("card removed: transmitting: "));
    }
}
