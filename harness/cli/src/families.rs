//! THE one place that registers the families: a new family is a new crate
//! plus one line in [`families_with`] (and a field in [`Providers`] when its
//! target can be external). No logic of its own beyond turning the target
//! arguments into each family's provider.

use std::path::PathBuf;

use myna_family::Family;
use myna_family_card::target::{CardProvider, EmuProvider};
use myna_family_card::CardFamily;
use myna_family_oqs::{BuiltinOqs, OqsFamily, OqsProvider};
use myna_family_portal::{BuiltinPortal, PortalFamily, PortalProvider};
use myna_family_reader::{BuiltinReader, ReaderFamily, ReaderProvider};

/// Which target plays each role (the defaults: every role built in).
#[derive(Clone, Debug)]
pub struct Targets {
    /// Where the emulator's personas are.
    pub personas: PathBuf,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            personas: PathBuf::from("vectors/personas"),
        }
    }
}

/// The provider of each role; `None` is the built-in reference.
#[derive(Default)]
pub struct Providers {
    /// The card (`--card`).
    pub card: Option<Box<dyn CardProvider>>,
    /// The eligibility service (`--oqs`).
    pub oqs: Option<Box<dyn OqsProvider>>,
    /// The reception reader (`--reader`).
    pub reader: Option<Box<dyn ReaderProvider>>,
    /// The portal (`--portal`).
    pub portal: Option<Box<dyn PortalProvider>>,
}

/// The registered families with the given providers.
pub fn families_with(providers: Providers, targets: &Targets) -> Vec<Box<dyn Family>> {
    let Providers {
        card,
        oqs,
        reader,
        portal,
    } = providers;
    let card = card.unwrap_or_else(|| Box::new(EmuProvider::new(&targets.personas)));
    let oqs = oqs.unwrap_or_else(|| Box::new(BuiltinOqs));
    let reader = reader.unwrap_or_else(|| Box::new(BuiltinReader::default()));
    let portal = portal.unwrap_or_else(|| Box::new(BuiltinPortal::new(&targets.personas)));
    vec![
        Box::new(CardFamily::new(card)),
        Box::new(OqsFamily::new(oqs)),
        Box::new(ReaderFamily::new(reader)),
        Box::new(PortalFamily::new(portal, &targets.personas)),
    ]
}

/// Every registered family, each with its built-in reference target (for
/// `check`, `schema`, `list` and tests).
pub fn families(targets: &Targets) -> Vec<Box<dyn Family>> {
    families_with(Providers::default(), targets)
}
