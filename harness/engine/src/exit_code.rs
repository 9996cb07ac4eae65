//! Documented exit codes (DESIGN §7, README), one per blame; defined beside
//! `myna_family::Blame`.

pub use myna_family::exit_code::*;

/// The run was interrupted (Ctrl-C) and its report is partial: 128 + SIGINT,
/// as shells report a process ended by Ctrl-C.
pub const INTERRUPTED: i32 = 130;
