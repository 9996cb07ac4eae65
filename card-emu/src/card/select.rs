//! SELECT (`00 A4`): the MF, an application by AID, an EF by FID
//! (card-protocol.md §1, §1.5, §2.1). P2 `0C`/`00`: no FCI is returned.

use super::dispatch::{Outcome, Session};
use super::state::{CurrentEf, Location};
use crate::apdu::StatusWord;

/// The GlobalPlatform ISD AID; selecting it returns to the MF and clears
/// the security status (card-protocol.md §1).
pub const ISD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

impl Session<'_> {
    /// `00 A4 00 00`: `6A86` after power-on/reset until an application was
    /// selected, then `9000` with no effect (card-protocol.md §1.5).
    pub(crate) fn select_mf(&mut self) -> Outcome {
        if self.volatile.df_selected_since_reset {
            Ok(Vec::new())
        } else {
            Err(StatusWord::INCORRECT_P1P2)
        }
    }

    /// `00 A4 04 0C Lc AID`: exact AID match, unknown AID `6A82` with the
    /// state unchanged; the ISD returns to the MF.
    pub(crate) fn select_df(&mut self, aid: &[u8]) -> Outcome {
        if aid == ISD_AID {
            self.volatile.enter_card_manager();
            return Ok(Vec::new());
        }
        let app = self
            .profile
            .applications
            .iter()
            .position(|app| app.aid == aid)
            .ok_or(StatusWord::FILE_NOT_FOUND)?;
        self.volatile.enter_application(app);
        Ok(Vec::new())
    }

    /// `00 A4 02 0C 02 FID`: any data, secret or key EF of the current
    /// application, or at the MF one of `CardProfile::mf_files`; otherwise
    /// `6A82` (so `3F00`, `2F10`, `2F11` answer `6A82`, §1.5) and the current
    /// EF is unchanged.
    pub(crate) fn select_ef(&mut self, fid: u16) -> Outcome {
        let profile = self.profile;
        match &mut self.volatile.location {
            Location::Mf { ef } => {
                let index = profile
                    .mf_files
                    .iter()
                    .position(|file| file.fid == fid)
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                *ef = Some(index);
            }
            Location::Df { app, ef } => {
                let application = profile
                    .applications
                    .get(*app)
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                let found = application
                    .files
                    .iter()
                    .position(|file| file.fid == fid)
                    .map(CurrentEf::Data)
                    .or_else(|| {
                        application
                            .secrets
                            .iter()
                            .position(|secret| secret.fid == fid)
                            .map(CurrentEf::Secret)
                    })
                    .or_else(|| {
                        application
                            .keys
                            .iter()
                            .position(|key| key.fid == fid)
                            .map(CurrentEf::Key)
                    })
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                *ef = Some(found);
            }
        }
        Ok(Vec::new())
    }
}
