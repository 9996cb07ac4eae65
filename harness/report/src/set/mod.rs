//! Writing a run's set as the run goes (issue 14 goal 6: a run's memory
//! flat in its length): [`SetWriter`] takes each scenario as it finishes,
//! writes its piece of every file into a part file of the staging
//! directory ([`part::Part`]) and keeps only what the files' heads need
//! (counts, the requirement rollup's citations, the latency counts, the
//! first lines of `summary.md`'s lists); at the end of the run it writes
//! each file as its head, its part and its tail, syncs the set and swaps
//! it in ([`crate::ReportDir`]).
//!
//! The renderers of a whole [`crate::Report`] in memory (`render_set`,
//! `report render`, `report merge`) use the same per-scenario pieces, so
//! both ways write the same bytes (a test holds them equal).

pub(crate) mod part;
mod writer;

pub use writer::SetWriter;
