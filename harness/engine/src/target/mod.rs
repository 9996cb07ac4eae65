//! The roles a scenario talks to, each behind a trait.

mod card;
mod emu;
mod oqs;
mod provider;

pub use card::{CardTarget, CardTargetInfo, PowerEvent, TransportError};
pub use emu::{EmuCard, EmuProvider, DEFAULT_PERSONA, EMU_CAPABILITIES};
pub use oqs::{BuiltinOqs, HttpOqs, OqsProvider};
pub use provider::{CardProvider, OpenedCard, ProviderError};
#[cfg(feature = "pcsc")]
mod pcsc;
#[cfg(feature = "pcsc")]
mod pcsc_provider;
#[cfg(feature = "pcsc")]
pub use self::pcsc::{
    list_pcsc_readers, NoteKind, PcscCard, PcscOpenError, PcscOptions, ReaderSelector, Sharing,
    TransportNote, DEFAULT_PCSC_CAPABILITIES,
};
#[cfg(feature = "pcsc")]
pub use pcsc_provider::{
    require_destructive_capability, PcscProvider, DESTRUCTIVE_CAPABILITY, DESTRUCTIVE_TAG,
    FACTORY_RESET_CAPABILITY,
};
