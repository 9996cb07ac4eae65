//! Format rules of persona values (card-protocol.md §3.2).

/// `len` ASCII digits.
pub fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// 署名用パスワード format: 6–16 characters of `A–Z` and `0–9` with at least
/// one letter and one digit (card-protocol.md §3.2).
pub fn is_sign_password(text: &str) -> bool {
    (6..=16).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && text.bytes().any(|b| b.is_ascii_uppercase())
        && text.bytes().any(|b| b.is_ascii_digit())
}

/// A 4-hex-digit status word, e.g. `"6B00"`.
pub fn parse_sw(text: &str) -> Option<u16> {
    if text.len() != 4 {
        return None;
    }
    u16::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_password_rules() {
        assert!(is_sign_password("ABC123"));
        assert!(is_sign_password("A1234567890BCDEF"));
        assert!(!is_sign_password("ABC12"));
        assert!(!is_sign_password("A1234567890BCDEFG"));
        assert!(!is_sign_password("ABCDEF"));
        assert!(!is_sign_password("123456"));
        assert!(!is_sign_password("abc123"));
    }

    #[test]
    fn digits_and_sw() {
        assert!(is_digits("0123", 4));
        assert!(!is_digits("012a", 4));
        assert_eq!(parse_sw("6B00"), Some(0x6B00));
        assert_eq!(parse_sw("6B0"), None);
    }
}
