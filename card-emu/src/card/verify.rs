//! VERIFY (`00 20`), CHANGE REFERENCE DATA (`00 24`) and CHANGE KEY
//! (`80 32`): PIN counters and the DF session's verified set
//! (card-protocol.md §2.1, §3.2, §3.3).

use super::dispatch::{Outcome, Session};
use crate::apdu::{KeyTarget, StatusWord};
use crate::profile::AppKind;
use crate::secret::Secret;

/// Which command changes a secret: the inter-industry one (JPKI, 券面 APs)
/// or JICSAP CHANGE KEY (共通AP / 住基AP, card-protocol.md §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeCommand {
    /// `00 24 01 80`.
    ReferenceData,
    /// `80 32 00 80`.
    Key,
}

impl ChangeCommand {
    /// Our judgement: each application answers the command its clients use
    /// and `6D00` to the other one.
    fn accepted_in(self, kind: AppKind) -> bool {
        let jicsap = matches!(kind, AppKind::Common | AppKind::Juki);
        match self {
            ChangeCommand::ReferenceData => !jicsap,
            ChangeCommand::Key => jicsap,
        }
    }
}

/// A configured SW as an outcome: `9000` is success without data.
fn as_outcome(sw: StatusWord) -> Outcome {
    if sw.is_success() {
        Ok(Vec::new())
    } else {
        Err(sw)
    }
}

/// Compares without an early exit on the first differing byte.
fn same_bytes(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

impl Session<'_> {
    /// VERIFY against the secret named by P2.
    ///
    /// - no data (the query): `63Cx` with the tries left, spending nothing;
    ///   `63C0` when blocked; `quirks.empty_verify_after_success` once the
    ///   secret is verified in this DF session, if set; for a secret not set
    ///   on this card `quirks.empty_verify_unset_sw`, else `63Cx`;
    /// - a value for a secret not set on this card: `6984`; blocked: `6984`;
    /// - right: `9000`, counter back to its maximum, verified;
    /// - wrong: counter − 1, `63Cx` (`63C0` on the try that blocks), and the
    ///   secret is no longer verified in this session.
    pub(crate) fn verify(&mut self, target: KeyTarget, value: Option<&Secret>) -> Outcome {
        let (app, index) = self.resolve_secret(target)?;
        let already_verified = self.is_verified_secret(app, index);
        let quirks = &self.profile.quirks;
        let state = self
            .persistent
            .secret_mut(app, index)
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
        let fid = state.fid;
        let Some(reference) = &state.value else {
            return match (value, quirks.empty_verify_unset_sw) {
                (None, Some(sw)) => as_outcome(StatusWord(sw)),
                (None, None) => Err(StatusWord::verify_failed(state.tries_left)),
                (Some(_), _) => Err(StatusWord::AUTH_METHOD_BLOCKED),
            };
        };
        let Some(value) = value else {
            return match quirks.empty_verify_after_success {
                Some(sw) if already_verified && !state.is_blocked() => as_outcome(StatusWord(sw)),
                _ => Err(StatusWord::verify_failed(state.tries_left)),
            };
        };
        if state.is_blocked() {
            return Err(StatusWord::AUTH_METHOD_BLOCKED);
        }
        if same_bytes(reference.expose(), value.expose()) {
            state.tries_left = state.max_tries;
            self.volatile.set_verified(app, fid, true);
            Ok(Vec::new())
        } else {
            state.tries_left = state.tries_left.saturating_sub(1);
            let tries = state.tries_left;
            self.volatile.set_verified(app, fid, false);
            Err(StatusWord::verify_failed(tries))
        }
    }

    /// CHANGE REFERENCE DATA / CHANGE KEY: `6D00` for the other
    /// application family's command, `6985` when the secret is not
    /// changeable, `6984` when blocked, `6982` unless it was verified in
    /// this DF session; on success the new value is set and the counter
    /// reset.
    pub(crate) fn change_secret(
        &mut self,
        target: KeyTarget,
        new_value: Secret,
        command: ChangeCommand,
    ) -> Outcome {
        let (app, index) = self.resolve_secret(target)?;
        let kind = self
            .profile
            .applications
            .get(app)
            .map(|a| a.kind)
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
        if !command.accepted_in(kind) {
            return Err(StatusWord::INS_NOT_SUPPORTED);
        }
        let verified = self.is_verified_secret(app, index);
        let state = self
            .persistent
            .secret_mut(app, index)
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
        if !state.changeable {
            return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        if state.is_blocked() {
            return Err(StatusWord::AUTH_METHOD_BLOCKED);
        }
        if !verified {
            return Err(StatusWord::SECURITY_NOT_SATISFIED);
        }
        state.value = Some(new_value);
        state.tries_left = state.max_tries;
        Ok(Vec::new())
    }

    fn is_verified_secret(&self, app: usize, index: usize) -> bool {
        self.volatile.current_app() == Some(app)
            && self
                .persistent
                .secret(app, index)
                .is_some_and(|s| self.volatile.is_verified_here(s.fid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_compares_length_and_content() {
        assert!(same_bytes(b"1234", b"1234"));
        assert!(!same_bytes(b"1234", b"1235"));
        assert!(!same_bytes(b"1234", b"12345"));
        assert!(same_bytes(b"", b""));
    }

    #[test]
    fn change_commands_by_application() {
        assert!(ChangeCommand::ReferenceData.accepted_in(AppKind::Jpki));
        assert!(!ChangeCommand::ReferenceData.accepted_in(AppKind::Common));
        assert!(ChangeCommand::Key.accepted_in(AppKind::Juki));
        assert!(!ChangeCommand::Key.accepted_in(AppKind::TextHelper));
    }
}
