//! The card family's vocabulary as the loader sees it.

use myna_scenario::{Doc, StepParser, StepSchema, StepSyntax, VarDoc};

use crate::parse::CardParser;
use crate::vocabulary::{CAPABILITIES, CARD_ACTIONS, FAMILY, PERSONA_VARS};

/// The card step vocabulary: `apdu`, `select`, `verify`, … (docs/scenario-format.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct CardSyntax;

impl StepSyntax for CardSyntax {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn keywords(&self) -> &'static [Doc] {
        CARD_ACTIONS
    }

    fn capabilities(&self) -> &'static [Doc] {
        CAPABILITIES
    }

    fn builtin_vars(&self) -> &'static [VarDoc] {
        PERSONA_VARS
    }

    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(CardParser::default())
    }

    fn step_schema(&self, keyword: &str) -> StepSchema {
        crate::schema::step_schema(keyword)
    }
}
