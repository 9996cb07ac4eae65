//! Where the cards for a run come from: a fresh emulated card per scenario,
//! or the one card in a real reader.

use myna_card_emu::persona::Persona;
use myna_family::{BuiltinValue, BuiltinValues};
use myna_scenario::Scenario;

use super::{CardTarget, CardTargetInfo};

/// The `${persona.*}` values of a persona, secrets flagged, prepared to be
/// shared by every scenario of the persona.
pub fn persona_values(persona: &Persona) -> BuiltinValues {
    persona
        .variables()
        .into_iter()
        .map(|v| BuiltinValue {
            name: format!("persona.{}", v.name),
            value: v.value,
            secret: v.secret,
        })
        .collect::<Vec<_>>()
        .into()
}

/// A card ready for one scenario.
pub struct OpenedCard {
    /// The card.
    pub target: Box<dyn CardTarget>,
    /// Persona id, when known.
    pub persona: Option<String>,
    /// `${persona.*}` values.
    pub vars: BuiltinValues,
    /// The holder's smartphone card (スマホ用電子証明書, seed 004), when the
    /// target provides one (capability `card.phone`).
    pub phone: Option<Box<dyn CardTarget>>,
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
    /// A card for `scenario` (of its `persona`; a provider may refuse one
    /// it cannot play or, tagged `destructive`, may not risk).
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError>;
    /// Target, reader and ATR for `run_info`.
    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError>;
    /// Capabilities for `applies_if`.
    fn capabilities(&self) -> Vec<String>;
    /// The personas scenarios may name, when the provider knows them.
    fn personas(&self) -> Option<Vec<String>> {
        None
    }
}
