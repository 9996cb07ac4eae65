//! Finding what a command acts on: the current EF, an EF by SFI, a key or
//! secret by P2, and whether an access rule is met.

use super::dispatch::Session;
use super::state::{CurrentEf, Location};
use crate::apdu::{KeyTarget, StatusWord};
use crate::profile::{Access, Application, ElementaryFile, PrivateKeyEf};

/// What [`Session::resolve_key`] should accept for P2 `00` (the
/// application's default key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyUse {
    Sign,
    InternalAuthenticate,
}

impl<'a> Session<'a> {
    /// The current application's profile entry and index.
    pub(crate) fn current_application(&self) -> Option<(usize, &'a Application)> {
        let app = self.volatile.current_app()?;
        self.profile.applications.get(app).map(|a| (app, a))
    }

    /// Checks an access rule against the current DF session: `6982` when
    /// none of the required secrets is verified, the rule's SW for `Never`.
    pub(crate) fn check_access(&self, access: &Access) -> Result<(), StatusWord> {
        match access {
            Access::Always => Ok(()),
            Access::AnyOf(fids) => {
                if fids.iter().any(|fid| self.volatile.is_verified_here(*fid)) {
                    Ok(())
                } else {
                    Err(StatusWord::SECURITY_NOT_SATISFIED)
                }
            }
            Access::Never(sw) => Err(StatusWord(*sw)),
        }
    }

    /// The data EF a READ acts on: by SFI (which also makes it current,
    /// `6A82` if absent) or the current EF (`6986` if none, `6981` if the
    /// current EF is a secret or key).
    pub(crate) fn resolve_data_file(
        &mut self,
        sfi: Option<u8>,
    ) -> Result<&'a ElementaryFile, StatusWord> {
        let profile = self.profile;
        match (&mut self.volatile.location, sfi) {
            (Location::Mf { ef }, Some(sfi)) => {
                let index = profile
                    .mf_files
                    .iter()
                    .position(|file| file.sfi == Some(sfi))
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                *ef = Some(index);
                profile
                    .mf_files
                    .get(index)
                    .ok_or(StatusWord::FILE_NOT_FOUND)
            }
            (Location::Mf { ef }, None) => {
                let index = ef.ok_or(StatusWord::NO_CURRENT_EF)?;
                profile.mf_files.get(index).ok_or(StatusWord::NO_CURRENT_EF)
            }
            (Location::Df { app, ef }, Some(sfi)) => {
                let files = &profile
                    .applications
                    .get(*app)
                    .ok_or(StatusWord::FILE_NOT_FOUND)?
                    .files;
                let index = files
                    .iter()
                    .position(|file| file.sfi == Some(sfi))
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                *ef = Some(CurrentEf::Data(index));
                files.get(index).ok_or(StatusWord::FILE_NOT_FOUND)
            }
            (Location::Df { app, ef }, None) => match ef {
                None => Err(StatusWord::NO_CURRENT_EF),
                Some(CurrentEf::Data(index)) => profile
                    .applications
                    .get(*app)
                    .and_then(|a| a.files.get(*index))
                    .ok_or(StatusWord::NO_CURRENT_EF),
                Some(CurrentEf::Secret(_) | CurrentEf::Key(_)) => {
                    Err(StatusWord::INCOMPATIBLE_FILE_STRUCTURE)
                }
            },
        }
    }

    /// The secret a VERIFY / CHANGE acts on, as (application, index):
    /// P2 `80` = the current EF (`6986` when there is none or it is not a
    /// secret EF); P2 `80|sfi` = the secret EF whose FID is `sfi`, which
    /// becomes current (`6A88` when the current DF has none).
    pub(crate) fn resolve_secret(
        &mut self,
        target: KeyTarget,
    ) -> Result<(usize, usize), StatusWord> {
        let profile = self.profile;
        match (&mut self.volatile.location, target) {
            (_, KeyTarget::Default) => Err(StatusWord::INCORRECT_P1P2),
            (Location::Df { app, ef }, KeyTarget::CurrentEf) => match ef {
                Some(CurrentEf::Secret(index)) => Ok((*app, *index)),
                _ => Err(StatusWord::NO_CURRENT_EF),
            },
            (Location::Mf { .. }, KeyTarget::CurrentEf) => Err(StatusWord::NO_CURRENT_EF),
            (Location::Df { app, ef }, KeyTarget::Sfi(sfi)) => {
                let index = profile
                    .applications
                    .get(*app)
                    .and_then(|a| a.secrets.iter().position(|s| s.fid == u16::from(sfi)))
                    .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
                *ef = Some(CurrentEf::Secret(index));
                Ok((*app, index))
            }
            (Location::Mf { .. }, KeyTarget::Sfi(_)) => Err(StatusWord::REF_DATA_NOT_FOUND),
        }
    }

    /// The private key a `80 2A` / `00 88` acts on: P2 `00` = the
    /// application's default key (first key usable for `purpose` with
    /// `Access::Always`; `6A88` if none); P2 `80` = the current EF (`6986`
    /// when none or not a key EF); P2 `80|sfi` = the key EF whose FID is
    /// `sfi`, which becomes current (`6A88` if absent).
    pub(crate) fn resolve_key(
        &mut self,
        target: KeyTarget,
        purpose: KeyUse,
    ) -> Result<&'a PrivateKeyEf, StatusWord> {
        let profile = self.profile;
        let Location::Df { app, ef } = &mut self.volatile.location else {
            return Err(match target {
                KeyTarget::CurrentEf => StatusWord::NO_CURRENT_EF,
                KeyTarget::Default | KeyTarget::Sfi(_) => StatusWord::REF_DATA_NOT_FOUND,
            });
        };
        let keys = &profile
            .applications
            .get(*app)
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?
            .keys;
        let index = match target {
            KeyTarget::Default => keys
                .iter()
                .position(|key| {
                    key.use_access == Access::Always
                        && match purpose {
                            KeyUse::Sign => key.sign,
                            KeyUse::InternalAuthenticate => key.internal_authenticate,
                        }
                })
                .ok_or(StatusWord::REF_DATA_NOT_FOUND)?,
            KeyTarget::CurrentEf => match ef {
                Some(CurrentEf::Key(index)) => *index,
                _ => return Err(StatusWord::NO_CURRENT_EF),
            },
            KeyTarget::Sfi(sfi) => {
                let index = keys
                    .iter()
                    .position(|key| key.fid == u16::from(sfi))
                    .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
                *ef = Some(CurrentEf::Key(index));
                index
            }
        };
        keys.get(index).ok_or(StatusWord::REF_DATA_NOT_FOUND)
    }
}
