//! Runs scenarios against targets: actions, assertions, captures,
//! evidence and verdicts.
//!
//! Data flow: [`load::load_suite`] reads and validates files →
//! [`select::select`] picks scenarios → [`suite::run_suite`] opens a card per
//! scenario through a [`target::CardProvider`] and calls
//! [`scenario_run::run_scenario`] → the report (`myna_report::Report`).

#![forbid(unsafe_code)]

mod capture;
mod card_action;
mod cert_check;
mod check;
pub mod digest;
mod evidence;
mod label;
pub mod load;
mod oqs_step;
pub mod record;
pub mod redact;
pub mod scenario_run;
pub mod select;
mod signature_check;
pub mod suite;
pub mod target;
pub mod tlv;
pub mod vars;

pub use load::{load_suite, LoadProblems, LoadedSuite};
pub use scenario_run::{run_scenario, Blame, PersonaVar, RunContext, ScenarioOutcome};
pub use suite::{exit_code, run_one, run_suite, Progress, Providers, RunOptions, RunResult};
