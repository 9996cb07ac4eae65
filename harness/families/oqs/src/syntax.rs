//! The eligibility family's vocabulary as the loader sees it.

use myna_scenario::{Doc, StepParser, StepSchema, StepSyntax, VarDoc};

use crate::parse::OqsParser;
use crate::vocabulary::{keywords, CAPABILITIES, FAMILY};

/// The `oqs` step vocabulary (docs/oqs.md "Scenario steps").
#[derive(Clone, Copy, Debug, Default)]
pub struct OqsSyntax;

impl StepSyntax for OqsSyntax {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn keywords(&self) -> &'static [Doc] {
        keywords()
    }

    fn capabilities(&self) -> &'static [Doc] {
        CAPABILITIES
    }

    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[]
    }

    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(OqsParser)
    }

    fn step_schema(&self, keyword: &str) -> StepSchema {
        crate::schema::step_schema(keyword)
    }
}
