//! The card role: anything that exchanges APDUs and can be power-cycled.

use std::fmt;

/// A power event a scenario can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerEvent {
    /// Cold power-off: the card loses its volatile state.
    Off,
    /// Power-on after off.
    On,
    /// Warm reset.
    Reset,
}

/// Why an exchange with the card target failed: the environment's or the
/// IUT's transport, never an assertion. Maps to the verdict `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The card was removed or the reader disappeared mid-scenario.
    CardRemoved(String),
    /// The PC/SC service is not running or stopped answering.
    ServiceUnavailable(String),
    /// No answer in time.
    Timeout(String),
    /// The target cannot do this (e.g. power-off on a shared real reader).
    Unsupported(String),
    /// The card answered something that is not an R-APDU (fewer than two
    /// bytes): the implementation under test is at fault.
    Malformed(String),
    /// Anything else the transport reported.
    Other(String),
}

impl TransportError {
    /// Whether the implementation under test (not its environment) broke.
    pub fn is_iut_fault(&self) -> bool {
        matches!(self, TransportError::Malformed(_))
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::CardRemoved(m) => write!(f, "card removed: {m}"),
            TransportError::ServiceUnavailable(m) => write!(f, "PC/SC service unavailable: {m}"),
            TransportError::Timeout(m) => write!(f, "timed out: {m}"),
            TransportError::Unsupported(m) => write!(f, "not supported by this target: {m}"),
            TransportError::Malformed(m) => write!(f, "malformed answer: {m}"),
            TransportError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TransportError {}

/// What the report says about a card target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardTargetInfo {
    /// `emu` or `pcsc:NAME`.
    pub target: String,
    /// PC/SC reader name, for real readers.
    pub reader_name: Option<String>,
    /// The ATR.
    pub atr: Vec<u8>,
}

/// One exchange another host (a reader under test, through pcscd) had with
/// a card the harness hosts ([`super::VpcdHostProvider`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerExchange {
    /// The C-APDU, the data of a secret-carrying instruction zeroed (its
    /// length kept).
    pub command: Vec<u8>,
    /// The R-APDU.
    pub response: Vec<u8>,
    /// How long the card took.
    pub duration_us: u64,
}

/// What another host sent a hosted card between two drains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerTrace {
    /// The exchanges, in order.
    pub exchanges: Vec<PeerExchange>,
    /// Exchanges not kept: more than the cap arrived between two drains
    /// (the trace is then incomplete).
    pub dropped: u64,
}

/// The card under test.
pub trait CardTarget {
    /// Sends one C-APDU, returns the R-APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
    /// Power-cycles or resets the card; returns the ATR after `On`/`Reset`.
    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError>;
    /// Name, reader and ATR for the report.
    fn info(&self) -> CardTargetInfo;
    /// Capabilities for `applies_if` (e.g. `card.jpki`, `card.power`).
    fn capabilities(&self) -> Vec<String>;
    /// What another host sent this card since the last call, when the
    /// harness hosts the card for it (`--card vpcd`); `None` for a card
    /// only the harness talks to.
    fn peer_exchanges(&mut self) -> Option<PeerTrace> {
        None
    }
    /// The step that used the card is over: a target that holds something
    /// for the length of a step (a PC/SC transaction per step) lets go.
    fn end_step(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}
