//! Running card steps: building the C-APDUs a step describes (card-emu's
//! codec), sending them, checking the answer, recording the evidence.

mod action;
mod capture;
mod card_signature;
mod cert_check;
mod check;
pub mod digest;
mod evidence;
mod pair;
mod secure_messaging;
mod session;
mod signature_check;

pub use action::{CardSession, Outcome, RecordingTarget};
pub(crate) use evidence::secret_ranges;
pub use pair::{PairView, RecordingPair};
