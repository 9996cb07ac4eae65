//! Instruction bytes (INS) as an open set.

use std::fmt;

/// Which CLA family an instruction belongs to on this card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClassFamily {
    /// ISO 7816-4 inter-industry commands, CLA `00` (card-protocol.md §2.1).
    Interindustry,
    /// JICSAP proprietary commands, CLA `80` (card-protocol.md §2.1, §2.2).
    Proprietary,
}

/// An instruction byte. An open set: any value round-trips; the ones the
/// My Number Card answers have names.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instruction(pub u8);

impl Instruction {
    /// `A4` SELECT (card-protocol.md §2.1).
    pub const SELECT: Instruction = Instruction(0xA4);
    /// `20` VERIFY (§2.1).
    pub const VERIFY: Instruction = Instruction(0x20);
    /// `24` CHANGE REFERENCE DATA (§2.1).
    pub const CHANGE_REFERENCE_DATA: Instruction = Instruction(0x24);
    /// `B0` READ BINARY (§2.1).
    pub const READ_BINARY: Instruction = Instruction(0xB0);
    /// `B2` READ RECORD (§2.1).
    pub const READ_RECORD: Instruction = Instruction(0xB2);
    /// `84` GET CHALLENGE (§2.1).
    pub const GET_CHALLENGE: Instruction = Instruction(0x84);
    /// `88` INTERNAL AUTHENTICATE (§2.1).
    pub const INTERNAL_AUTHENTICATE: Instruction = Instruction(0x88);
    /// `CA` GET DATA (§1.5).
    pub const GET_DATA: Instruction = Instruction(0xCA);
    /// `C0` GET RESPONSE (§2.1).
    pub const GET_RESPONSE: Instruction = Instruction(0xC0);
    /// `2A` COMPUTE DIGITAL SIGNATURE, CLA `80` (§2.1, §2.2).
    pub const COMPUTE_DIGITAL_SIGNATURE: Instruction = Instruction(0x2A);
    /// `32` CHANGE KEY (JICSAP), CLA `80` (§1.4, §2.1).
    pub const CHANGE_KEY: Instruction = Instruction(0x32);
    /// `AE` SET SESSION KEY, CLA `80` (§3.1, §3.3).
    pub const SET_SESSION_KEY: Instruction = Instruction(0xAE);
    /// `FC` last command indicator (iPhone profile), CLA `80` (§4).
    pub const LAST_COMMAND_INDICATOR: Instruction = Instruction(0xFC);
    /// `2C` RESET RETRY COUNTER (ISO/IEC 7816-4 §11.5.10: data = resetting
    /// code and/or new reference data). The My Number Card does not answer
    /// it, but a host may send it, so its data is masked like a PIN.
    pub const RESET_RETRY_COUNTER: Instruction = Instruction(0x2C);

    /// `21` VERIFY with BER-TLV data (ISO/IEC 7816-4 §11.5.6, odd INS):
    /// the verification data is inside. Not answered by the card; masked.
    pub const VERIFY_TLV: Instruction = Instruction(0x21);
    /// `25` CHANGE REFERENCE DATA with BER-TLV data (§11.5.7, odd INS).
    pub const CHANGE_REFERENCE_DATA_TLV: Instruction = Instruction(0x25);
    /// `26` DISABLE VERIFICATION REQUIREMENT (§11.5.9): data = the
    /// verification data (a PIN). Not answered by the card; masked.
    pub const DISABLE_VERIFICATION_REQUIREMENT: Instruction = Instruction(0x26);
    /// `28` ENABLE VERIFICATION REQUIREMENT (§11.5.8): data = the
    /// verification data (a PIN). Not answered by the card; masked.
    pub const ENABLE_VERIFICATION_REQUIREMENT: Instruction = Instruction(0x28);
    /// `2D` RESET RETRY COUNTER with BER-TLV data (§11.5.10, odd INS).
    pub const RESET_RETRY_COUNTER_TLV: Instruction = Instruction(0x2D);

    /// THE table of instructions whose data field is a PIN, password or
    /// 照合番号, whatever the class byte: VERIFY `20` and CHANGE REFERENCE
    /// DATA `24` (card-protocol.md §2.1), CHANGE KEY `80 32` (the new
    /// 共通/住基 PIN, §1.4, §2.1), RESET RETRY COUNTER `2C`, and the other
    /// ISO/IEC 7816-4 commands whose data is verification data, which the
    /// card does not answer but a host may send: the odd (BER-TLV) `21`,
    /// `25`, `2D`, DISABLE and ENABLE VERIFICATION REQUIREMENT `26`, `28`.
    /// Every output that shows a C-APDU (evidence, the vpcd log, recorded
    /// scenarios) masks the data of these, and nothing else decides it.
    pub const SECRET_DATA: [Instruction; 9] = [
        Instruction::VERIFY,
        Instruction::VERIFY_TLV,
        Instruction::CHANGE_REFERENCE_DATA,
        Instruction::CHANGE_REFERENCE_DATA_TLV,
        Instruction::DISABLE_VERIFICATION_REQUIREMENT,
        Instruction::ENABLE_VERIFICATION_REQUIREMENT,
        Instruction::RESET_RETRY_COUNTER,
        Instruction::RESET_RETRY_COUNTER_TLV,
        Instruction::CHANGE_KEY,
    ];

    /// The name of an instruction this card knows.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Instruction::SELECT => "SELECT",
            Instruction::VERIFY => "VERIFY",
            Instruction::CHANGE_REFERENCE_DATA => "CHANGE_REFERENCE_DATA",
            Instruction::READ_BINARY => "READ_BINARY",
            Instruction::READ_RECORD => "READ_RECORD",
            Instruction::GET_CHALLENGE => "GET_CHALLENGE",
            Instruction::INTERNAL_AUTHENTICATE => "INTERNAL_AUTHENTICATE",
            Instruction::GET_DATA => "GET_DATA",
            Instruction::GET_RESPONSE => "GET_RESPONSE",
            Instruction::COMPUTE_DIGITAL_SIGNATURE => "COMPUTE_DIGITAL_SIGNATURE",
            Instruction::CHANGE_KEY => "CHANGE_KEY",
            Instruction::SET_SESSION_KEY => "SET_SESSION_KEY",
            Instruction::LAST_COMMAND_INDICATOR => "LAST_COMMAND_INDICATOR",
            Instruction::RESET_RETRY_COUNTER => "RESET_RETRY_COUNTER",
            _ => return None,
        })
    }

    /// The CLA family the card accepts this instruction in, or `None` for an
    /// instruction the card does not know.
    pub fn class_family(self) -> Option<ClassFamily> {
        match self {
            Instruction::SELECT
            | Instruction::VERIFY
            | Instruction::CHANGE_REFERENCE_DATA
            | Instruction::READ_BINARY
            | Instruction::READ_RECORD
            | Instruction::GET_CHALLENGE
            | Instruction::INTERNAL_AUTHENTICATE
            | Instruction::GET_DATA
            | Instruction::GET_RESPONSE => Some(ClassFamily::Interindustry),
            Instruction::COMPUTE_DIGITAL_SIGNATURE
            | Instruction::CHANGE_KEY
            | Instruction::SET_SESSION_KEY
            | Instruction::LAST_COMMAND_INDICATOR => Some(ClassFamily::Proprietary),
            _ => None,
        }
    }

    /// `true` for instructions whose data field is a PIN, password or
    /// 照合番号 ([`Instruction::SECRET_DATA`]): such data is never printed.
    pub fn carries_secret(self) -> bool {
        Instruction::SECRET_DATA.contains(&self)
    }
}

impl From<u8> for Instruction {
    fn from(value: u8) -> Self {
        Instruction(value)
    }
}

impl fmt::Debug for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:02X})", self.0),
            None => write!(f, "Instruction({:02X})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_families() {
        assert_eq!(format!("{:?}", Instruction(0xA4)), "SELECT(A4)");
        assert_eq!(format!("{:?}", Instruction(0x01)), "Instruction(01)");
        assert_eq!(
            Instruction(0x2A).class_family(),
            Some(ClassFamily::Proprietary)
        );
        assert_eq!(
            Instruction(0xB0).class_family(),
            Some(ClassFamily::Interindustry)
        );
        assert_eq!(Instruction(0xB1).class_family(), None);
        assert!(Instruction::VERIFY.carries_secret());
        assert!(Instruction::CHANGE_KEY.carries_secret());
        assert!(Instruction::RESET_RETRY_COUNTER.carries_secret());
        for ins in [0x21, 0x25, 0x26, 0x28, 0x2D] {
            assert!(Instruction(ins).carries_secret(), "{ins:02X}");
        }
        assert!(!Instruction::READ_BINARY.carries_secret());
        // The card does not answer RESET RETRY COUNTER: it has a name for
        // printing but no class family.
        assert_eq!(Instruction::RESET_RETRY_COUNTER.class_family(), None);
    }
}
