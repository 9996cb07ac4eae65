//! 性別 as a JIS X 0303 code (card-protocol.md §1.2 DF25).

/// JIS X 0303 sex code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    /// `0` not known.
    Unknown,
    /// `1` male.
    Male,
    /// `2` female.
    Female,
    /// `9` not applicable.
    NotApplicable,
}

impl Sex {
    /// From the digit; `None` for anything but 0, 1, 2, 9.
    pub fn from_digit(digit: u8) -> Option<Sex> {
        match digit {
            0 => Some(Sex::Unknown),
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            9 => Some(Sex::NotApplicable),
            _ => None,
        }
    }

    /// The digit.
    pub fn digit(self) -> u8 {
        match self {
            Sex::Unknown => 0,
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::NotApplicable => 9,
        }
    }

    /// The ASCII digit as stored on the card.
    pub fn ascii(self) -> u8 {
        b'0' + self.digit()
    }
}
