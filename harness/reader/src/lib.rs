//! myna-reader: the reception reader (顔認証付きカードリーダー) as one
//! executable model with three uses (ARCHITECTURE "one model, three uses"):
//! the built-in reference reader, the oracle of the model-based tests, and
//! the generator of `fuzz --family reader`.
//!
//! - [`screen`]: the fixed core screen vocabulary (DESIGN §6) and
//!   [`Screen`] as observed.
//! - [`stimulus`]: what the harness does to a reader ([`Stimulus`]).
//! - [`state`]: the reader's states as types.
//! - [`reference`]: [`ReferenceReader`], driven by stimuli, reading the card
//!   through myna-family-card's `JpkiHost` and checking eligibility through
//!   any `myna_oqs::OqsTarget`.
//! - [`consent`]: the dated consent rules (until 2024-10-06 / from
//!   2024-10-07), 24-hour validity.
//! - [`record`]: the [`OutputRecord`] written for the clinic system after
//!   each visit.
//! - [`config`]: every uncertain figure (timeouts, attempts) as a setting.
//!
//! Facts: health-insurance-system.md §1, §2, §6; seeds 000, 001, 003, 004.

#![forbid(unsafe_code)]

pub mod config;
pub mod consent;
pub mod eligibility;
pub mod fuzz;
pub mod observation;
pub mod protocol;
pub mod record;
pub mod reference;
pub mod screen;
pub mod serial;
pub mod state;
pub mod stimulus;

pub use config::ReaderConfig;
pub use consent::{ConsentChoice, ConsentEntry, ConsentItem, RuleSet};
pub use observation::Observation;
pub use record::{AuthBy, OutputRecord, VisitEnd};
pub use reference::{Defect, Peers, Reaction, ReaderError, ReferenceReader};
pub use screen::{Screen, ScreenId, ScreenName};
pub use stimulus::{
    Button, CardKind, ClockChange, FaceOutcome, Method, Phone, PinDigits, Placement, Stimulus,
};
