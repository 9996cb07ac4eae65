//! THE one place that registers the families: a new family is a new crate
//! plus one line in [`families_with_targets`]. No logic of its own beyond
//! turning the target arguments into each family's provider.

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

/// The providers of a run; `None`: the built-in reference.
#[derive(Default)]
pub struct Providers {
    /// The card.
    pub card: Option<Box<dyn CardProvider>>,
    /// The eligibility service.
    pub oqs: Option<Box<dyn OqsProvider>>,
    /// The reception reader.
    pub reader: Option<Box<dyn ReaderProvider>>,
    /// The portal.
    pub portal: Option<Box<dyn PortalProvider>>,
}

/// The registered families with the given providers; `card`/`oqs` default
/// to the built-in references.
pub fn families_with(
    card: Option<Box<dyn CardProvider>>,
    oqs: Option<Box<dyn OqsProvider>>,
    targets: &Targets,
) -> Vec<Box<dyn Family>> {
    families_with_reader(card, oqs, None, targets)
}

/// [`families_with`] and the reader target (default: the reference reader
/// in process).
pub fn families_with_reader(
    card: Option<Box<dyn CardProvider>>,
    oqs: Option<Box<dyn OqsProvider>>,
    reader: Option<Box<dyn ReaderProvider>>,
    targets: &Targets,
) -> Vec<Box<dyn Family>> {
    families_with_targets(
        Providers {
            card,
            oqs,
            reader,
            portal: None,
        },
        targets,
    )
}

/// [`families_with`] and the portal target (default: the reference portal
/// in process).
pub fn families_with_portal(
    card: Option<Box<dyn CardProvider>>,
    oqs: Option<Box<dyn OqsProvider>>,
    portal: Option<Box<dyn PortalProvider>>,
    targets: &Targets,
) -> Vec<Box<dyn Family>> {
    families_with_targets(
        Providers {
            card,
            oqs,
            reader: None,
            portal,
        },
        targets,
    )
}

/// Every registered family with its provider from `providers`.
pub fn families_with_targets(providers: Providers, targets: &Targets) -> Vec<Box<dyn Family>> {
    let card = providers
        .card
        .unwrap_or_else(|| Box::new(EmuProvider::new(&targets.personas)));
    let oqs = providers.oqs.unwrap_or_else(|| Box::new(BuiltinOqs));
    let reader = providers
        .reader
        .unwrap_or_else(|| Box::new(BuiltinReader::default()));
    let portal = providers
        .portal
        .unwrap_or_else(|| Box::new(BuiltinPortal::new(&targets.personas)));
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
    families_with(None, None, targets)
}
