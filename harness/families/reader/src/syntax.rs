//! The reader family's vocabulary as the loader sees it.

use myna_scenario::{Doc, StepParser, StepSchema, StepSyntax, VarDoc};

use crate::parse::ReaderParser;
use crate::vocabulary::{CAPABILITIES, FAMILY, KEYWORDS};

/// The `reader` step vocabulary (PROTOCOL.md, docs/reader.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct ReaderSyntax;

impl StepSyntax for ReaderSyntax {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn keywords(&self) -> &'static [Doc] {
        KEYWORDS
    }

    fn capabilities(&self) -> &'static [Doc] {
        CAPABILITIES
    }

    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[]
    }

    /// The reader reads the scenario's card and checks eligibility at the
    /// scenario's eligibility service.
    fn needs(&self) -> &'static [&'static str] {
        &["card", "oqs"]
    }

    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(ReaderParser)
    }

    fn step_schema(&self, keyword: &str) -> StepSchema {
        crate::schema::step_schema(keyword)
    }
}
