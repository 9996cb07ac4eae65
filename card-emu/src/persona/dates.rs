//! `YYYYMMDD` dates as stored on the card (card-protocol.md §1.2 DF24, §1.4).

use time::{Date, Month, OffsetDateTime};

/// `YYYYMMDD`.
pub fn yyyymmdd(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses 8 ASCII digits `YYYYMMDD`; `None` if malformed or not a real date.
pub fn parse_yyyymmdd(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = text.get(0..4)?.parse().ok()?;
    let month: u8 = text.get(4..6)?.parse().ok()?;
    let day: u8 = text.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ`; `None` if malformed.
pub fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let d = parse_yyyymmdd("19800217").expect("valid");
        assert_eq!(yyyymmdd(d), "19800217");
        assert!(parse_yyyymmdd("19800230").is_none());
        assert!(parse_yyyymmdd("1980-02-1").is_none());
        assert!(parse_yyyymmdd("１9800217").is_none());
    }

    #[test]
    fn utc_round_trip() {
        let t = parse_utc("2024-12-07T14:59:59Z").expect("valid");
        assert_eq!(format_utc(t), "2024-12-07T14:59:59Z");
        assert!(parse_utc("2024-12-07 14:59:59").is_none());
    }
}
