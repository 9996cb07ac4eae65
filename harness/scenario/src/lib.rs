//! Scenario and requirement types, YAML loading with source locations,
//! validation and the JSON Schema. No I/O: callers hand in text and a
//! [`SourceLoader`] for includes.

#![forbid(unsafe_code)]

pub mod ast;
pub mod names;

pub use ast::*;
