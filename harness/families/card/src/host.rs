//! What a host (the reception reader, the portal's JPKI login) does with a
//! card through any [`CardTarget`]: select the JPKI AP, ask the
//! 利用者証明用 PIN's tries left, VERIFY it, read the 利用者証明用
//! certificate, sign a DigestInfo with the 利用者証明用 key
//! (card-protocol.md §2.1, §2.3).
//!
//! One place for these command sequences, built with card-emu's codec, so the
//! reader and portal families do not each write their own. Every exchange is
//! kept in [`JpkiHost::trace`] (the PIN's bytes are not: a VERIFY is traced
//! with its data replaced by its length), so a family can record it as the
//! card role's evidence and scenarios can check what a host sent.

use myna_card_emu::persona::JPKI_AP_AID;
use myna_card_emu::Secret;
use myna_card_emu::{CommandApdu, ResponseApdu, StatusWord};

use crate::target::{CardTarget, TransportError};

/// JPKI 利用者証明用 certificate EF (card-protocol.md §2.1).
pub const AUTH_CERT_EF: u16 = 0x000A;
/// JPKI 利用者証明用 private key EF (card-protocol.md §2.1).
pub const AUTH_KEY_EF: u16 = 0x0017;
/// JPKI 利用者証明用 PIN EF (card-protocol.md §2.1).
pub const AUTH_PIN_EF: u16 = 0x0018;

/// One exchange a host made, as sent and answered. A VERIFY's data is
/// never kept: `command` then holds the header and `Lc` only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostExchange {
    /// The C-APDU bytes (a VERIFY's value left out).
    pub command: Vec<u8>,
    /// The R-APDU bytes.
    pub response: Vec<u8>,
    /// Whether data was left out of `command` because it was secret.
    pub secret_withheld: bool,
}

/// The answer to a VERIFY of the 利用者証明用 PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// `9000`.
    Verified,
    /// `63Cx`, x tries left (x > 0).
    Wrong {
        /// Tries left.
        tries_left: u8,
    },
    /// `63C0`, `6983` or `6984`: the PIN is blocked.
    Blocked,
    /// This card has no such PIN (a face-only card answers `6A88`/`6A82`
    /// to its selection or verification).
    NoPin,
    /// Any other status word.
    Other(StatusWord),
}

/// Why a host operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// The transport failed (card removed, timeout, malformed answer).
    Transport(TransportError),
    /// The card answered a status word the operation cannot continue from.
    Status {
        /// What the host was doing.
        what: &'static str,
        /// The status word.
        sw: StatusWord,
    },
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Transport(e) => write!(f, "{e}"),
            HostError::Status { what, sw } => write!(f, "{what}: the card answered {sw}"),
        }
    }
}

impl std::error::Error for HostError {}

impl From<TransportError> for HostError {
    fn from(e: TransportError) -> Self {
        HostError::Transport(e)
    }
}

/// A host talking to the JPKI AP of one card.
pub struct JpkiHost<'a> {
    target: &'a mut dyn CardTarget,
    /// Every exchange so far, in order.
    pub trace: Vec<HostExchange>,
}

impl<'a> JpkiHost<'a> {
    /// A host on `target`; nothing is sent yet.
    pub fn new(target: &'a mut dyn CardTarget) -> Self {
        JpkiHost {
            target,
            trace: Vec::new(),
        }
    }

    /// Sends `command`; keeps it in the trace, without its data when
    /// `secret`.
    fn exchange(&mut self, command: &CommandApdu, secret: bool) -> Result<ResponseApdu, HostError> {
        let bytes = command.to_bytes();
        let answer = self.target.transmit(&bytes)?;
        let response = ResponseApdu::parse(&answer)
            .map_err(|e| TransportError::Malformed(format!("{e:?}")))?;
        let traced = if secret {
            // Header and Lc only: the value never enters the trace.
            bytes.get(..5).map(<[u8]>::to_vec).unwrap_or_default()
        } else {
            bytes
        };
        self.trace.push(HostExchange {
            command: traced,
            response: answer,
            secret_withheld: secret,
        });
        Ok(response)
    }

    fn command(ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u32>) -> CommandApdu {
        // Every command built here is in range (data ≤ 255 bytes or an
        // extended Le), so the codec cannot refuse it; fall back to a
        // header-only command rather than panic.
        CommandApdu::new(0x00, ins, p1, p2, data.to_vec(), le)
            .unwrap_or_else(|_| CommandApdu::header_only(0x00, ins, p1, p2))
    }

    fn expect_success(
        &mut self,
        what: &'static str,
        command: CommandApdu,
    ) -> Result<ResponseApdu, HostError> {
        let response = self.exchange(&command, false)?;
        if response.sw.is_success() {
            Ok(response)
        } else {
            Err(HostError::Status {
                what,
                sw: response.sw,
            })
        }
    }

    /// `00 A4 04 0C` the JPKI AP.
    pub fn select_jpki(&mut self) -> Result<(), HostError> {
        let select = Self::command(0xA4, 0x04, 0x0C, &JPKI_AP_AID, None);
        self.expect_success("select the JPKI AP", select).map(drop)
    }

    /// `00 A4 02 0C 02 FID`; the status word is returned, not judged.
    pub fn select_ef(&mut self, fid: u16) -> Result<StatusWord, HostError> {
        let select = Self::command(0xA4, 0x02, 0x0C, &fid.to_be_bytes(), None);
        Ok(self.exchange(&select, false)?.sw)
    }

    /// The 利用者証明用 PIN's tries left (`00 20 00 80`, no data), after
    /// selecting its EF. `None` when the card has no such PIN.
    pub fn auth_pin_tries(&mut self) -> Result<Option<u8>, HostError> {
        self.select_jpki()?;
        let sw = self.select_ef(AUTH_PIN_EF)?;
        if !sw.is_success() {
            return Ok(None);
        }
        let query = CommandApdu::header_only(0x00, 0x20, 0x00, 0x80);
        let response = self.exchange(&query, false)?;
        Ok(match response.sw {
            StatusWord::SUCCESS => Some(u8::MAX),
            sw => match sw.tries_left() {
                Some(n) => Some(n),
                None if is_blocked(sw) => Some(0),
                None => None,
            },
        })
    }

    /// VERIFY the 利用者証明用 PIN with `pin` (after selecting the AP and
    /// its EF). The value is sent once and never traced.
    pub fn verify_auth_pin(&mut self, pin: &Secret) -> Result<VerifyOutcome, HostError> {
        self.select_jpki()?;
        let sw = self.select_ef(AUTH_PIN_EF)?;
        if !sw.is_success() {
            return Ok(VerifyOutcome::NoPin);
        }
        let verify = Self::command(0x20, 0x00, 0x80, pin.expose(), None);
        let response = self.exchange(&verify, true)?;
        Ok(classify_verify(response.sw))
    }

    /// Reads the 利用者証明用 certificate (EF 000A) whole: its length from
    /// the DER header, then READ BINARY in chunks of at most 255 bytes.
    pub fn read_auth_cert(&mut self) -> Result<Vec<u8>, HostError> {
        self.select_jpki()?;
        let sw = self.select_ef(AUTH_CERT_EF)?;
        if !sw.is_success() {
            return Err(HostError::Status {
                what: "select the 利用者証明用 certificate",
                sw,
            });
        }
        let head = self.read_binary(0, 4)?;
        let total = der_length(&head).ok_or(HostError::Status {
            what: "read the 利用者証明用 certificate (no DER SEQUENCE header)",
            sw: StatusWord::SUCCESS,
        })?;
        let mut cert = Vec::with_capacity(total);
        while cert.len() < total {
            let want = (total - cert.len()).min(255);
            let offset = u16::try_from(cert.len()).map_err(|_| HostError::Status {
                what: "read the 利用者証明用 certificate (longer than READ BINARY reaches)",
                sw: StatusWord::SUCCESS,
            })?;
            let chunk = self.read_binary(offset, want)?;
            if chunk.is_empty() {
                break;
            }
            cert.extend_from_slice(&chunk);
        }
        Ok(cert)
    }

    fn read_binary(&mut self, offset: u16, len: usize) -> Result<Vec<u8>, HostError> {
        let [hi, lo] = offset.to_be_bytes();
        let le = u32::try_from(len).unwrap_or(255);
        let read = Self::command(0xB0, hi & 0x7F, lo, &[], Some(le));
        Ok(self.expect_success("READ BINARY", read)?.data)
    }

    /// Signs `digest_info` (a DER DigestInfo) with the 利用者証明用 key:
    /// selects the key EF and sends COMPUTE DIGITAL SIGNATURE `80 2A 00 80`.
    /// The PIN must have been verified in this selection of the AP.
    pub fn sign_auth(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, HostError> {
        let sw = self.select_ef(AUTH_KEY_EF)?;
        if !sw.is_success() {
            return Err(HostError::Status {
                what: "select the 利用者証明用 key",
                sw,
            });
        }
        let sign = CommandApdu::new(0x80, 0x2A, 0x00, 0x80, digest_info.to_vec(), Some(256))
            .map_err(|_| HostError::Status {
                what: "build COMPUTE DIGITAL SIGNATURE (DigestInfo too long)",
                sw: StatusWord::WRONG_LENGTH,
            })?;
        Ok(self.expect_success("COMPUTE DIGITAL SIGNATURE", sign)?.data)
    }
}

/// What a VERIFY's status word means.
pub fn classify_verify(sw: StatusWord) -> VerifyOutcome {
    if sw.is_success() {
        return VerifyOutcome::Verified;
    }
    if is_blocked(sw) {
        return VerifyOutcome::Blocked;
    }
    match sw.tries_left() {
        Some(tries_left) => VerifyOutcome::Wrong { tries_left },
        None if sw == StatusWord::REF_DATA_NOT_FOUND || sw == StatusWord::FILE_NOT_FOUND => {
            VerifyOutcome::NoPin
        }
        None => VerifyOutcome::Other(sw),
    }
}

fn is_blocked(sw: StatusWord) -> bool {
    sw == StatusWord::VERIFY_FAILED_BLOCKED
        || sw == StatusWord::AUTH_METHOD_BLOCKED
        || sw == StatusWord::AUTH_METHOD_BLOCKED_6983
}

/// The total length (header included) of the DER value whose first bytes
/// are `head`, when it is a SEQUENCE with a definite length.
fn der_length(head: &[u8]) -> Option<usize> {
    match head {
        [0x30, n, ..] if *n < 0x80 => Some(2 + usize::from(*n)),
        [0x30, 0x81, n, ..] => Some(3 + usize::from(*n)),
        [0x30, 0x82, hi, lo, ..] => Some(4 + usize::from(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::EmuCard;
    use myna_card_emu::persona::Persona;

    fn emu(persona: &str) -> (Box<dyn CardTarget>, Persona) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../vectors/personas");
        let persona = Persona::load_named(dir.as_ref(), persona).expect("persona loads");
        (Box::new(EmuCard::new(persona.card_profile())), persona)
    }

    fn auth_pin(persona: &Persona) -> Secret {
        let pin = persona
            .variables()
            .into_iter()
            .find(|v| v.name == "auth_pin")
            .expect("persona has an auth PIN");
        Secret::new(pin.value.into_bytes())
    }

    #[test]
    fn signs_after_the_right_pin_and_not_before() {
        let (mut card, persona) = emu("taro");
        let mut host = JpkiHost::new(card.as_mut());
        host.select_jpki().unwrap();
        let digest_info = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
        ]
        .iter()
        .copied()
        .chain([0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20])
        .chain([0xAB; 32])
        .collect::<Vec<u8>>();
        assert!(matches!(
            host.sign_auth(&digest_info),
            Err(HostError::Status { .. })
        ));
        assert_eq!(
            host.verify_auth_pin(&auth_pin(&persona)).unwrap(),
            VerifyOutcome::Verified
        );
        let signature = host.sign_auth(&digest_info).unwrap();
        assert_eq!(signature.len(), 256);
    }

    #[test]
    fn verifies_signs_and_locks_through_the_card() {
        let (mut card, _) = emu("taro");
        let mut host = JpkiHost::new(card.as_mut());
        let start = host.auth_pin_tries().unwrap();
        assert_eq!(start, Some(3));
        assert_eq!(
            host.verify_auth_pin(&Secret::new(b"0000".to_vec()))
                .unwrap(),
            VerifyOutcome::Wrong { tries_left: 2 }
        );
        let cert = host.read_auth_cert().unwrap();
        assert_eq!(cert.first(), Some(&0x30));
        assert_eq!(der_length(&cert), Some(cert.len()));
        // No VERIFY value in the trace, ever.
        for exchange in &host.trace {
            if exchange.command.get(1) == Some(&0x20) && exchange.command.len() > 4 {
                assert!(exchange.secret_withheld);
                assert_eq!(exchange.command.len(), 5);
            }
        }
    }

    #[test]
    fn classifies_status_words() {
        assert_eq!(classify_verify(StatusWord(0x9000)), VerifyOutcome::Verified);
        assert_eq!(
            classify_verify(StatusWord(0x63C1)),
            VerifyOutcome::Wrong { tries_left: 1 }
        );
        assert_eq!(classify_verify(StatusWord(0x63C0)), VerifyOutcome::Blocked);
        assert_eq!(classify_verify(StatusWord(0x6984)), VerifyOutcome::Blocked);
        assert_eq!(classify_verify(StatusWord(0x6A88)), VerifyOutcome::NoPin);
        assert_eq!(
            classify_verify(StatusWord(0x6700)),
            VerifyOutcome::Other(StatusWord(0x6700))
        );
    }
}
