//! The portal family as the engine runs it.

use std::path::PathBuf;

use myna_family::{Family, OpenError, Opened, TargetInfo};
use myna_scenario::{Scenario, StepSyntax, WithSyntax};

use crate::provider::PortalProvider;
use crate::session::PortalSession;
use crate::syntax::PortalSyntax;

/// The `portal` family with the portal of a run.
pub struct PortalFamily {
    provider: Box<dyn PortalProvider>,
    personas: PathBuf,
}

impl PortalFamily {
    /// Scenarios get their portal from `provider`; second cards and the
    /// `certificate_of` certificates come from `personas`.
    pub fn new(provider: Box<dyn PortalProvider>, personas: impl Into<PathBuf>) -> Self {
        PortalFamily {
            provider,
            personas: personas.into(),
        }
    }
}

impl WithSyntax for PortalFamily {
    fn syntax(&self) -> &dyn StepSyntax {
        &PortalSyntax
    }
}

impl Family for PortalFamily {
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
            session: Box::new(PortalSession::new(
                self.provider.open()?,
                self.personas.clone(),
            )),
            vars: myna_family::BuiltinValues::default(),
            subject: None,
        })
    }
}
