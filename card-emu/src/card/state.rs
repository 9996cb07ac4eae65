//! The card's state as types: what survives power-off ([`Persistent`]) and
//! what does not ([`Volatile`]), with power as [`Power`]`::Off | On(Volatile)`.

use std::collections::BTreeSet;

use super::secure_messaging::{SecureSession, SessionKey};
use crate::profile::{CardProfile, SecretEf};
use crate::secret::Secret;

/// One verifiable secret as the card keeps it: its value and counter are
/// the card's and survive power-off (card-protocol.md §3.2).
#[derive(Clone)]
pub(crate) struct SecretState {
    pub(crate) fid: u16,
    pub(crate) value: Option<Secret>,
    pub(crate) max_tries: u8,
    pub(crate) tries_left: u8,
    pub(crate) changeable: bool,
}

impl SecretState {
    fn from_profile(secret: &SecretEf) -> SecretState {
        SecretState {
            fid: secret.fid,
            value: secret.value.clone(),
            max_tries: secret.max_tries,
            tries_left: secret.tries_left.min(secret.max_tries),
            changeable: secret.changeable,
        }
    }

    /// `true` once the counter reached 0.
    pub(crate) fn is_blocked(&self) -> bool {
        self.tries_left == 0
    }
}

/// Non-volatile memory: the secrets of each application, indexed like
/// `CardProfile::applications`.
#[derive(Clone)]
pub(crate) struct Persistent {
    pub(crate) secrets: Vec<Vec<SecretState>>,
}

impl Persistent {
    pub(crate) fn from_profile(profile: &CardProfile) -> Persistent {
        Persistent {
            secrets: profile
                .applications
                .iter()
                .map(|app| app.secrets.iter().map(SecretState::from_profile).collect())
                .collect(),
        }
    }

    pub(crate) fn secret(&self, app: usize, index: usize) -> Option<&SecretState> {
        self.secrets.get(app)?.get(index)
    }

    pub(crate) fn secret_mut(&mut self, app: usize, index: usize) -> Option<&mut SecretState> {
        self.secrets.get_mut(app)?.get_mut(index)
    }
}

/// The current EF inside an application, by kind and index into the
/// application's `files`, `secrets` or `keys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CurrentEf {
    Data(usize),
    Secret(usize),
    Key(usize),
}

/// Where the card is: at the MF (optionally with an MF-level EF current,
/// index into `CardProfile::mf_files`) or in an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    Mf { ef: Option<usize> },
    Df { app: usize, ef: Option<CurrentEf> },
}

/// The security status: the secrets verified in the DF session of `app`
/// (card-protocol.md §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecurityStatus {
    pub(crate) app: usize,
    pub(crate) verified: BTreeSet<u16>,
}

/// RAM: lost at power-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Volatile {
    pub(crate) location: Location,
    /// Bound to one application; survives re-selecting that application and
    /// a warm reset, cleared by selecting another application or the ISD.
    pub(crate) security: Option<SecurityStatus>,
    /// `false` from power-on/reset until the first SELECT by AID: while
    /// `false`, `00 A4 00 00` answers `6A86` (card-protocol.md §1.5).
    pub(crate) df_selected_since_reset: bool,
    /// The DF session's secure messaging; it lives and dies with the
    /// security status (myna-card 3.3.4 `src/sm.rs`).
    pub(crate) secure: SecureSession,
}

impl Volatile {
    /// The state right after power-on.
    pub(crate) fn powered_on() -> Volatile {
        Volatile {
            location: Location::Mf { ef: None },
            security: None,
            df_selected_since_reset: false,
            secure: SecureSession::None,
        }
    }

    /// Warm reset: back to the MF, the security status is kept
    /// (card-protocol.md §3.3: `SCARD_RESET_CARD` does not clear it).
    pub(crate) fn warm_reset(&mut self) {
        self.location = Location::Mf { ef: None };
        self.df_selected_since_reset = false;
    }

    /// The current application, if any.
    pub(crate) fn current_app(&self) -> Option<usize> {
        match self.location {
            Location::Mf { .. } => None,
            Location::Df { app, .. } => Some(app),
        }
    }

    /// Makes `app` current with no current EF; keeps the security status
    /// only when it belongs to `app` (JICSAP 5.1.3 rules 2 and 3).
    pub(crate) fn enter_application(&mut self, app: usize) {
        if self.security.as_ref().map(|s| s.app) != Some(app) {
            self.security = Some(SecurityStatus {
                app,
                verified: BTreeSet::new(),
            });
            self.secure = SecureSession::None;
        }
        self.location = Location::Df { app, ef: None };
        self.df_selected_since_reset = true;
    }

    /// Selecting the ISD: back to the MF, security status cleared.
    pub(crate) fn enter_card_manager(&mut self) {
        self.security = None;
        self.secure = SecureSession::None;
        self.location = Location::Mf { ef: None };
        self.df_selected_since_reset = true;
    }

    /// Starts secure messaging in `app` with a fresh key; the counter of
    /// the first SM command is 1.
    pub(crate) fn open_secure_session(&mut self, app: usize, key: SessionKey) {
        self.secure = SecureSession::Active {
            app,
            key,
            counter: 1,
        };
    }

    /// Whether `fid` is verified in the session of the current application.
    pub(crate) fn is_verified_here(&self, fid: u16) -> bool {
        match (self.current_app(), &self.security) {
            (Some(app), Some(status)) => status.app == app && status.verified.contains(&fid),
            _ => false,
        }
    }

    /// Records `fid` as verified (`true`) or not (`false`) for `app`.
    pub(crate) fn set_verified(&mut self, app: usize, fid: u16, verified: bool) {
        let status = match &mut self.security {
            Some(status) if status.app == app => status,
            other => other.insert(SecurityStatus {
                app,
                verified: BTreeSet::new(),
            }),
        };
        if verified {
            status.verified.insert(fid);
        } else {
            status.verified.remove(&fid);
        }
    }
}

/// Power: off, or on with its volatile state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Power {
    Off,
    On(Volatile),
}
