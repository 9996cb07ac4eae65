//! Writing a run's set as the run goes (issue 14 goal 6: a run's memory
//! flat in its length, and its end waiting little for its reports):
//! [`SetWriter`] takes each scenario as it finishes and writes its piece of
//! every file: `report.html`'s and (once large) `report.json`'s straight
//! into those files of the staging directory (`in_place.rs`), synced in the
//! background as they grow (`syncer.rs`), `report.html` hashed on a thread
//! of its own as it grows (`hasher.rs`); the smaller pieces into part
//! files (`part.rs`). It keeps only what the files' heads and tails need
//! (counts, the requirement rollup's citations, the latency counts, the
//! first lines of `summary.md`'s lists). At the end of the run it writes
//! what only the end knows (`report.json`'s head into the room kept for it,
//! the page's data behind its steps, `junit.xml` and `summary.md`), syncs
//! the rest and swaps the set in ([`crate::ReportDir`]).
//!
//! The renderers of a whole [`crate::Report`] in memory (`render_set`,
//! `report render`, `report merge`) use the same per-scenario pieces, so
//! both ways write the same bytes (a test holds them equal).

mod hasher;
mod in_place;
pub(crate) mod part;
mod syncer;
mod writer;

pub use writer::SetWriter;
