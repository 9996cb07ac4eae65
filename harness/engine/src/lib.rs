//! Runs scenarios against the families' targets: selection, the step loop,
//! verdicts and blame, redaction, `repeat`, `finally`, several sessions per
//! scenario, and report assembly. Knows no family: every family comes in
//! as a `myna_family::Family` (Architecture Invariant; `cargo tree -e
//! normal -p myna-engine` shows no family crate, a test checks it).
//!
//! Data flow: [`load::load_suite`] reads and validates files with the
//! families' vocabularies → [`select::select`] picks scenarios →
//! [`suite::run_suite`] runs each with [`scenario_run::run_scenario`], which
//! opens the sessions of every family the scenario uses, runs the steps
//! and renders the evidence through the redactor → the report
//! (`myna_report::Report`) and the exit code.

#![forbid(unsafe_code)]

mod budget;
pub mod exit_code;
mod fs_source;
pub mod interrupt;
pub mod load;
mod render;
pub mod scenario_run;
pub mod select;
pub mod suite;

pub use budget::{Budget, Spent};
pub use fs_source::MAX_SOURCE_BYTES;
pub use interrupt::Interrupt;
pub use load::{load_suite, load_suite_with, vocabulary, LoadOptions, LoadProblems, LoadedSuite};
pub use scenario_run::{
    run_scenario, run_scenario_budgeted, run_scenario_observed, run_scenario_with, LiveStep,
    ScenarioOutcome, StepObserver,
};
pub use suite::{
    exit_code_of, run_suite, run_suite_budgeted, run_suite_streamed, Progress, RunOptions,
    RunResult,
};
