//! Runs scenarios against targets: actions, assertions, captures,
//! evidence and verdicts.

#![forbid(unsafe_code)]

pub mod target;
