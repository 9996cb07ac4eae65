//! The eligibility (`oqs`) family: lookup, raw and test-control steps,
//! typed and checked at load, run through `myna_oqs`'s targets (the
//! in-process reference model or any server over HTTP).
//!
//! - [`OqsSyntax`] (parse side): keywords, declarative shapes of every step
//!   body ([`vocabulary`]), typed expectations and captures, schemas.
//! - [`OqsFamily`] (run side): an [`OqsSession`] per scenario from an
//!   [`OqsProvider`] ([`BuiltinOqs`] or [`HttpOqs`]); each step becomes one
//!   request, its evidence, its checks (a 4xx answer's reason travels with
//!   the failed checks) and its captures.

#![forbid(unsafe_code)]

mod check;
mod control_vocabulary;
mod family;
pub mod parse;
mod pointer;
mod provider;
mod request;
mod run;
mod schema;
mod session;
pub mod step;
mod syntax;
pub mod vocabulary;

pub use family::OqsFamily;
pub use provider::{BuiltinOqs, HttpOqs, OqsProvider};
pub use schema::matcher_schema;
pub use session::OqsSession;
pub use syntax::OqsSyntax;
