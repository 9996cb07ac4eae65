//! The card family as the engine runs it: its vocabulary and a provider of
//! cards (the emulator, or the card in a PC/SC reader).

use myna_family::{Family, OpenError, Opened, TargetInfo};
use myna_scenario::{Scenario, StepSyntax, WithSyntax};

use crate::run::CardSession;
use crate::syntax::CardSyntax;
use crate::target::{CardProvider, ProviderError};

/// The card family with the cards of a run.
pub struct CardFamily {
    provider: Box<dyn CardProvider>,
}

impl CardFamily {
    /// Scenarios get their cards from `provider`.
    pub fn new(provider: Box<dyn CardProvider>) -> Self {
        CardFamily { provider }
    }
}

impl From<ProviderError> for OpenError {
    fn from(error: ProviderError) -> Self {
        match error {
            ProviderError::UnknownPersona(message) => OpenError::author(message),
            ProviderError::Environment(message) => OpenError::environment(message),
            ProviderError::NotApplicable(message) => OpenError::NotApplicable(message),
        }
    }
}

impl WithSyntax for CardFamily {
    fn syntax(&self) -> &dyn StepSyntax {
        &CardSyntax
    }
}

impl Family for CardFamily {
    fn declared_capabilities(&self) -> Vec<String> {
        self.provider.capabilities()
    }

    fn describe(&mut self) -> Result<TargetInfo, OpenError> {
        let info = self.provider.describe()?;
        let mut details = Vec::new();
        if let Some(reader) = info.reader_name {
            details.push(("reader_name".to_owned(), reader));
        }
        details.push(("atr".to_owned(), hex::encode_upper(&info.atr)));
        Ok(TargetInfo {
            target: info.target,
            capabilities: self.provider.capabilities(),
            details,
        })
    }

    fn open(&mut self, scenario: &Scenario) -> Result<Opened, OpenError> {
        let opened = self.provider.open(scenario)?;
        Ok(Opened {
            session: Box::new(CardSession::new(opened.target).with_phone(opened.phone)),
            vars: opened.vars,
            subject: opened.persona,
        })
    }

    fn personas(&self) -> Option<Vec<String>> {
        self.provider.personas()
    }
}
