//! The roles a scenario talks to, each behind a trait.

mod card;

pub use card::{CardTarget, CardTargetInfo, PowerEvent, TransportError};
