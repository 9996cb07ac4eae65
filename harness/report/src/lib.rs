//! The versioned report schema and its writers.

#![forbid(unsafe_code)]

pub mod schema;

pub use schema::*;
