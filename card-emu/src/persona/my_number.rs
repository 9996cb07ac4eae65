//! The 個人番号 (My Number) check digit.
//!
//! Algorithm of the official ordinance (行政手続における特定の個人を識別するための
//! 番号の利用等に関する法律施行令 第八条 / 総務省令): for the first 11 digits,
//! let `P(n)` be the n-th digit counted from the right (n = 1..=11) and
//! `Q(n) = n + 1` for n ≤ 6, `Q(n) = n − 5` for n ≥ 7. With
//! `r = Σ P(n)·Q(n) mod 11`, the check digit is `0` when `r ≤ 1`, else `11 − r`.

/// The check digit for the first 11 digits of a My Number, or `None` if the
/// input is not exactly 11 ASCII digits.
pub fn my_number_check_digit(first_eleven: &str) -> Option<u8> {
    let bytes = first_eleven.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum: u32 = 0;
    for (index_from_right, digit) in bytes.iter().rev().enumerate() {
        let n = index_from_right as u32 + 1;
        let weight = if n <= 6 { n + 1 } else { n - 5 };
        sum += u32::from(digit - b'0') * weight;
    }
    let remainder = sum % 11;
    let check = if remainder <= 1 { 0 } else { 11 - remainder };
    u8::try_from(check).ok()
}

/// Whether `number` is 12 ASCII digits whose last digit is the valid check digit.
pub fn is_valid_my_number(number: &str) -> bool {
    let Some((body, last)) = number.split_at_checked(11) else {
        return false;
    };
    let Some(expected) = my_number_check_digit(body) else {
        return false;
    };
    last.len() == 1 && last.as_bytes().first() == Some(&(b'0' + expected))
}

/// Completes 11 digits with their check digit, or `None` if the input is not 11 digits.
pub fn complete_my_number(first_eleven: &str) -> Option<String> {
    let check = my_number_check_digit(first_eleven)?;
    Some(format!("{first_eleven}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_of_widely_published_sample() {
        // 1234 5678 9018 is the sample number used in official leaflets.
        assert_eq!(my_number_check_digit("12345678901"), Some(8));
        assert!(is_valid_my_number("123456789018"));
    }

    #[test]
    fn check_digit_hand_computed() {
        // digits from the right: 1,0,0,0,0,0,0,0,0,0,0 → 1·2 = 2 → 11 − 2 = 9
        assert_eq!(my_number_check_digit("00000000001"), Some(9));
        // 1 at n = 7 → weight 2 → r = 2 → 9; 1 at n = 11 → weight 6 → 5
        assert_eq!(my_number_check_digit("00001000000"), Some(9));
        assert_eq!(my_number_check_digit("10000000000"), Some(5));
        // all zeros → r = 0 → 0
        assert_eq!(my_number_check_digit("00000000000"), Some(0));
        // r = 1 → 0: 1 at n = 6 (weight 7) + 1 at n = 1 (weight 2) = 9; plus n = 2 (3) → 12 → r 1
        assert_eq!(my_number_check_digit("00000100011"), Some(0));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(my_number_check_digit("1234567890"), None);
        assert_eq!(my_number_check_digit("1234567890a"), None);
        assert!(!is_valid_my_number("123456789017"));
        assert!(!is_valid_my_number("12345678901"));
        assert!(!is_valid_my_number("1234567890188"));
        assert!(!is_valid_my_number("１23456789018"));
        assert_eq!(
            complete_my_number("12345678901").as_deref(),
            Some("123456789018")
        );
    }
}
