//! SET SESSION KEY (`80 AE`) (card-protocol.md §3.1, §3.3).

use super::dispatch::{Outcome, Session};
use crate::apdu::StatusWord;

impl Session<'_> {
    /// The current application's `set_session_key_sw`. A `9000` there (the
    /// text AP) needs a verified secret in this DF session, else `6982`. At
    /// the MF no application handles it: `6D00` (our judgement). Secure
    /// messaging itself is not emulated: SM-class commands still answer
    /// `69FC`/`6882` afterwards.
    pub(crate) fn set_session_key(&mut self) -> Outcome {
        let Some((_, application)) = self.current_application() else {
            return Err(StatusWord::INS_NOT_SUPPORTED);
        };
        let sw = StatusWord(application.set_session_key_sw);
        if !sw.is_success() {
            return Err(sw);
        }
        if self.volatile.anything_verified_here() {
            Ok(Vec::new())
        } else {
            Err(StatusWord::SECURITY_NOT_SATISFIED)
        }
    }
}
