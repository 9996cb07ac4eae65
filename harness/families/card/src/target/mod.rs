//! The card role: anything that exchanges APDUs ([`CardTarget`]) and where
//! a run's cards come from ([`CardProvider`]): the emulator in-process, the
//! emulator hosted behind vpcd for a reader under test, or the card in a
//! PC/SC reader.

mod card;
mod emu;
mod provider;
mod tap;
mod vpcd_host;

pub use card::{CardTarget, CardTargetInfo, PeerExchange, PeerTrace, PowerEvent, TransportError};
pub use emu::{EmuCard, EmuProvider, DEFAULT_PERSONA, EMU_CAPABILITIES};
pub use provider::{persona_values, CardProvider, OpenedCard, ProviderError};
pub use tap::{Tap, TapFn, TappedProvider};
pub use vpcd_host::{
    vpcd_address, vpcd_addresses, VpcdAddresses, VpcdHostProvider, MAX_PEER_EXCHANGES,
    VPCD_ATTEMPTS, VPCD_CONNECT_PATIENCE, VPCD_POLL_PATIENCE,
};
#[cfg(feature = "pcsc")]
mod pcsc;
#[cfg(feature = "pcsc")]
pub use self::pcsc::{
    list_pcsc_readers, list_pcsc_readers_within, NoteKind, PcscCard, PcscOpenError, PcscOptions,
    PcscProvider, ReaderSelector, Sharing, TransactionScope, TransportNote,
    DEFAULT_PCSC_CAPABILITIES, DEFAULT_TRANSMIT_TIMEOUT, DESTRUCTIVE_CAPABILITY, DESTRUCTIVE_TAG,
    FACTORY_RESET_CAPABILITY,
};
