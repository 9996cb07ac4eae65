//! The eligibility family as the engine runs it.

use myna_family::{Family, OpenError, Opened, TargetInfo};
use myna_scenario::{Scenario, StepSyntax, WithSyntax};

use crate::provider::OqsProvider;
use crate::session::OqsSession;
use crate::syntax::OqsSyntax;

/// The `oqs` family with the eligibility service of a run.
pub struct OqsFamily {
    provider: Box<dyn OqsProvider>,
}

impl OqsFamily {
    /// Scenarios get their service from `provider`.
    pub fn new(provider: Box<dyn OqsProvider>) -> Self {
        OqsFamily { provider }
    }
}

impl WithSyntax for OqsFamily {
    fn syntax(&self) -> &dyn StepSyntax {
        &OqsSyntax
    }
}

impl Family for OqsFamily {
    fn declared_capabilities(&self) -> Vec<String> {
        self.provider.capabilities()
    }

    fn describe(&mut self) -> Result<TargetInfo, OpenError> {
        Ok(TargetInfo {
            target: self.provider.describe(),
            capabilities: self.provider.capabilities(),
            details: Vec::new(),
        })
    }

    fn open(&mut self, _scenario: &Scenario) -> Result<Opened, OpenError> {
        Ok(Opened {
            session: Box::new(OqsSession::new(self.provider.open()?)),
            vars: myna_family::BuiltinValues::default(),
            subject: None,
        })
    }
}
