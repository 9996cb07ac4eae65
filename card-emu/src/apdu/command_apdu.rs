//! The command APDU (C-APDU) byte codec: ISO 7816-4 cases 1–4, short and
//! extended length forms.

use std::fmt;

use super::instruction::Instruction;
use super::status::StatusWord;

/// Whether Lc/Le are encoded in one byte or in the extended form
/// (`00 HH LL` / `HH LL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LengthForm {
    /// One-byte Lc (1..=255) and Le (`00` = 256).
    Short,
    /// Extended Lc (`00 HH LL`, 1..=65535) and Le (`HH LL`, `0000` = 65536).
    Extended,
}

/// An expected response length: the raw encoded value and its form.
///
/// `raw` 0 means 256 in the short form and 65536 in the extended form; see
/// [`Le::effective`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Le {
    raw: u16,
    form: LengthForm,
}

impl Le {
    /// A short Le from its byte (`00` = 256).
    pub fn short(raw: u8) -> Le {
        Le {
            raw: u16::from(raw),
            form: LengthForm::Short,
        }
    }

    /// An extended Le from its two bytes (`0000` = 65536).
    pub fn extended(raw: u16) -> Le {
        Le {
            raw,
            form: LengthForm::Extended,
        }
    }

    /// The Le that asks for `effective` bytes in `form`, if representable
    /// (1..=256 short, 1..=65536 extended).
    pub fn from_effective(effective: u32, form: LengthForm) -> Option<Le> {
        let limit = match form {
            LengthForm::Short => 256,
            LengthForm::Extended => 65536,
        };
        if effective == 0 || effective > limit {
            return None;
        }
        let raw = if effective == limit {
            0
        } else {
            u16::try_from(effective).ok()?
        };
        Some(Le { raw, form })
    }

    /// The encoded value (`0` for 256 short / 65536 extended).
    pub fn raw(self) -> u16 {
        self.raw
    }

    /// The number of bytes asked for: 1..=256 short, 1..=65536 extended.
    pub fn effective(self) -> u32 {
        match (self.raw, self.form) {
            (0, LengthForm::Short) => 256,
            (0, LengthForm::Extended) => 65536,
            (raw, _) => u32::from(raw),
        }
    }

    /// The length form.
    pub fn form(self) -> LengthForm {
        self.form
    }

    /// `true` for the extended form.
    pub fn is_extended(self) -> bool {
        self.form == LengthForm::Extended
    }
}

/// Why bytes are not a well-formed C-APDU (or a C-APDU cannot be built).
/// Every variant maps to `6700` WRONG LENGTH on the wire.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// Fewer than the 4 header bytes.
    #[error("C-APDU of {len} bytes is shorter than its 4-byte header")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// The length bytes do not match the total length (ISO 7816-3 12.1.3).
    #[error("C-APDU of {len} bytes does not match its length field(s)")]
    LengthMismatch {
        /// Bytes received.
        len: usize,
    },
    /// Data too long for the chosen form (255 short, 65535 extended).
    #[error("data field of {len} bytes does not fit the {form:?} form")]
    DataTooLong {
        /// Data bytes.
        len: usize,
        /// The form asked for.
        form: LengthForm,
    },
    /// Le outside 1..=256 (short) or 1..=65536 (extended).
    #[error("Le {le} cannot be encoded in the {form:?} form")]
    LeOutOfRange {
        /// Effective Le asked for.
        le: u32,
        /// The form asked for.
        form: LengthForm,
    },
}

impl ApduError {
    /// The status word a card answers to such bytes: `6700`.
    pub fn status_word(&self) -> StatusWord {
        StatusWord::WRONG_LENGTH
    }
}

/// A command APDU: header, optional data (empty = no Lc), optional Le, and
/// the length form used on the wire, so that [`CommandApdu::to_bytes`]
/// reproduces parsed bytes exactly.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CommandApdu {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    le: Option<u16>,
    form: LengthForm,
}

impl CommandApdu {
    /// A case-1 command (header only).
    pub fn header_only(cla: u8, ins: u8, p1: u8, p2: u8) -> CommandApdu {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            form: LengthForm::Short,
        }
    }

    /// A command with optional data (empty = none) and optional effective
    /// Le, in the short form when both fit, else the extended form.
    pub fn new(
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: impl Into<Vec<u8>>,
        le: Option<u32>,
    ) -> Result<CommandApdu, ApduError> {
        let data = data.into();
        let fits_short = data.len() <= 255 && le.is_none_or(|le| le <= 256);
        let form = if fits_short {
            LengthForm::Short
        } else {
            LengthForm::Extended
        };
        Self::with_form(cla, ins, p1, p2, data, le, form)
    }

    /// A command in the given length form. A case-1 command (no data, no
    /// Le) has no extended form and is always short.
    pub fn with_form(
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: impl Into<Vec<u8>>,
        le: Option<u32>,
        form: LengthForm,
    ) -> Result<CommandApdu, ApduError> {
        let data = data.into();
        let max_data = match form {
            LengthForm::Short => 255,
            LengthForm::Extended => 65535,
        };
        if data.len() > max_data {
            return Err(ApduError::DataTooLong {
                len: data.len(),
                form,
            });
        }
        let le = match le {
            None => None,
            Some(effective) => Some(
                Le::from_effective(effective, form)
                    .ok_or(ApduError::LeOutOfRange {
                        le: effective,
                        form,
                    })?
                    .raw(),
            ),
        };
        let form = if data.is_empty() && le.is_none() {
            LengthForm::Short
        } else {
            form
        };
        Ok(CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
            form,
        })
    }

    /// Parses C-APDU bytes (ISO 7816-3 12.1.3 decoding of cases 1–4S/E).
    pub fn parse(bytes: &[u8]) -> Result<CommandApdu, ApduError> {
        let len = bytes.len();
        let (header, body) = match bytes.split_first_chunk::<4>() {
            Some(split) => split,
            None => return Err(ApduError::TooShort { len }),
        };
        let [cla, ins, p1, p2] = *header;
        let build = |data: &[u8], le: Option<u16>, form| CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
            form,
        };
        let mismatch = ApduError::LengthMismatch { len };
        match body {
            [] => Ok(build(&[], None, LengthForm::Short)),
            [le] => Ok(build(&[], Some(u16::from(*le)), LengthForm::Short)),
            [0, rest @ ..] => match rest {
                [hi, lo] => Ok(build(
                    &[],
                    Some(u16::from_be_bytes([*hi, *lo])),
                    LengthForm::Extended,
                )),
                [hi, lo, tail @ ..] => {
                    let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                    if lc == 0 {
                        return Err(mismatch);
                    }
                    if tail.len() == lc {
                        Ok(build(tail, None, LengthForm::Extended))
                    } else if tail.len() == lc + 2 {
                        let (data, le) = tail.split_at(lc);
                        let le = match le {
                            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                            _ => return Err(mismatch),
                        };
                        Ok(build(data, Some(le), LengthForm::Extended))
                    } else {
                        Err(mismatch)
                    }
                }
                _ => Err(mismatch),
            },
            [lc, tail @ ..] => {
                let lc = usize::from(*lc);
                if tail.len() == lc {
                    Ok(build(tail, None, LengthForm::Short))
                } else if tail.len() == lc + 1 {
                    let (data, le) = tail.split_at(lc);
                    let le = le.first().copied().map(u16::from);
                    Ok(build(data, le, LengthForm::Short))
                } else {
                    Err(mismatch)
                }
            }
        }
    }

    /// The encoded bytes; `parse(x.to_bytes()) == x`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 2);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        match self.form {
            LengthForm::Short => {
                if !self.data.is_empty() {
                    // Invariant: constructors keep short data at most 255 bytes.
                    out.push(u8::try_from(self.data.len()).unwrap_or(u8::MAX));
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    out.push(le.to_be_bytes()[1]);
                }
            }
            LengthForm::Extended => {
                if !self.data.is_empty() {
                    // Invariant: constructors keep extended data at most 65535 bytes.
                    let lc = u16::try_from(self.data.len()).unwrap_or(u16::MAX);
                    out.push(0);
                    out.extend_from_slice(&lc.to_be_bytes());
                    out.extend_from_slice(&self.data);
                    if let Some(le) = self.le {
                        out.extend_from_slice(&le.to_be_bytes());
                    }
                } else if let Some(le) = self.le {
                    out.push(0);
                    out.extend_from_slice(&le.to_be_bytes());
                }
            }
        }
        out
    }

    /// The instruction.
    pub fn instruction(&self) -> Instruction {
        Instruction(self.ins)
    }

    /// The data field (empty when there is no Lc).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The data field, `None` when there is no Lc.
    pub fn data_field(&self) -> Option<&[u8]> {
        if self.data.is_empty() {
            None
        } else {
            Some(&self.data)
        }
    }

    /// Le, if present.
    pub fn le(&self) -> Option<Le> {
        self.le.map(|raw| Le {
            raw,
            form: self.form,
        })
    }

    /// The length form used on the wire.
    pub fn form(&self) -> LengthForm {
        self.form
    }

    /// ISO 7816-4 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le).
    pub fn case(&self) -> u8 {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => 1,
            (true, true) => 2,
            (false, false) => 3,
            (false, true) => 4,
        }
    }
}

/// Prints the header, Le and the data in hex, except for the data of
/// VERIFY / CHANGE REFERENCE DATA / CHANGE KEY (PINs), which is redacted.
impl fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("CommandApdu");
        s.field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &self.instruction())
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2));
        if self.instruction().carries_secret() && !self.data.is_empty() {
            s.field(
                "data",
                &format_args!("<redacted {} bytes>", self.data.len()),
            );
        } else {
            s.field("data", &format_args!("{}", hex::encode_upper(&self.data)));
        }
        s.field("le", &self.le().map(Le::effective))
            .field("form", &self.form)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_hex(s: &str) -> Result<CommandApdu, ApduError> {
        CommandApdu::parse(&hex::decode(s.replace(' ', "")).unwrap_or_default())
    }

    #[test]
    fn decodes_each_case() {
        let c1 = parse_hex("00 A4 00 00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c1.case(), c1.le()), (1, None));
        let c2 = parse_hex("00 B0 00 00 00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c2.le().map(Le::effective), Some(256));
        let c3 = parse_hex("00 A4 02 0C 02 00 0A").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c3.case(), c3.data()), (3, &[0x00, 0x0A][..]));
        let c4 = parse_hex("80 2A 00 80 02 01 02 00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c4.case(), 4);
        assert_eq!(c4.le().map(Le::effective), Some(256));
        let c2e = parse_hex("00 B0 00 00 00 06 32").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c2e.le().map(Le::effective), Some(0x632));
        assert_eq!(c2e.form(), LengthForm::Extended);
        let c2e0 = parse_hex("00 B0 00 00 00 00 00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c2e0.le().map(|le| (le.raw(), le.effective())),
            Some((0, 65536))
        );
        let c4e = parse_hex("00 88 00 80 00 00 02 AA BB 00 00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c4e.case(), c4e.data().len()), (4, 2));
    }

    #[test]
    fn rejects_bad_lengths_with_6700() {
        for bad in [
            "",
            "00",
            "00 A4 00",
            "00 A4 04 0C 0A 01",
            "00 B0 00 00 00 01",
            "00 A4 00 00 00 00 00 00",
        ] {
            let err = parse_hex(bad).err();
            assert_eq!(
                err.map(|e| e.status_word()),
                Some(StatusWord::WRONG_LENGTH),
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_short_then_extended() {
        let a =
            CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(256)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.to_bytes(), [0, 0xB0, 0, 0, 0]);
        let b =
            CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(257)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.to_bytes(), [0, 0xB0, 0, 0, 0, 0x01, 0x01]);
        assert!(CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(0)).is_err());
        assert!(
            CommandApdu::with_form(0, 0xB0, 0, 0, vec![0; 256], None, LengthForm::Short).is_err()
        );
    }

    #[test]
    fn debug_redacts_pins() {
        let verify = parse_hex("00 20 00 80 04 31 32 33 34").unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{verify:?}");
        assert!(text.contains("<redacted 4 bytes>"), "{text}");
        assert!(!text.contains("31323334"), "{text}");
    }
}
