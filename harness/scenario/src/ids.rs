//! Shapes of scenario and requirement ids, and calendar dates.

/// `[a-z0-9-]+(\.[a-z0-9-]+)+`: dotted lowercase, e.g. `card.jpki.auth-pin.lockout`.
pub fn is_scenario_id(id: &str) -> bool {
    id.split('.').count() >= 2
        && id.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// `[A-Z][A-Z0-9]*(-[A-Z0-9]+)+`: uppercase words joined by dashes, e.g.
/// `CARD-JPKI-AUTH-PIN-LOCK`.
pub fn is_requirement_id(id: &str) -> bool {
    id.split('-').count() >= 2
        && id.starts_with(|c: char| c.is_ascii_uppercase())
        && id.split('-').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// Whether `date` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let text = date.get(range)?;
        text.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_ids() {
        assert!(is_scenario_id("card.jpki.auth-pin.lockout"));
        assert!(is_scenario_id("oqs.a1"));
        assert!(!is_scenario_id("card"));
        assert!(!is_scenario_id("Card.x"));
        assert!(!is_scenario_id("card..x"));
        assert!(!is_scenario_id("card.x_y"));
    }

    #[test]
    fn requirement_ids() {
        assert!(is_requirement_id("CARD-JPKI-AUTH-PIN-LOCK"));
        assert!(is_requirement_id("OQS-2"));
        assert!(!is_requirement_id("CARD"));
        assert!(!is_requirement_id("card-x"));
        assert!(!is_requirement_id("2-X"));
        assert!(!is_requirement_id("A--B"));
    }

    #[test]
    fn dates() {
        assert!(is_date("2024-10-07"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(is_date("2000-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("2024/10/07"));
        assert!(!is_date("20x4-10-07"));
    }
}
