//! Card codes written as hex text: status-word patterns, BER-TLV tag
//! paths and P1/P2 bytes.

use myna_scenario::parse_hex;

use crate::step::{SwPattern, TlvPath};

/// A status-word pattern: four hex digits, `X` for any nibble (`63CX`);
/// spaces ignored.
pub fn parse_sw(text: &str) -> Result<SwPattern, String> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 4 {
        return Err(format!(
            "expected a status word of 4 hex digits or `X` (like `9000`, `63CX`), found `{text}`"
        ));
    }
    let mut value = 0u16;
    let mut mask = 0u16;
    for c in digits {
        value <<= 4;
        mask <<= 4;
        if c == 'X' || c == 'x' {
            continue;
        }
        let Some(nibble) = c.to_digit(16) else {
            return Err(format!(
                "expected a status word of 4 hex digits or `X` (like `9000`, `63CX`), found `{text}`"
            ));
        };
        value |= u16::try_from(nibble).unwrap_or(0);
        mask |= 0xF;
    }
    Ok(SwPattern { value, mask })
}

/// A BER-TLV tag path `FF20/DF22`: tags of 1 to 4 bytes in hex.
pub fn parse_tlv_path(text: &str) -> Result<TlvPath, String> {
    let mut tags = Vec::new();
    for piece in text.split('/') {
        let bytes = parse_hex(piece).ok().filter(|b| (1..=4).contains(&b.len()));
        let Some(bytes) = bytes else {
            return Err(format!(
                "expected a TLV path of hex tags separated by `/` (like `FF20/DF22`), found `{text}`"
            ));
        };
        tags.push(bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)));
    }
    Ok(TlvPath(tags))
}

/// P1/P2: one or two hex digits, with or without `0x` (`80`, `0x80`, `0`).
/// Plain YAML numbers are read as hex too, as in the format document
/// (`p2: 80` is 0x80).
pub fn parse_param_byte(text: &str) -> Result<u8, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text)
        .trim();
    if (1..=2).contains(&digits.len()) {
        if let Ok(value) = u8::from_str_radix(digits, 16) {
            return Ok(value);
        }
    }
    Err(format!(
        "expected a byte as 1 or 2 hex digits (like `80`), found `{text}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sw_patterns() {
        let p = parse_sw("63CX").unwrap();
        assert_eq!(
            p,
            SwPattern {
                value: 0x63C0,
                mask: 0xFFF0
            }
        );
        assert!(p.matches(0x63C2));
        assert!(!p.matches(0x6300));
        assert_eq!(p.to_string(), "63CX");
        assert_eq!(parse_sw("90 00").unwrap().mask, 0xFFFF);
        assert!(parse_sw("900").is_err());
        assert!(parse_sw("90G0").is_err());
        assert!(parse_sw("9000 0").is_err());
    }

    #[test]
    fn tlv_paths() {
        assert_eq!(
            parse_tlv_path("FF20/DF22").unwrap(),
            TlvPath(vec![0xFF20, 0xDF22])
        );
        assert_eq!(parse_tlv_path("30").unwrap(), TlvPath(vec![0x30]));
        assert!(parse_tlv_path("FF20/").is_err());
        assert!(parse_tlv_path("F").is_err());
        assert!(parse_tlv_path("0102030405").is_err());
    }

    #[test]
    fn param_bytes() {
        assert_eq!(parse_param_byte("80"), Ok(0x80));
        assert_eq!(parse_param_byte("0x9A"), Ok(0x9A));
        assert_eq!(parse_param_byte("0"), Ok(0));
        assert!(parse_param_byte("100").is_err());
        assert!(parse_param_byte("zz").is_err());
        assert!(parse_param_byte("").is_err());
    }
}
