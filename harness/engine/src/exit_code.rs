//! Documented exit codes (DESIGN §7, README), one per blame; defined beside
//! `myna_family::Blame`.

pub use myna_family::exit_code::*;
