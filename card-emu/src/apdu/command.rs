//! The closed set of commands the emulated card understands, decoded from a
//! [`CommandApdu`]. Decoding fails with the status word the card answers.

use super::class::Class;
use super::command_apdu::{CommandApdu, Le};
use super::instruction::Instruction;
use super::status::StatusWord;
use crate::secret::Secret;

/// Which key or secret EF a VERIFY / sign / authenticate command names in P2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyTarget {
    /// P2 `00`: the application's default key (券面 APs, card-protocol.md §2.1).
    Default,
    /// P2 `80`: the key of the current EF (JICSAP, §2.1).
    CurrentEf,
    /// P2 `80 | sfi`: the EF whose short identifier is `sfi` (1..=30);
    /// equivalent to SELECT EF + the command (§2.1, §2.2).
    Sfi(u8),
}

impl KeyTarget {
    fn from_p2(p2: u8, allow_default: bool) -> Result<KeyTarget, StatusWord> {
        match p2 {
            0x00 if allow_default => Ok(KeyTarget::Default),
            0x80 => Ok(KeyTarget::CurrentEf),
            0x81..=0x9E => Ok(KeyTarget::Sfi(p2 & 0x1F)),
            _ => Err(StatusWord::INCORRECT_P1P2),
        }
    }
}

/// The P1 of `80 2A` COMPUTE DIGITAL SIGNATURE (card-protocol.md §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// `00`: PKCS#1 v1.5 type-1 padding of the data verbatim (1..=k-11 bytes).
    Pkcs1Raw,
    /// `01`: the card SHA-256s the data and pads the bare hash.
    Pkcs1BareSha256,
    /// `02`: data is a 32-byte hash, the card wraps it in a SHA-256 DigestInfo.
    Pkcs1Sha256OfHash,
    /// `03`: the card hashes the data and wraps it in a SHA-256 DigestInfo.
    Pkcs1Sha256,
    /// `04`: data is a 32-byte hash, RSASSA-PSS (SHA-256, random salt).
    PssOfHash,
    /// `05`: the card hashes the data, RSASSA-PSS.
    Pss,
}

impl SignatureScheme {
    /// The scheme P1 selects; `6A86` for any other P1.
    pub fn from_p1(p1: u8) -> Result<SignatureScheme, StatusWord> {
        Ok(match p1 {
            0x00 => SignatureScheme::Pkcs1Raw,
            0x01 => SignatureScheme::Pkcs1BareSha256,
            0x02 => SignatureScheme::Pkcs1Sha256OfHash,
            0x03 => SignatureScheme::Pkcs1Sha256,
            0x04 => SignatureScheme::PssOfHash,
            0x05 => SignatureScheme::Pss,
            _ => return Err(StatusWord::INCORRECT_P1P2),
        })
    }

    /// The P1 byte.
    pub fn p1(self) -> u8 {
        match self {
            SignatureScheme::Pkcs1Raw => 0x00,
            SignatureScheme::Pkcs1BareSha256 => 0x01,
            SignatureScheme::Pkcs1Sha256OfHash => 0x02,
            SignatureScheme::Pkcs1Sha256 => 0x03,
            SignatureScheme::PssOfHash => 0x04,
            SignatureScheme::Pss => 0x05,
        }
    }
}

/// A decoded command. Values of PINs are [`Secret`]s so that `Debug` never
/// shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `00 A4 00 00` / `00 A4 00 0C` with no data: select the MF
    /// (card-protocol.md §1.5).
    SelectMf,
    /// `00 A4 04 0C Lc AID`: select an application (§1, §2.1).
    SelectDf {
        /// The AID (1..=16 bytes).
        aid: Vec<u8>,
    },
    /// `00 A4 02 0C 02 FID` (or P1 `00` with a 2-byte FID): select an EF (§2.1).
    SelectEf {
        /// The file identifier.
        fid: u16,
    },
    /// `00 20 00 P2 [Lc value]`; without data it is the tries-left query (§2.1).
    Verify {
        /// Which secret.
        target: KeyTarget,
        /// The value, `None` for the empty query.
        value: Option<Secret>,
    },
    /// `00 24 01 P2 Lc new` (§2.1).
    ChangeReferenceData {
        /// Which secret.
        target: KeyTarget,
        /// The new value.
        new_value: Secret,
    },
    /// `80 32 00 P2 Lc new`: JICSAP CHANGE KEY for 共通/住基 PINs (§1.4).
    ChangeKey {
        /// Which secret.
        target: KeyTarget,
        /// The new value.
        new_value: Secret,
    },
    /// `00 B0 P1 P2 Le` (§2.1, §2.3).
    ReadBinary {
        /// SFI when P1 bit 8 is set (`80 | sfi`), else `None` (current EF).
        sfi: Option<u8>,
        /// Offset: 15 bits, or P2 alone in the SFI form.
        offset: u16,
        /// Bytes asked for.
        le: Le,
    },
    /// `00 B2 rec P2 Le` (§1.4, §2.1).
    ReadRecord {
        /// Record number (1-based; 0 is answered `6A83`).
        record: u8,
        /// SFI from P2 bits 8–4 (`0C` = SFI 1), `None` for P2 `04` (current EF).
        sfi: Option<u8>,
        /// Bytes asked for.
        le: Le,
    },
    /// `80 2A P1 P2 Lc data [Le]` (§2.1, §2.2).
    ComputeDigitalSignature {
        /// P1.
        scheme: SignatureScheme,
        /// P2.
        key: KeyTarget,
        /// The data field.
        data: Vec<u8>,
        /// Le, if sent.
        le: Option<Le>,
    },
    /// `00 84 00 00 Le` (§2.1).
    GetChallenge {
        /// Bytes asked for.
        le: Le,
    },
    /// `00 88 00 P2 Lc data [Le]` (§2.1).
    InternalAuthenticate {
        /// P2.
        key: KeyTarget,
        /// The challenge (1..=255 bytes).
        data: Vec<u8>,
        /// Le, if sent.
        le: Option<Le>,
    },
    /// `00 CA P1 P2 Le` (§1.5).
    GetData {
        /// P1-P2.
        tag: u16,
        /// Bytes asked for.
        le: Le,
    },
    /// `00 C0 00 00 Le` (§2.1).
    GetResponse {
        /// Le, if sent.
        le: Option<Le>,
    },
    /// `80 AE P1 P2 [data]` (§3.1, §3.3).
    SetSessionKey {
        /// P1.
        p1: u8,
        /// P2.
        p2: u8,
        /// The data field (the session-key cryptogram).
        data: Vec<u8>,
    },
    /// `80 FC P1 P2`: the iPhone token's last command indicator (§4).
    LastCommandIndicator,
}

fn no_data(apdu: &CommandApdu) -> Result<(), StatusWord> {
    if apdu.data().is_empty() {
        Ok(())
    } else {
        Err(StatusWord::WRONG_LENGTH)
    }
}

fn required_data(apdu: &CommandApdu) -> Result<Vec<u8>, StatusWord> {
    apdu.data_field()
        .map(<[u8]>::to_vec)
        .ok_or(StatusWord::WRONG_LENGTH)
}

fn required_le(apdu: &CommandApdu) -> Result<Le, StatusWord> {
    apdu.le().ok_or(StatusWord::WRONG_LENGTH)
}

fn decode_select(apdu: &CommandApdu) -> Result<Command, StatusWord> {
    if !matches!(apdu.p2, 0x00 | 0x0C) {
        return Err(StatusWord::INCORRECT_P1P2);
    }
    match (apdu.p1, apdu.data()) {
        (0x00, []) => Ok(Command::SelectMf),
        (0x00 | 0x02, [hi, lo]) => Ok(Command::SelectEf {
            fid: u16::from_be_bytes([*hi, *lo]),
        }),
        (0x00 | 0x02, _) => Err(StatusWord::WRONG_LENGTH),
        (0x04, aid) if (1..=16).contains(&aid.len()) => Ok(Command::SelectDf { aid: aid.to_vec() }),
        (0x04, _) => Err(StatusWord::WRONG_LENGTH),
        _ => Err(StatusWord::INCORRECT_P1P2),
    }
}

fn decode_read_binary(apdu: &CommandApdu) -> Result<Command, StatusWord> {
    no_data(apdu)?;
    let le = required_le(apdu)?;
    if apdu.p1 & 0x80 != 0 {
        let sfi = apdu.p1 & 0x1F;
        if apdu.p1 & 0x60 != 0 || sfi == 0 || sfi == 0x1F {
            return Err(StatusWord::INCORRECT_P1P2);
        }
        Ok(Command::ReadBinary {
            sfi: Some(sfi),
            offset: u16::from(apdu.p2),
            le,
        })
    } else {
        Ok(Command::ReadBinary {
            sfi: None,
            offset: u16::from_be_bytes([apdu.p1, apdu.p2]),
            le,
        })
    }
}

fn decode_read_record(apdu: &CommandApdu) -> Result<Command, StatusWord> {
    no_data(apdu)?;
    let le = required_le(apdu)?;
    if apdu.p2 & 0x07 != 0x04 {
        return Err(StatusWord::INCORRECT_P1P2);
    }
    let sfi = match apdu.p2 >> 3 {
        0 => None,
        0x1F => return Err(StatusWord::INCORRECT_P1P2),
        sfi => Some(sfi),
    };
    Ok(Command::ReadRecord {
        record: apdu.p1,
        sfi,
        le,
    })
}

impl TryFrom<&CommandApdu> for Command {
    type Error = StatusWord;

    /// Decodes a C-APDU. The error is the status word the card answers:
    /// class problems first (see [`Class::check`]), then P1-P2 (`6A86`),
    /// then lengths (`6700`).
    fn try_from(apdu: &CommandApdu) -> Result<Command, StatusWord> {
        let ins = apdu.instruction();
        Class::check(apdu.cla, ins)?;
        match ins {
            Instruction::SELECT => decode_select(apdu),
            Instruction::VERIFY => {
                if apdu.p1 != 0x00 {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                Ok(Command::Verify {
                    target: KeyTarget::from_p2(apdu.p2, false)?,
                    value: apdu.data_field().map(Secret::new),
                })
            }
            Instruction::CHANGE_REFERENCE_DATA => {
                if apdu.p1 != 0x01 {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                let target = KeyTarget::from_p2(apdu.p2, false)?;
                Ok(Command::ChangeReferenceData {
                    target,
                    new_value: Secret::new(required_data(apdu)?),
                })
            }
            Instruction::CHANGE_KEY => {
                if apdu.p1 != 0x00 {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                let target = KeyTarget::from_p2(apdu.p2, false)?;
                Ok(Command::ChangeKey {
                    target,
                    new_value: Secret::new(required_data(apdu)?),
                })
            }
            Instruction::READ_BINARY => decode_read_binary(apdu),
            Instruction::READ_RECORD => decode_read_record(apdu),
            Instruction::COMPUTE_DIGITAL_SIGNATURE => Ok(Command::ComputeDigitalSignature {
                scheme: SignatureScheme::from_p1(apdu.p1)?,
                key: KeyTarget::from_p2(apdu.p2, true)?,
                data: required_data(apdu)?,
                le: apdu.le(),
            }),
            Instruction::GET_CHALLENGE => {
                if (apdu.p1, apdu.p2) != (0, 0) {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                no_data(apdu)?;
                Ok(Command::GetChallenge {
                    le: required_le(apdu)?,
                })
            }
            Instruction::INTERNAL_AUTHENTICATE => {
                if apdu.p1 != 0x00 {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                let key = KeyTarget::from_p2(apdu.p2, true)?;
                let data = required_data(apdu)?;
                if data.len() > 255 {
                    return Err(StatusWord::WRONG_LENGTH);
                }
                Ok(Command::InternalAuthenticate {
                    key,
                    data,
                    le: apdu.le(),
                })
            }
            Instruction::GET_DATA => {
                no_data(apdu)?;
                Ok(Command::GetData {
                    tag: u16::from_be_bytes([apdu.p1, apdu.p2]),
                    le: required_le(apdu)?,
                })
            }
            Instruction::GET_RESPONSE => {
                if (apdu.p1, apdu.p2) != (0, 0) {
                    return Err(StatusWord::INCORRECT_P1P2);
                }
                no_data(apdu)?;
                Ok(Command::GetResponse { le: apdu.le() })
            }
            Instruction::SET_SESSION_KEY => Ok(Command::SetSessionKey {
                p1: apdu.p1,
                p2: apdu.p2,
                data: apdu.data().to_vec(),
            }),
            Instruction::LAST_COMMAND_INDICATOR => Ok(Command::LastCommandIndicator),
            _ => Err(StatusWord::INS_NOT_SUPPORTED),
        }
    }
}

impl TryFrom<CommandApdu> for Command {
    type Error = StatusWord;

    fn try_from(apdu: CommandApdu) -> Result<Command, StatusWord> {
        Command::try_from(&apdu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(hex_text: &str) -> Result<Command, StatusWord> {
        let bytes = hex::decode(hex_text.replace(' ', "")).unwrap_or_default();
        let apdu = CommandApdu::parse(&bytes).map_err(|e| e.status_word())?;
        Command::try_from(&apdu)
    }

    #[test]
    fn decodes_client_commands() {
        assert_eq!(
            decode("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"),
            Ok(Command::SelectDf {
                aid: vec![0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
            })
        );
        assert_eq!(
            decode("00 A4 02 0C 02 00 18"),
            Ok(Command::SelectEf { fid: 0x18 })
        );
        assert_eq!(decode("00 A4 00 00"), Ok(Command::SelectMf));
        assert_eq!(
            decode("00 20 00 80"),
            Ok(Command::Verify {
                target: KeyTarget::CurrentEf,
                value: None
            })
        );
        assert_eq!(
            decode("00 20 00 98 04 31 32 33 34"),
            Ok(Command::Verify {
                target: KeyTarget::Sfi(0x18),
                value: Some(Secret::new(b"1234".to_vec()))
            })
        );
        assert_eq!(
            decode("00 B0 81 10 00"),
            Ok(Command::ReadBinary {
                sfi: Some(1),
                offset: 0x10,
                le: Le::short(0)
            })
        );
        assert_eq!(
            decode("00 B0 7F FF 01"),
            Ok(Command::ReadBinary {
                sfi: None,
                offset: 0x7FFF,
                le: Le::short(1)
            })
        );
        assert_eq!(
            decode("00 B2 01 0C 00"),
            Ok(Command::ReadRecord {
                record: 1,
                sfi: Some(1),
                le: Le::short(0)
            })
        );
        assert_eq!(
            decode("80 2A 00 97 02 01 02 00"),
            Ok(Command::ComputeDigitalSignature {
                scheme: SignatureScheme::Pkcs1Raw,
                key: KeyTarget::Sfi(0x17),
                data: vec![1, 2],
                le: Some(Le::short(0))
            })
        );
        assert_eq!(decode("80 FC 00 00"), Ok(Command::LastCommandIndicator));
    }

    #[test]
    fn decoding_errors_are_status_words() {
        assert_eq!(
            decode("80 2A 06 80 02 01 02 00"),
            Err(StatusWord::INCORRECT_P1P2)
        );
        assert_eq!(
            decode("00 A4 01 0C 02 00 01"),
            Err(StatusWord::INCORRECT_P1P2)
        );
        assert_eq!(decode("00 A4 04 0C"), Err(StatusWord::WRONG_LENGTH));
        assert_eq!(decode("00 A4 02 0C 01 00"), Err(StatusWord::WRONG_LENGTH));
        assert_eq!(decode("00 B0 00 00"), Err(StatusWord::WRONG_LENGTH));
        assert_eq!(decode("00 20 00 00"), Err(StatusWord::INCORRECT_P1P2));
        assert_eq!(decode("00 20 01 80"), Err(StatusWord::INCORRECT_P1P2));
        assert_eq!(decode("00 24 01 80"), Err(StatusWord::WRONG_LENGTH));
        assert_eq!(decode("00 B2 01 05 00"), Err(StatusWord::INCORRECT_P1P2));
        assert_eq!(decode("00 84 00 01 08"), Err(StatusWord::INCORRECT_P1P2));
        assert_eq!(decode("00 FF 00 00"), Err(StatusWord::INS_NOT_SUPPORTED));
    }

    #[test]
    fn debug_of_verify_hides_the_pin() {
        let text = format!("{:?}", decode("00 20 00 80 04 39 38 37 36"));
        assert!(
            !text.contains("9876") && !text.contains("39383736"),
            "{text}"
        );
    }
}
