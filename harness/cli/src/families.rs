//! THE one place that registers the families: a new family is a new crate
//! plus one line in [`families`]. No logic of its own beyond turning the
//! target arguments into each family's provider.

use std::path::PathBuf;

use myna_family::Family;
use myna_family_card::target::{CardProvider, EmuProvider};
use myna_family_card::CardFamily;
use myna_family_oqs::{BuiltinOqs, OqsFamily, OqsProvider};
use myna_family_portal::{BuiltinPortal, PortalFamily, PortalProvider};

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

/// The registered families with the given providers; `card`/`oqs` default
/// to the built-in references.
pub fn families_with(
    card: Option<Box<dyn CardProvider>>,
    oqs: Option<Box<dyn OqsProvider>>,
    targets: &Targets,
) -> Vec<Box<dyn Family>> {
    families_with_portal(card, oqs, None, targets)
}

/// [`families_with`] and the portal's provider (default the built-in reference).
pub fn families_with_portal(
    card: Option<Box<dyn CardProvider>>,
    oqs: Option<Box<dyn OqsProvider>>,
    portal: Option<Box<dyn PortalProvider>>,
    targets: &Targets,
) -> Vec<Box<dyn Family>> {
    let card = card.unwrap_or_else(|| Box::new(EmuProvider::new(&targets.personas)));
    let oqs = oqs.unwrap_or_else(|| Box::new(BuiltinOqs));
    let portal = portal.unwrap_or_else(|| Box::new(BuiltinPortal::new(&targets.personas)));
    vec![
        Box::new(CardFamily::new(card)),
        Box::new(OqsFamily::new(oqs)),
        Box::new(PortalFamily::new(portal, &targets.personas)),
    ]
}

/// Every registered family, each with its built-in reference target (for
/// `check`, `schema`, `list` and tests).
pub fn families(targets: &Targets) -> Vec<Box<dyn Family>> {
    families_with(None, None, targets)
}
