//! The built-in card: the emulator in-process, one fresh card per scenario.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use myna_card_emu::persona::Persona;
use myna_card_emu::{Card, CardProfile};

use myna_family::BuiltinValues;
use myna_scenario::Scenario;

use super::provider::persona_values;
use super::{
    CardProvider, CardTarget, CardTargetInfo, OpenedCard, PowerEvent, ProviderError, TransportError,
};

/// Capabilities of the emulated card.
pub const EMU_CAPABILITIES: &[&str] = &[
    "card.jpki",
    "card.text",
    "card.surface",
    "card.common",
    "card.juki",
    "card.power",
    "card.persona",
    "card.extended-apdu",
    "card.phone",
];

/// The persona used when a scenario names none.
pub const DEFAULT_PERSONA: &str = "taro";

/// An emulated card as a [`CardTarget`].
pub struct EmuCard {
    card: Card,
}

impl EmuCard {
    /// A powered card made from `profile`.
    pub fn new(profile: CardProfile) -> Self {
        EmuCard {
            card: Card::new(profile),
        }
    }
}

impl CardTarget for EmuCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card
            .transmit(command)
            .map_err(|_| TransportError::Other("the card is powered off (add `power: on`)".into()))
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(match event {
            PowerEvent::Off => {
                self.card.power_off();
                None
            }
            PowerEvent::On => Some(self.card.power_on()),
            PowerEvent::Reset => Some(self.card.reset()),
        })
    }

    fn info(&self) -> CardTargetInfo {
        CardTargetInfo {
            target: "emu".into(),
            reader_name: None,
            atr: self.card.atr().to_vec(),
        }
    }

    fn capabilities(&self) -> Vec<String> {
        EMU_CAPABILITIES.iter().map(|s| s.to_string()).collect()
    }
}

/// An emulated card made from its profile when a scenario first uses it:
/// the holder's smartphone card, which most scenarios never touch (making
/// and dropping a card copies and zeroizes its RSA keys). Until then it
/// answers `info` from the profile; the first exchange or power event
/// makes the same fresh, powered card [`EmuCard::new`] would have.
struct LazyEmuCard {
    profile: Arc<CardProfile>,
    card: Option<EmuCard>,
}

impl LazyEmuCard {
    fn card(&mut self) -> &mut EmuCard {
        self.card
            .get_or_insert_with(|| EmuCard::new(CardProfile::clone(&self.profile)))
    }
}

impl CardTarget for LazyEmuCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card().transmit(command)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.card().power(event)
    }

    fn info(&self) -> CardTargetInfo {
        match &self.card {
            Some(card) => card.info(),
            None => CardTargetInfo {
                target: "emu".into(),
                reader_name: None,
                atr: self.profile.atr.clone(),
            },
        }
    }

    fn capabilities(&self) -> Vec<String> {
        EMU_CAPABILITIES.iter().map(|s| s.to_string()).collect()
    }
}

/// Hands out fresh emulated cards for personas under a directory; each
/// persona is loaded once.
pub struct EmuProvider {
    root: PathBuf,
    loaded: HashMap<String, Loaded>,
}

/// A persona's card, its smartphone card (when it has one) and its values.
struct Loaded {
    card: CardProfile,
    phone: Option<Arc<CardProfile>>,
    vars: BuiltinValues,
}

impl EmuProvider {
    /// Personas are read from `root` (normally `vectors/personas`).
    pub fn new(root: impl AsRef<Path>) -> Self {
        EmuProvider {
            root: root.as_ref().to_path_buf(),
            loaded: HashMap::new(),
        }
    }

    fn load(&mut self, id: &str) -> Result<&Loaded, ProviderError> {
        if !self.loaded.contains_key(id) {
            if !self.root.is_dir() {
                return Err(ProviderError::Environment(format!(
                    "persona directory {} not found (run from the repository root or pass --personas DIR)",
                    self.root.display()
                )));
            }
            let persona = Persona::load_named(&self.root, id)
                .map_err(|e| ProviderError::UnknownPersona(format!("persona `{id}`: {e}")))?;
            let phone = persona.phone_profile().map_err(|e| {
                ProviderError::Environment(format!("persona `{id}`: the smartphone card: {e}"))
            })?;
            let loaded = Loaded {
                card: persona.card_profile(),
                phone: phone.map(Arc::new),
                vars: persona_values(&persona),
            };
            self.loaded.insert(id.to_string(), loaded);
        }
        self.loaded
            .get(id)
            .ok_or_else(|| ProviderError::Environment(format!("persona `{id}` vanished")))
    }
}

impl EmuProvider {
    /// The profile and `${persona.*}` values of persona `id`.
    pub(super) fn persona(
        &mut self,
        id: &str,
    ) -> Result<(CardProfile, BuiltinValues), ProviderError> {
        let loaded = self.load(id)?;
        Ok((loaded.card.clone(), loaded.vars.clone()))
    }

    /// The smartphone card of persona `id`, when it has one.
    pub(super) fn phone(&mut self, id: &str) -> Result<Option<CardProfile>, ProviderError> {
        Ok(self.load(id)?.phone.as_deref().cloned())
    }
}

impl CardProvider for EmuProvider {
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError> {
        let id = scenario
            .persona
            .as_deref()
            .unwrap_or(DEFAULT_PERSONA)
            .to_string();
        let loaded = self.load(&id)?;
        // The smartphone card is made on its first use.
        let phone = loaded.phone.as_ref().map(|profile| {
            Box::new(LazyEmuCard {
                profile: Arc::clone(profile),
                card: None,
            }) as Box<dyn CardTarget>
        });
        Ok(OpenedCard {
            target: Box::new(EmuCard::new(loaded.card.clone())),
            phone,
            vars: loaded.vars.clone(),
            persona: Some(id),
        })
    }

    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        let loaded = self.load(DEFAULT_PERSONA)?;
        Ok(CardTargetInfo {
            target: "emu".into(),
            reader_name: None,
            atr: loaded.card.atr.clone(),
        })
    }

    fn capabilities(&self) -> Vec<String> {
        EMU_CAPABILITIES.iter().map(|s| s.to_string()).collect()
    }

    fn personas(&self) -> Option<Vec<String>> {
        myna_card_emu::persona::list(&self.root).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lazy_phone() -> LazyEmuCard {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../vectors/personas");
        let persona = Persona::load_named(Path::new(root), DEFAULT_PERSONA).unwrap();
        LazyEmuCard {
            profile: Arc::new(persona.phone_profile().unwrap().unwrap()),
            card: None,
        }
    }

    #[test]
    fn a_lazy_card_answers_as_the_card_made_at_once() {
        let mut lazy = lazy_phone();
        let mut eager = EmuCard::new(CardProfile::clone(&lazy.profile));
        assert_eq!(lazy.info(), eager.info());
        assert!(lazy.card.is_none(), "info alone makes no card");
        // SELECT JPKI, then the 7-byte header of the auth certificate.
        for command in [
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
                0x01,
            ][..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
            &[0x00, 0xB0, 0x00, 0x00, 0x07],
        ] {
            assert_eq!(lazy.transmit(command), eager.transmit(command));
        }
        assert_eq!(lazy.info(), eager.info());
    }

    #[test]
    fn a_lazy_card_powered_off_first_is_off() {
        let mut lazy = lazy_phone();
        assert_eq!(lazy.power(PowerEvent::Off), Ok(None));
        assert!(lazy.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]).is_err());
        let atr = lazy.power(PowerEvent::On).unwrap();
        assert_eq!(atr.as_deref(), Some(&lazy.profile.atr[..]));
        assert_eq!(
            lazy.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08])
                .unwrap()
                .len(),
            10
        );
    }
}
