//! [`Card`]: the emulated My Number Card — power, ATR, and one entry point
//! for C-APDU bytes.

use std::fmt;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::dispatch::Session;
use super::state::{Location, Persistent, Power, Volatile};
use crate::apdu::{CommandApdu, ResponseApdu};
use crate::profile::{AppKind, CardProfile};

/// `transmit` was called while the card is not powered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the card is not powered")]
pub struct NotPowered;

/// An emulated My Number Card built from a [`CardProfile`].
///
/// ```no_run
/// # fn demo(profile: myna_card_emu::CardProfile) -> Result<(), myna_card_emu::NotPowered> {
/// let mut card = myna_card_emu::Card::new(profile);
/// let answer = card.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x0A,
///     0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01])?;
/// assert_eq!(answer, [0x90, 0x00]);
/// # Ok(()) }
/// ```
pub struct Card {
    profile: CardProfile,
    persistent: Persistent,
    power: Power,
    rng: ChaCha20Rng,
}

impl Card {
    /// A powered-on card; GET CHALLENGE and PSS salts come from OS entropy.
    pub fn new(profile: CardProfile) -> Card {
        Card::with_rng(profile, ChaCha20Rng::from_entropy())
    }

    /// A powered-on card whose GET CHALLENGE bytes and PSS salts are
    /// reproducible from `seed` (for replayable test runs).
    pub fn with_seed(profile: CardProfile, seed: u64) -> Card {
        Card::with_rng(profile, ChaCha20Rng::seed_from_u64(seed))
    }

    fn with_rng(profile: CardProfile, rng: ChaCha20Rng) -> Card {
        Card {
            persistent: Persistent::from_profile(&profile),
            profile,
            power: Power::On(Volatile::powered_on()),
            rng,
        }
    }

    /// Sends one C-APDU and returns the R-APDU (data ‖ SW1 SW2). Never
    /// panics, whatever the bytes; malformed bytes get the status word a
    /// card answers (`6700`, `6E00`, `6D00`, …).
    pub fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, NotPowered> {
        let Power::On(volatile) = &mut self.power else {
            return Err(NotPowered);
        };
        let mut session = Session {
            profile: &self.profile,
            persistent: &mut self.persistent,
            volatile,
            rng: &mut self.rng,
        };
        let outcome = CommandApdu::parse(command)
            .map_err(|error| error.status_word())
            .and_then(|apdu| session.execute_apdu(&apdu));
        Ok(ResponseApdu::from(outcome).to_bytes())
    }

    /// Cold power-off: the volatile state (current DF/EF, security status)
    /// is lost; PIN values and counters are kept.
    pub fn power_off(&mut self) {
        self.power = Power::Off;
    }

    /// Powers the card on if it was off (fresh volatile state) and returns
    /// the ATR. On a card that is already on this changes nothing.
    pub fn power_on(&mut self) -> Vec<u8> {
        if self.power == Power::Off {
            self.power = Power::On(Volatile::powered_on());
        }
        self.profile.atr.clone()
    }

    /// Warm reset: back to the MF, but the security status of the last
    /// application is kept (card-protocol.md §3.3). On a card that was off,
    /// this powers it on. Returns the ATR.
    pub fn reset(&mut self) -> Vec<u8> {
        match &mut self.power {
            Power::Off => self.power = Power::On(Volatile::powered_on()),
            Power::On(volatile) => volatile.warm_reset(),
        }
        self.profile.atr.clone()
    }

    /// The answer-to-reset.
    pub fn atr(&self) -> &[u8] {
        &self.profile.atr
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        matches!(self.power, Power::On(_))
    }

    /// The profile the card was built from (secret values and counters as
    /// manufactured, not as they are now).
    pub fn profile(&self) -> &CardProfile {
        &self.profile
    }

    /// Tries left of the secret `fid` of application `app` now, or `None`
    /// if the card has no such secret.
    pub fn tries_left(&self, app: AppKind, fid: u16) -> Option<u8> {
        let index = self.app_index(app)?;
        self.persistent
            .secrets
            .get(index)?
            .iter()
            .find(|secret| secret.fid == fid)
            .map(|secret| secret.tries_left)
    }

    /// Whether secret `fid` of `app` is verified in the current DF session
    /// (`false` when `app` is not the current application or the card is off).
    pub fn is_verified(&self, app: AppKind, fid: u16) -> bool {
        match (&self.power, self.app_index(app)) {
            (Power::On(volatile), Some(index)) => {
                volatile.current_app() == Some(index) && volatile.is_verified_here(fid)
            }
            _ => false,
        }
    }

    /// The current application, `None` at the MF or when off.
    pub fn current_application(&self) -> Option<AppKind> {
        let Power::On(volatile) = &self.power else {
            return None;
        };
        let index = volatile.current_app()?;
        self.profile.applications.get(index).map(|app| app.kind)
    }

    fn app_index(&self, kind: AppKind) -> Option<usize> {
        self.profile
            .applications
            .iter()
            .position(|app| app.kind == kind)
    }
}

/// Shows power and location only: never secrets or keys.
impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = match &self.power {
            Power::Off => "off".to_string(),
            Power::On(volatile) => match volatile.location {
                Location::Mf { .. } => "MF".to_string(),
                Location::Df { .. } => format!("{:?}", self.current_application()),
            },
        };
        f.debug_struct("Card")
            .field("atr", &hex::encode_upper(&self.profile.atr))
            .field("at", &location)
            .finish_non_exhaustive()
    }
}
