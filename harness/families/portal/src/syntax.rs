//! The portal family's vocabulary as the loader sees it.

use myna_scenario::{Doc, StepParser, StepSchema, StepSyntax, VarDoc};

use crate::parse::PortalParser;
use crate::vocabulary::{CAPABILITIES, FAMILY, KEYWORDS};

/// The `portal` step vocabulary (docs/portal.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct PortalSyntax;

impl StepSyntax for PortalSyntax {
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

    /// The login drives the card; registrations land at the eligibility service.
    fn needs(&self) -> &'static [&'static str] {
        &["card", "oqs"]
    }

    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(PortalParser)
    }

    fn step_schema(&self, keyword: &str) -> StepSchema {
        crate::schema::step_schema(keyword)
    }
}
