//! `myna-conform` as a library: the family registration ([`families`]), so
//! that the tests (the scenario harness, the mutation test) run scenarios
//! exactly as the binary does.

#![forbid(unsafe_code)]

pub mod families;
