//! The card and eligibility service of each served connection when the
//! reference reader is served without a real card: a fresh emulated card
//! of the persona the harness names at `reset` (vectors/personas) and its
//! smartphone card, and the eligibility service at a URL or a fresh
//! in-process model.

use std::path::PathBuf;

use myna_card_emu::persona::Persona;
use myna_family_card::target::{CardTarget, EmuCard};
use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};

use super::server::CardFactory;

/// Emulated cards and a configured eligibility service.
#[derive(Clone, Debug)]
pub struct EmuFactory {
    /// Where the personas are.
    pub personas: PathBuf,
    /// The persona when `reset` names none.
    pub default_persona: String,
    /// The eligibility service's base URL; `None`: a fresh in-process
    /// model per connection.
    pub oqs_url: Option<String>,
}

impl CardFactory for EmuFactory {
    fn card(&mut self, persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String> {
        let id = persona.unwrap_or(&self.default_persona);
        let persona =
            Persona::load_named(&self.personas, id).map_err(|e| format!("persona `{id}`: {e}"))?;
        Ok(Box::new(EmuCard::new(persona.card_profile())))
    }

    fn phone(
        &mut self,
        persona: Option<&str>,
    ) -> Result<Option<Box<dyn CardTarget + Send>>, String> {
        let id = persona.unwrap_or(&self.default_persona);
        let persona =
            Persona::load_named(&self.personas, id).map_err(|e| format!("persona `{id}`: {e}"))?;
        let profile = persona
            .phone_profile()
            .map_err(|e| format!("persona `{id}`: the smartphone card: {e}"))?;
        Ok(profile.map(|p| Box::new(EmuCard::new(p)) as Box<dyn CardTarget + Send>))
    }

    fn eligibility(&mut self) -> Result<Box<dyn OqsTarget + Send>, String> {
        match &self.oqs_url {
            Some(url) => HttpTarget::connect(url)
                .map(|t| Box::new(t) as Box<dyn OqsTarget + Send>)
                .map_err(|e| format!("eligibility service {url}: {e}")),
            None => Ok(Box::new(InProcessTarget::new())),
        }
    }
}
