//! The run side of the family seam, and the toolkit every family runs its
//! steps with.
//!
//! A family implements [`Family`] (on top of `myna_scenario::StepSyntax`,
//! its vocabulary): it opens a [`Session`] per scenario, and the session
//! runs the family's steps into [`RawEvidence`] and a [`StepEnd`]
//! (mismatches, not applicable, or an error with its [`Blame`]). Sessions of
//! one scenario can borrow one another through [`Sessions`]. Everything a
//! step learns or sends that is secret goes to the [`Redactor`], and the
//! engine renders evidence and messages through it at the scenario's end.
//!
//! This crate knows no family and no report format.

#![forbid(unsafe_code)]

mod blame;
mod evidence;
mod family;
mod redact;
mod session;
mod step;
mod vars;

pub use blame::{exit_code, Blame};
pub use evidence::{EvidenceLog, FieldValue, RawEvidence};
pub use family::{BuiltinValue, Family, OpenError, Opened, TargetInfo};
pub use redact::{Redactor, REDACTED};
pub use session::{Session, Sessions};
pub use step::{json_has_template, Mismatch, StepCtx, StepEnd};
pub use vars::{BuiltinValues, Rendered, UndefinedVariable, Value, Vars};
