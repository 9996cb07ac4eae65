//! One scenario's connection to the eligibility service.

use myna_family::{Blame, Session, StepCtx, StepEnd};
use myna_oqs::OqsTarget;
use myna_scenario::{downcast, StepBody};

use crate::step::OqsStep;

/// A session on an eligibility service: a fresh in-process model, or an
/// HTTP client.
pub struct OqsSession {
    target: Box<dyn OqsTarget>,
}

impl OqsSession {
    /// A session on `target`.
    pub fn new(target: Box<dyn OqsTarget>) -> Self {
        OqsSession { target }
    }

    /// The target (for families that borrow this session, e.g. a reader
    /// that needs the eligibility reference).
    pub fn target(&mut self) -> &mut dyn OqsTarget {
        self.target.as_mut()
    }
}

impl Session for OqsSession {
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        match downcast::<OqsStep>(step) {
            Some(step) => crate::run::run(self.target.as_mut(), step, cx),
            None => StepEnd::Error {
                blame: Blame::Harness,
                message: format!(
                    "the oqs session was handed a `{}` step of another family",
                    step.keyword()
                ),
            },
        }
    }
}
