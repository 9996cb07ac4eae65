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
mod escape;
mod fields;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod outline;
mod report_dir;
mod rollup;
pub mod schema;
mod set;
mod signature;
mod step_json;
mod summary;
mod v1;
mod v2;
mod write;

pub use atomic::write_atomically;
pub use describe::failure_line;
pub use error::{IoAction, MergeError, ReportError};
pub use html::{render_html, render_html_with_root, DEFAULT_SOURCE_ROOT};
pub use json::{parse_json, read_json, render_json, supported_major, write_json};
pub use junit::render_junit;
pub use markdown::{render_markdown, render_markdown_listing, MAX_LISTED};
pub use merge::{merge, merge_with, MergeOptions};
pub use report_dir::{ReportDir, SetFile};
pub use rollup::{rollup, RequirementInfo, Rollup, RollupScope};
pub use schema::*;
pub use set::SetWriter;
pub use signature::{
    generate_key_pair, read_public_key, sha256_hex, verify_dir, ReportSigner, VerifyError,
    SIGNATURE_FILE,
};
pub use write::{render_set, write_reports, OutputFormat, WrittenFile, WrittenFiles};
