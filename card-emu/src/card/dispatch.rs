//! One command against the powered card: [`Session::execute`] routes each
//! [`Command`] to the file that implements it.

use rand_chacha::ChaCha20Rng;

use super::state::{Persistent, Volatile};
use crate::apdu::{Command, CommandApdu, StatusWord};
use crate::profile::CardProfile;

/// What a command produces: response data with `9000`, or a status word
/// with no data.
pub(crate) type Outcome = Result<Vec<u8>, StatusWord>;

/// Borrowed view of a powered card for the duration of one command.
pub(crate) struct Session<'a> {
    pub(crate) profile: &'a CardProfile,
    pub(crate) persistent: &'a mut Persistent,
    pub(crate) volatile: &'a mut Volatile,
    pub(crate) rng: &'a mut ChaCha20Rng,
}

impl Session<'_> {
    /// Executes one parsed C-APDU: a secure-messaging command of an open
    /// session is unwrapped first; anything else is decoded as it stands.
    pub(crate) fn execute_apdu(&mut self, apdu: &CommandApdu) -> Outcome {
        if let Some(outcome) = self.secure_messaging(apdu) {
            return outcome;
        }
        self.execute(Command::try_from(apdu)?)
    }

    /// Executes one decoded command.
    pub(crate) fn execute(&mut self, command: Command) -> Outcome {
        match command {
            Command::SelectMf => self.select_mf(),
            Command::SelectDf { aid } => self.select_df(&aid),
            Command::SelectEf { fid } => self.select_ef(fid),
            Command::Verify { target, value } => self.verify(target, value.as_ref()),
            Command::ChangeReferenceData { target, new_value } => self.change_secret(
                target,
                new_value,
                super::verify::ChangeCommand::ReferenceData,
            ),
            Command::ChangeKey { target, new_value } => {
                self.change_secret(target, new_value, super::verify::ChangeCommand::Key)
            }
            Command::ReadBinary { sfi, offset, le } => self.read_binary(sfi, offset, le),
            Command::ReadRecord { record, sfi, le } => self.read_record(record, sfi, le),
            Command::ComputeDigitalSignature {
                scheme,
                key,
                data,
                le,
            } => self.compute_digital_signature(scheme, key, &data, le),
            Command::InternalAuthenticate { key, data, le } => {
                self.internal_authenticate(key, &data, le)
            }
            Command::GetChallenge { le } => self.get_challenge(le),
            Command::GetData { tag, le } => self.get_data(tag, le),
            Command::SetSessionKey { p1, p2, data } => self.set_session_key(p1, p2, &data),
            // The card never answers 61xx (card-protocol.md §3.1), so there
            // is never anything to get: conditions of use not satisfied.
            Command::GetResponse { .. } => Err(StatusWord::CONDITIONS_NOT_SATISFIED),
            // Physical cards answer `6700` (card-protocol.md §4).
            Command::LastCommandIndicator => Err(StatusWord::WRONG_LENGTH),
        }
    }
}
