//! Parsing card steps from the spanned YAML: the action, `expect:` and
//! `capture:`, every problem reported through the shared parse context.

mod action;
mod capture;
mod codes;
mod expect;

use std::sync::Arc;

use myna_scenario::{ParseCtx, StepBody, StepParser, StepSource};

pub use capture::parse_capture_source;
pub use codes::{parse_param_byte, parse_sw, parse_tlv_path};

use crate::step::{AppName, CardAction, CardStep};

/// Parses the card steps of one scenario; remembers which application the
/// steps before selected, so that EF names resolve.
#[derive(Debug, Default)]
pub struct CardParser {
    current_app: Option<AppName>,
}

impl StepParser for CardParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let action = action::card_action(cx, step.keyword, step.key, step.value, self.current_app);
        self.follow(action.as_ref());
        let expect = step.expect.map(|node| expect::expect(cx, node));
        let captures = step
            .capture
            .map(|node| capture::captures(cx, node))
            .unwrap_or_default();
        let expect = match expect {
            Some(parsed) => Some(parsed?),
            None => None,
        };
        Some(Arc::new(CardStep::new(action?, expect, captures)))
    }
}

impl CardParser {
    /// Tracks which application is current after `action`: a named or known
    /// AID `select` sets it; power and raw APDUs make it unknown.
    fn follow(&mut self, action: Option<&CardAction>) {
        match action {
            Some(CardAction::Select(app)) => self.current_app = action::selected_app(app),
            Some(CardAction::Power(_) | CardAction::Apdu(_)) | None => self.current_app = None,
            Some(_) => {}
        }
    }
}
