//! The card and the holder's smartphone card lent together to a host that
//! drives both (the reception reader: the card on the face reader, the
//! phone on the generic reader, health-insurance-system.md §1.5). Both
//! share the scenario's evidence log and redactor, so each is a view of
//! one borrowed pair.

use std::cell::RefCell;

use myna_family::{EvidenceLog, Redactor};

use super::CardSession;
use crate::target::{CardTarget, CardTargetInfo, PowerEvent, TransportError};

/// A [`CardSession`] and its smartphone card, recording into one log; see
/// [`CardSession::recording_pair`].
pub struct RecordingPair<'a> {
    inner: RefCell<Lent<'a>>,
    has_phone: bool,
}

struct Lent<'a> {
    session: &'a mut CardSession,
    log: &'a mut EvidenceLog,
    redactor: &'a mut Redactor,
}

/// Which of the pair a view reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Device {
    Card,
    Phone,
}

/// One device of a [`RecordingPair`] as a [`CardTarget`].
pub struct PairView<'p, 'a> {
    pair: &'p RefCell<Lent<'a>>,
    device: Device,
}

impl CardSession {
    /// This session's card and smartphone card for a host that drives both:
    /// every exchange goes through [`CardSession::exchange`] of the device
    /// (the phone's evidence tagged `device: phone`). The host changes the
    /// current application, so the session forgets which one it was.
    pub fn recording_pair<'a>(
        &'a mut self,
        log: &'a mut EvidenceLog,
        redactor: &'a mut Redactor,
    ) -> RecordingPair<'a> {
        self.current_app = None;
        self.sm = None;
        if let Some(phone) = self.phone.as_deref_mut() {
            phone.current_app = None;
            phone.sm = None;
        }
        RecordingPair {
            has_phone: self.phone.is_some(),
            inner: RefCell::new(Lent {
                session: self,
                log,
                redactor,
            }),
        }
    }
}

impl<'a> RecordingPair<'a> {
    /// The card.
    pub fn card(&self) -> PairView<'_, 'a> {
        PairView {
            pair: &self.inner,
            device: Device::Card,
        }
    }

    /// The smartphone card, when the session has one.
    pub fn phone(&self) -> Option<PairView<'_, 'a>> {
        self.has_phone.then_some(PairView {
            pair: &self.inner,
            device: Device::Phone,
        })
    }
}

impl PairView<'_, '_> {
    /// Runs `f` on the device's session with the log and redactor; a view
    /// in use (a host calling back into itself) is a transport error, never
    /// a panic.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut CardSession, &mut EvidenceLog, &mut Redactor) -> Result<R, TransportError>,
    ) -> Result<R, TransportError> {
        let mut lent = self
            .pair
            .try_borrow_mut()
            .map_err(|_| TransportError::Other("the card pair is already in use".into()))?;
        let Lent {
            session,
            log,
            redactor,
        } = &mut *lent;
        match self.device {
            Device::Card => f(session, log, redactor),
            Device::Phone => match session.phone.as_deref_mut() {
                Some(phone) => f(phone, log, redactor),
                None => Err(TransportError::Other("no smartphone card".into())),
            },
        }
    }
}

impl CardTarget for PairView<'_, '_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.with(|session, log, redactor| {
            session
                .exchange(command, log, redactor)
                .map(|r| r.to_bytes())
        })
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.with(|session, _, _| session.target.power(event))
    }

    fn info(&self) -> CardTargetInfo {
        self.with(|session, _, _| Ok(session.target.info()))
            .unwrap_or(CardTargetInfo {
                target: "busy".into(),
                reader_name: None,
                atr: Vec::new(),
            })
    }

    fn capabilities(&self) -> Vec<String> {
        self.with(|session, _, _| Ok(session.target.capabilities()))
            .unwrap_or_default()
    }
}
