//! The versioned report schema and its writers (DESIGN §5).
//!
//! A run's [`Report`] is built by the engine; this crate
//! - counts it ([`Summary::from_scenarios`]) and rolls requirements up
//!   ([`rollup`]);
//! - writes `report.json`, `junit.xml` and `summary.md` atomically into the
//!   output directory ([`write_reports`]), one [`OutputFormat`] per file;
//! - reads `report.json` back with a schema version check ([`read_json`]);
//! - merges shard reports ([`merge`]).
//!
//! ```no_run
//! use myna_report::{rollup, write_reports, Report, RollupScope, Summary};
//! # fn run(mut report: Report, catalogue: Vec<myna_report::RequirementInfo>) -> Result<(), myna_report::ReportError> {
//! report.summary = Summary::from_scenarios(&report.scenarios);
//! report.requirements = rollup(&catalogue, &report.scenarios, RollupScope::Cited);
//! let written = write_reports(&report, std::path::Path::new("reports/latest"))?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod atomic;
mod describe;
mod error;
mod json;
mod junit;
mod markdown;
mod merge;
mod rollup;
pub mod schema;
mod summary;
mod v1;
mod write;

pub use atomic::write_atomically;
pub use describe::failure_line;
pub use error::{IoAction, MergeError, ReportError};
pub use json::{parse_json, read_json, render_json, supported_major, write_json};
pub use junit::render_junit;
pub use markdown::{render_markdown, render_markdown_listing, MAX_LISTED};
pub use merge::merge;
pub use rollup::{rollup, RequirementInfo, RollupScope};
pub use schema::*;
pub use write::{write_formats, write_reports, OutputFormat, WrittenFile, WrittenFiles};
