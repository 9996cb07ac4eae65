//! Status words (SW1-SW2) as an open set: every `u16` is a valid value, the
//! ones this card uses have names.

use std::fmt;

/// A status word, SW1 in the high byte and SW2 in the low byte.
///
/// An open set: any value round-trips; [`StatusWord::name`] names the ones
/// card-protocol.md §3.1 lists.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000` normal processing (card-protocol.md §3.1).
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// `6300` verification failed on a key without retry limit (§3.1, uncertain).
    pub const VERIFY_FAILED_NO_LIMIT: StatusWord = StatusWord(0x6300);
    /// `63C0`: verification failed and no tries left (§3.1, §3.2).
    pub const VERIFY_FAILED_BLOCKED: StatusWord = StatusWord(0x63C0);
    /// `66F1`: SET SESSION KEY on 共通AP / 券面事項確認AP (§3.1).
    pub const SET_SESSION_KEY_REFUSED: StatusWord = StatusWord(0x66F1);
    /// `6700` wrong length Lc/Le (§3.1).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// `6881` logical channel not supported (§3.1).
    pub const LOGICAL_CHANNEL_NOT_SUPPORTED: StatusWord = StatusWord(0x6881);
    /// `6882` secure messaging not supported (SM CLA on SELECT, §3.1).
    pub const SM_NOT_SUPPORTED: StatusWord = StatusWord(0x6882);
    /// `6884` command chaining not supported (ISO 7816-4).
    pub const CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);
    /// `6981` command incompatible with file structure (e.g. EF `001E`, §1.5).
    pub const INCOMPATIBLE_FILE_STRUCTURE: StatusWord = StatusWord(0x6981);
    /// `6982` security status not satisfied (§3.1).
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// `6983` authentication method blocked (jls' reading; §3.1, uncertain).
    pub const AUTH_METHOD_BLOCKED_6983: StatusWord = StatusWord(0x6983);
    /// `6984` referenced data (PIN) blocked / not usable (§3.1).
    pub const AUTH_METHOD_BLOCKED: StatusWord = StatusWord(0x6984);
    /// `6985` conditions of use not satisfied (§3.1).
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// `6986` command not allowed, no current EF (§3.1).
    pub const NO_CURRENT_EF: StatusWord = StatusWord(0x6986);
    /// `6987` expected secure-messaging data objects missing: CLA `0C` under
    /// a session without a checksum key (myna-card 3.3.4 `src/sm.rs`, issue 8 D5).
    pub const SM_OBJECTS_MISSING: StatusWord = StatusWord(0x6987);
    /// `6988` secure-messaging data objects incorrect: a wrong or second data
    /// object, a bad padding indicator or padding (a wrong counter); the
    /// session is destroyed (myna-card 3.3.4 `src/sm.rs`, issue 8 D5).
    pub const SM_OBJECTS_INCORRECT: StatusWord = StatusWord(0x6988);
    /// `69FC` secure-messaging CLA on READ BINARY / VERIFY (§3.1).
    pub const SM_CLA_REFUSED: StatusWord = StatusWord(0x69FC);
    /// `6A80` incorrect parameters in the data field: a SET SESSION KEY
    /// delivery that does not decrypt or is not `A0 { 80 key }` (myna-card
    /// 3.3.4 `src/sm.rs`).
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    /// `6A82` file not found (§3.1).
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// `6A83` record not found (ISO 7816-4).
    pub const RECORD_NOT_FOUND: StatusWord = StatusWord(0x6A83);
    /// `6A86` incorrect P1-P2 (§3.1).
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// `6A88` referenced data not found (GET DATA object absent, §3.1).
    pub const REF_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// `6B00` offset outside the EF (§2.3, §3.1).
    pub const WRONG_P1P2_OFFSET: StatusWord = StatusWord(0x6B00);
    /// `6282` end of file reached before Le bytes (tolerated by myna-card, §2.3).
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// `6D00` instruction not supported (§3.1, myna-rs dummy).
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// `6E00` class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// `6F00` no precise diagnosis (first command after an unpowered
    /// reconnect on the measured card, §3.1).
    pub const NO_PRECISE_DIAGNOSIS: StatusWord = StatusWord(0x6F00);

    /// `63Cx`: VERIFY failed (or the empty VERIFY query) with `tries` left;
    /// values above 15 are reported as 15 (one nibble). card-protocol.md §3.1.
    pub fn verify_failed(tries: u8) -> StatusWord {
        StatusWord(0x63C0 | u16::from(tries.min(0x0F)))
    }

    /// Builds a status word from SW1 and SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> StatusWord {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    /// SW1.
    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// SW1 and SW2 as they go on the wire.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// `true` for `9000`.
    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS
    }

    /// For `63Cx`, the tries left `x`; otherwise `None`.
    pub fn tries_left(self) -> Option<u8> {
        if self.0 & 0xFFF0 == 0x63C0 {
            Some(self.sw2() & 0x0F)
        } else {
            None
        }
    }

    /// The name of a status word this crate knows, e.g. `"SUCCESS"`.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            StatusWord::SUCCESS => "SUCCESS",
            StatusWord::VERIFY_FAILED_NO_LIMIT => "VERIFY_FAILED_NO_LIMIT",
            StatusWord::SET_SESSION_KEY_REFUSED => "SET_SESSION_KEY_REFUSED",
            StatusWord::WRONG_LENGTH => "WRONG_LENGTH",
            StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED => "LOGICAL_CHANNEL_NOT_SUPPORTED",
            StatusWord::SM_NOT_SUPPORTED => "SM_NOT_SUPPORTED",
            StatusWord::CHAINING_NOT_SUPPORTED => "CHAINING_NOT_SUPPORTED",
            StatusWord::INCOMPATIBLE_FILE_STRUCTURE => "INCOMPATIBLE_FILE_STRUCTURE",
            StatusWord::SECURITY_NOT_SATISFIED => "SECURITY_NOT_SATISFIED",
            StatusWord::AUTH_METHOD_BLOCKED_6983 => "AUTH_METHOD_BLOCKED_6983",
            StatusWord::AUTH_METHOD_BLOCKED => "AUTH_METHOD_BLOCKED",
            StatusWord::CONDITIONS_NOT_SATISFIED => "CONDITIONS_NOT_SATISFIED",
            StatusWord::NO_CURRENT_EF => "NO_CURRENT_EF",
            StatusWord::SM_OBJECTS_MISSING => "SM_OBJECTS_MISSING",
            StatusWord::SM_OBJECTS_INCORRECT => "SM_OBJECTS_INCORRECT",
            StatusWord::SM_CLA_REFUSED => "SM_CLA_REFUSED",
            StatusWord::WRONG_DATA => "WRONG_DATA",
            StatusWord::FILE_NOT_FOUND => "FILE_NOT_FOUND",
            StatusWord::RECORD_NOT_FOUND => "RECORD_NOT_FOUND",
            StatusWord::INCORRECT_P1P2 => "INCORRECT_P1P2",
            StatusWord::REF_DATA_NOT_FOUND => "REF_DATA_NOT_FOUND",
            StatusWord::WRONG_P1P2_OFFSET => "WRONG_P1P2_OFFSET",
            StatusWord::END_OF_FILE => "END_OF_FILE",
            StatusWord::INS_NOT_SUPPORTED => "INS_NOT_SUPPORTED",
            StatusWord::CLA_NOT_SUPPORTED => "CLA_NOT_SUPPORTED",
            StatusWord::NO_PRECISE_DIAGNOSIS => "NO_PRECISE_DIAGNOSIS",
            _ if self.tries_left().is_some() => "VERIFY_FAILED",
            _ => return None,
        })
    }
}

impl From<u16> for StatusWord {
    fn from(value: u16) -> Self {
        StatusWord(value)
    }
}

impl From<StatusWord> for u16 {
    fn from(value: StatusWord) -> Self {
        value.0
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:04X})", self.0),
            None => write!(f, "StatusWord({:04X})", self.0),
        }
    }
}

/// Four upper-case hex digits, e.g. `6A82`.
/// Four uppercase hex digits (`9000`), written without the formatting
/// machinery: every exchange's evidence shows one.
impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let [high, low] = self.0.to_be_bytes();
        let text = [
            DIGITS[usize::from(high >> 4)],
            DIGITS[usize::from(high & 0x0F)],
            DIGITS[usize::from(low >> 4)],
            DIGITS[usize::from(low & 0x0F)],
        ];
        // ASCII digits only.
        f.write_str(std::str::from_utf8(&text).unwrap_or("????"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_four_uppercase_hex_digits() {
        for (sw, text) in [
            (0x9000, "9000"),
            (0x6A82, "6A82"),
            (0x0001, "0001"),
            (0xFFFF, "FFFF"),
        ] {
            assert_eq!(StatusWord(sw).to_string(), text);
            assert_eq!(StatusWord(sw).to_string(), format!("{sw:04X}"));
        }
    }

    #[test]
    fn verify_failed_encodes_tries_in_low_nibble() {
        assert_eq!(StatusWord::verify_failed(3), StatusWord(0x63C3));
        assert_eq!(
            StatusWord::verify_failed(0),
            StatusWord::VERIFY_FAILED_BLOCKED
        );
        assert_eq!(StatusWord::verify_failed(200), StatusWord(0x63CF));
        assert_eq!(StatusWord(0x63C2).tries_left(), Some(2));
        assert_eq!(StatusWord(0x6300).tries_left(), None);
    }

    #[test]
    fn debug_names_known_and_hexes_unknown() {
        assert_eq!(format!("{:?}", StatusWord::SUCCESS), "SUCCESS(9000)");
        assert_eq!(format!("{:?}", StatusWord(0x63C1)), "VERIFY_FAILED(63C1)");
        assert_eq!(format!("{:?}", StatusWord(0x1234)), "StatusWord(1234)");
        assert_eq!(StatusWord(0x6a82).to_string(), "6A82");
        assert_eq!(
            format!("{:?}", StatusWord(0x6988)),
            "SM_OBJECTS_INCORRECT(6988)"
        );
        assert_eq!(
            format!("{:?}", StatusWord(0x6987)),
            "SM_OBJECTS_MISSING(6987)"
        );
        assert_eq!(format!("{:?}", StatusWord(0x6A80)), "WRONG_DATA(6A80)");
    }

    #[test]
    fn bytes_round_trip() {
        let sw = StatusWord::from_bytes(0x6A, 0x86);
        assert_eq!(sw, StatusWord::INCORRECT_P1P2);
        assert_eq!(sw.to_bytes(), [0x6A, 0x86]);
        assert_eq!((sw.sw1(), sw.sw2()), (0x6A, 0x86));
    }
}
