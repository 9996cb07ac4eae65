//! Cards for a run from a real PC/SC reader: one physical (or vpcd) card
//! shared by every scenario, cold-reset before each so it starts in the
//! state a fresh emulated card starts in. PIN counters are the card's and
//! are *not* reset: see `docs/pcsc.md` on destructive scenarios.

use std::cell::RefCell;
use std::rc::Rc;

use super::{
    CardProvider, CardTarget, CardTargetInfo, OpenedCard, PcscCard, PowerEvent, ProviderError,
    TransportError,
};
use crate::scenario_run::PersonaVar;

/// The card in a reader, shared by the scenarios of a run.
#[derive(Clone)]
struct SharedCard(Rc<RefCell<PcscCard>>);

impl CardTarget for SharedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.borrow_mut().transmit(command)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.0.borrow_mut().power(event)
    }

    fn info(&self) -> CardTargetInfo {
        self.0.borrow().info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.0.borrow().capabilities()
    }
}

/// Scenarios run against the card in a PC/SC reader.
pub struct PcscProvider {
    card: SharedCard,
    persona: Option<(String, Vec<PersonaVar>)>,
}

impl PcscProvider {
    /// Uses the opened `card`. `persona` describes the card (its PINs and
    /// fields, for `${persona.*}`); without it, scenarios that need persona
    /// values are not applicable.
    pub fn new(card: PcscCard, persona: Option<(String, Vec<PersonaVar>)>) -> Self {
        PcscProvider {
            card: SharedCard(Rc::new(RefCell::new(card))),
            persona,
        }
    }
}

impl CardProvider for PcscProvider {
    fn open(&mut self, persona: Option<&str>) -> Result<OpenedCard, ProviderError> {
        let wanted = persona.unwrap_or(super::DEFAULT_PERSONA);
        let (id, vars) = match &self.persona {
            Some((id, vars)) if id == wanted => (Some(id.clone()), vars.clone()),
            Some((id, _)) => {
                return Err(ProviderError::NotApplicable(format!(
                    "the scenario needs persona `{wanted}`; the card in the reader is `{id}`"
                )))
            }
            None => (None, Vec::new()),
        };
        // A cold reset, so security status from the previous scenario is gone.
        let mut card = self.card.clone();
        card.power(PowerEvent::Off)
            .map_err(|e| ProviderError::Environment(e.to_string()))?;
        card.power(PowerEvent::On)
            .map_err(|e| ProviderError::Environment(e.to_string()))?;
        Ok(OpenedCard {
            target: Box::new(card),
            persona: id,
            vars,
        })
    }

    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        Ok(self.card.info())
    }

    fn capabilities(&self) -> Vec<String> {
        let mut caps = self.card.capabilities();
        if self.persona.is_some() {
            caps.push("card.persona".into());
        } else {
            caps.retain(|c| c != "card.persona");
        }
        caps
    }
}
