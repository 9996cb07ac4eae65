//! The portal (`portal`) family: JPKI login driven through the scenario's
//! card, raw `http` requests, and one step per flow (terms, 利用者登録,
//! 健康保険証利用申込 and 申込状況, cancellation, 公金受取口座登録, test
//! control), typed and checked at load, run through myna-portal's targets
//! (the reference in process or any server over HTTP).
//!
//! - [`PortalSyntax`] (parse side): keywords and shapes ([`vocabulary`]),
//!   typed expectations and captures, schemas.
//! - [`PortalFamily`] (run side): a [`PortalSession`] per scenario from a
//!   [`PortalProvider`]; the login borrows the `card` session (its APDUs
//!   are the card role's evidence), registrations land at the `oqs`
//!   session's eligibility service.

#![forbid(unsafe_code)]

mod family;
mod parse;
mod provider;
mod run;
mod schema;
mod session;
pub mod step;
mod syntax;
pub mod vocabulary;

pub use family::PortalFamily;
pub use provider::{BuiltinPortal, HttpPortalProvider, PortalProvider};
pub use session::PortalSession;
pub use syntax::PortalSyntax;
