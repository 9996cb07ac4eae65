//! The class byte (CLA): family, logical channel, secure messaging,
//! chaining — and the status word the card answers to what it does not
//! support (card-protocol.md §3.1).

use super::instruction::{ClassFamily, Instruction};
use super::status::StatusWord;

/// The parts of a first-interindustry-style CLA this card looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class {
    /// `00` family (`000x xxxx`) or `80` family (`100x xxxx`).
    pub family: ClassFamily,
    /// Logical channel, CLA bits 2–1.
    pub channel: u8,
    /// Secure-messaging indication, CLA bits 4–3 (`04`, `08`, `0C`).
    pub secure_messaging: u8,
    /// Command chaining, CLA bit 5 (`10`).
    pub chaining: bool,
}

impl Class {
    /// Splits a CLA byte; `6881` for the further-interindustry classes
    /// (`40`–`7F`, logical channels 4–19), `6E00` for any other class that
    /// is neither the `00` nor the `80` family.
    pub fn parse(cla: u8) -> Result<Class, StatusWord> {
        let family = match cla & 0xE0 {
            0x00 => ClassFamily::Interindustry,
            0x80 => ClassFamily::Proprietary,
            0x40 | 0x60 => return Err(StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED),
            _ => return Err(StatusWord::CLA_NOT_SUPPORTED),
        };
        Ok(Class {
            family,
            channel: cla & 0x03,
            secure_messaging: cla & 0x0C,
            chaining: cla & 0x10 != 0,
        })
    }

    /// Checks the class against the instruction, in this order:
    /// class family (`6E00`), logical channel ≠ 0 (`6881`), unknown
    /// instruction or instruction of the other family (`6D00`), chaining
    /// (`6884`), secure messaging (`6882` on SELECT, `69FC` otherwise —
    /// card-protocol.md §3.1).
    pub fn check(cla: u8, ins: Instruction) -> Result<Class, StatusWord> {
        let class = Class::parse(cla)?;
        if class.channel != 0 {
            return Err(StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED);
        }
        if ins.class_family() != Some(class.family) {
            return Err(StatusWord::INS_NOT_SUPPORTED);
        }
        if class.chaining {
            return Err(StatusWord::CHAINING_NOT_SUPPORTED);
        }
        if class.secure_messaging != 0 {
            return Err(if ins == Instruction::SELECT {
                StatusWord::SM_NOT_SUPPORTED
            } else {
                StatusWord::SM_CLA_REFUSED
            });
        }
        Ok(class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_rules() {
        let check = |cla, ins| Class::check(cla, Instruction(ins)).err();
        assert_eq!(check(0x00, 0xA4), None);
        assert_eq!(check(0x80, 0x2A), None);
        assert_eq!(
            check(0x01, 0xA4),
            Some(StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED)
        );
        assert_eq!(
            check(0x43, 0xA4),
            Some(StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED)
        );
        assert_eq!(check(0x0C, 0xA4), Some(StatusWord::SM_NOT_SUPPORTED));
        assert_eq!(check(0x08, 0xB0), Some(StatusWord::SM_CLA_REFUSED));
        assert_eq!(check(0x0C, 0x20), Some(StatusWord::SM_CLA_REFUSED));
        assert_eq!(check(0xA0, 0xA4), Some(StatusWord::CLA_NOT_SUPPORTED));
        assert_eq!(check(0xFF, 0xA4), Some(StatusWord::CLA_NOT_SUPPORTED));
        assert_eq!(check(0x00, 0x2A), Some(StatusWord::INS_NOT_SUPPORTED));
        assert_eq!(check(0x00, 0x01), Some(StatusWord::INS_NOT_SUPPORTED));
        assert_eq!(check(0x10, 0xB0), Some(StatusWord::CHAINING_NOT_SUPPORTED));
    }
}
