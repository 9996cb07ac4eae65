//! Scenario and requirement types, YAML loading with source locations,
//! validation and the JSON Schema. No I/O: callers hand in text and a
//! [`SourceLoader`] for includes.
//!
//! - [`load_scenario`]: a scenario file → [`Scenario`], or every problem
//!   found as [`Diagnostic`]s (`file:line:col: expected …, found …`).
//! - [`load_requirements`], [`check_suite`]: the requirement catalogue and
//!   the checks across files.
//! - [`load_expectations`]: known failures of one IUT.
//! - [`scenario_schema`], [`fragment_schema`]: JSON Schema for editors.
//!
//! The YAML parser is confined to the private `yaml` module.

#![forbid(unsafe_code)]

pub mod ast;
pub mod names;

mod capture;
mod card_action;
mod ctx;
mod diagnostic;
mod expect;
mod expectations;
mod generic;
mod hex;
mod ids;
mod load;
mod requirement;
mod schema;
mod secret_entry;
mod source;
mod step;
mod steps;
mod suggest;
mod suite;
mod template;
mod vars;
pub mod vocabulary;
mod yaml;

pub use ast::*;
pub use capture::parse_capture_source;
pub use diagnostic::Diagnostic;
pub use expectations::{glob_matches, load_expectations, ExpectedFailure, ExpectedVerdict};
pub use hex::{parse_hex, parse_param_byte, parse_sw, parse_tlv_path};
pub use ids::{is_date, is_requirement_id, is_scenario_id};
pub use load::load_scenario;
pub use requirement::{load_requirements, Requirement};
pub use schema::{fragment_schema, scenario_schema};
pub use source::{join_relative, MemoryLoader, NoIncludes, SourceLoader};
pub use step::MAX_REPEAT;
pub use steps::{MAX_INCLUDED_STEPS, MAX_INCLUDE_DEPTH};
pub use suite::check_suite;
pub use template::{is_var_name, parse_template, TemplateError, PERSONA_FIELDS};
