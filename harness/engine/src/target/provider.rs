//! Where the cards for a run come from: a fresh emulated card per scenario,
//! or the one card in a real reader.

use super::{CardTarget, CardTargetInfo};
use crate::scenario_run::PersonaVar;

/// A card ready for one scenario.
pub struct OpenedCard {
    /// The card.
    pub target: Box<dyn CardTarget>,
    /// Persona id, when known.
    pub persona: Option<String>,
    /// `${persona.*}` values.
    pub vars: Vec<PersonaVar>,
}

/// Why no card could be provided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderError {
    /// The scenario names a persona that does not exist (scenario author's fault).
    UnknownPersona(String),
    /// The environment is missing something (persona files, reader, service).
    Environment(String),
    /// The target cannot play the scenario's persona (a real card is the one
    /// persona it is): verdict `not_applicable`.
    NotApplicable(String),
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::UnknownPersona(m)
            | ProviderError::Environment(m)
            | ProviderError::NotApplicable(m) => f.write_str(m),
        }
    }
}

/// Opens cards for scenarios.
pub trait CardProvider {
    /// A card for a scenario that asks for `persona`.
    fn open(&mut self, persona: Option<&str>) -> Result<OpenedCard, ProviderError>;
    /// Target, reader and ATR for `run_info`.
    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError>;
    /// Capabilities for `applies_if`.
    fn capabilities(&self) -> Vec<String>;
}
