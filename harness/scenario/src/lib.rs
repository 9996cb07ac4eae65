//! The scenario file shape and the parse side of the family seam. No I/O:
//! callers hand in text and a [`SourceLoader`] for includes. No family's
//! vocabulary either: each family implements [`StepSyntax`] and parses its
//! own steps with the shared [`ParseCtx`].
//!
//! - [`load_scenario`]: a scenario file → [`Scenario`], or every problem
//!   found as [`Diagnostic`]s (`file:line:col: expected …, found …`): the
//!   header, variables, includes, `repeat`, `finally`, each step by its
//!   family, and every `${name}` checked to be defined where it is used.
//! - [`Vocabulary`]: the registered families' [`StepSyntax`]es.
//! - [`load_requirements`], [`check_suite`]: the requirement catalogue and
//!   the checks across files.
//! - [`load_expectations`]: known failures of one IUT.
//! - [`scenario_schema`], [`fragment_schema`], [`requirements_schema`]: JSON
//!   Schema for editors, assembled from every family's step schemas.
//! - The parse toolkit for families: [`Node`], [`ParseCtx`], [`Template`],
//!   [`Location`], [`Diagnostic`], [`Shape`], [`secret_entries`].
//!
//! The YAML parser is confined to the private `yaml` module.

#![forbid(unsafe_code)]

pub mod ast;

mod budget;
mod diagnostic;
mod expectations;
mod hex;
mod ids;
pub mod keys;
mod load;
mod parse_ctx;
mod requirement;
mod schema;
mod scope;
mod secret_entry;
mod shape;
mod source;
mod step;
mod steps;
mod suggest;
mod suite;
mod syntax;
mod template;
mod vars;
mod vocabulary;
mod yaml;

pub use ast::*;
pub use budget::{step_runs, MAX_STEP_RUNS};
pub use diagnostic::Diagnostic;
pub use expectations::{glob_matches, load_expectations, ExpectedFailure, ExpectedVerdict};
pub use hex::{check_hex_template, parse_hex};
pub use ids::{is_date, is_requirement_id, is_scenario_id};
pub use load::{load_scenario, LoadEnv};
pub use parse_ctx::{CaptureDecl, Fields, ParseCtx, VarRef};
pub use requirement::{load_requirements, Requirement};
pub use schema::{
    capture_schema, fragment_schema, requirements_schema, scenario_schema, schema_problems,
};
pub use secret_entry::{secret_entries, LongForm, SecretEntry};
pub use shape::{enum_description, shape_schema, text_schema, Field, Shape};
pub use source::{join_relative, MemoryLoader, NoIncludes, SourceLoader};
pub use step::MAX_REPEAT;
pub use steps::{MAX_INCLUDED_STEPS, MAX_INCLUDE_DEPTH};
pub use suggest::did_you_mean;
pub use suite::check_suite;
pub use syntax::{
    downcast, Doc, StepBody, StepParser, StepSchema, StepSource, StepSyntax, VarDoc, WithSyntax,
};
pub use template::{is_var_name, parse_template, TemplateError};
pub use vocabulary::Vocabulary;
pub use yaml::{Node, NodeKind};
