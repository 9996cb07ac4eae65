//! Certificate serial numbers (利用者証明用電子証明書の発行の番号).
//!
//! Written as uppercase hexadecimal without leading zeros, as the scenario
//! format's `auth_serial` persona field. Held as a `u64`: JPKI serials fit,
//! and a fixed-width key keeps the national-scale index compact.

use std::fmt;

use crate::error::ModelError;

/// A certificate serial number; never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serial(u64);

impl Serial {
    /// A serial from its number; `None` for zero.
    pub fn new(value: u64) -> Option<Serial> {
        (value != 0).then_some(Serial(value))
    }

    /// The number.
    pub fn value(self) -> u64 {
        self.0
    }

    /// Parses hexadecimal (case-insensitive, optional `0x`, spaces and
    /// colons ignored), 1–16 significant digits, not zero.
    pub fn parse(text: &str) -> Result<Serial, ModelError> {
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix("0x")
            .or_else(|| trimmed.strip_prefix("0X"))
            .unwrap_or(trimmed);
        let digits: String = body.chars().filter(|c| *c != ' ' && *c != ':').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ModelError::invalid("serial", "expected hexadecimal digits"));
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > 16 {
            return Err(ModelError::invalid("serial", "longer than 64 bits"));
        }
        let value = u64::from_str_radix(
            if significant.is_empty() {
                "0"
            } else {
                significant
            },
            16,
        )
        .map_err(|_| ModelError::invalid("serial", "expected hexadecimal digits"))?;
        Serial::new(value)
            .ok_or_else(|| ModelError::invalid("serial", "zero is not a serial number"))
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        assert_eq!(
            Serial::parse("00ab:cd")
                .map(|s| s.to_string())
                .ok()
                .as_deref(),
            Some("ABCD")
        );
        assert_eq!(Serial::parse("0x10").map(Serial::value).ok(), Some(16));
        assert!(Serial::parse("0").is_err());
        assert!(Serial::parse("").is_err());
        assert!(Serial::parse("xyz").is_err());
        assert!(Serial::parse("1FFFFFFFFFFFFFFFF").is_err());
        assert!(Serial::parse("0000FFFFFFFFFFFFFFFF").is_ok());
    }
}
