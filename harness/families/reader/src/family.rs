//! The reader family as the engine runs it.

use myna_family::{Family, OpenError, Opened, TargetInfo};
use myna_scenario::{Scenario, StepSyntax, WithSyntax};

use crate::provider::ReaderProvider;
use crate::session::ReaderSession;
use crate::syntax::ReaderSyntax;

/// The `reader` family with the reader of a run.
pub struct ReaderFamily {
    provider: Box<dyn ReaderProvider>,
}

impl ReaderFamily {
    /// Scenarios get their reader from `provider`.
    pub fn new(provider: Box<dyn ReaderProvider>) -> Self {
        ReaderFamily { provider }
    }
}

impl WithSyntax for ReaderFamily {
    fn syntax(&self) -> &dyn StepSyntax {
        &ReaderSyntax
    }
}

impl Family for ReaderFamily {
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

    fn open(&mut self, scenario: &Scenario) -> Result<Opened, OpenError> {
        let backend = self.provider.open(scenario)?;
        Ok(Opened {
            session: Box::new(ReaderSession::new(backend, self.provider.capabilities())),
            vars: myna_family::BuiltinValues::default(),
            subject: None,
        })
    }
}
