//! One scenario's connection to the portal: the target, the named
//! sessions its logins opened, the second cards it emulates.

use std::collections::HashMap;
use std::path::PathBuf;

use myna_family::{Blame, Session, StepCtx, StepEnd};
use myna_family_card::target::EmuCard;
use myna_portal::wire::CardProof;
use myna_portal::PortalTarget;
use myna_scenario::{downcast, StepBody};

use crate::step::PortalStep;

/// A second card the harness emulates (its PIN counter lives across steps).
pub(crate) struct SecondCard {
    pub(crate) card: EmuCard,
    pub(crate) pin: Option<String>,
}

/// A session on a portal.
pub struct PortalSession {
    pub(crate) target: Box<dyn PortalTarget>,
    pub(crate) personas: PathBuf,
    /// Session name → bearer token.
    pub(crate) tokens: HashMap<String, String>,
    /// Session name → its last application id.
    pub(crate) applications: HashMap<String, String>,
    /// The last login's proof (`reuse_challenge`).
    pub(crate) last_proof: Option<CardProof>,
    pub(crate) cards: HashMap<String, SecondCard>,
}

impl PortalSession {
    /// A session on `target`.
    pub fn new(target: Box<dyn PortalTarget>, personas: PathBuf) -> Self {
        PortalSession {
            target,
            personas,
            tokens: HashMap::new(),
            applications: HashMap::new(),
            last_proof: None,
            cards: HashMap::new(),
        }
    }
}

impl Session for PortalSession {
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        match downcast::<PortalStep>(step) {
            Some(step) => crate::run::run(self, step, cx),
            None => StepEnd::Error {
                blame: Blame::Harness,
                message: format!(
                    "the portal session was handed a `{}` step of another family",
                    step.keyword()
                ),
            },
        }
    }
}
