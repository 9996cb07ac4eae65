//! The virtual clock (Japan local time, no time zone arithmetic) and the date
//! helpers the model needs: parsing, wire formats, month arithmetic.

use time::{Date, Duration, Month, PrimitiveDateTime, Time};

use crate::control::Advance;
use crate::error::ModelError;

/// A clock that moves only when told to; every model decision reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VirtualClock {
    now: PrimitiveDateTime,
}

impl Default for VirtualClock {
    fn default() -> Self {
        // 2025-04-01 09:00 JST: an ordinary business morning.
        VirtualClock {
            now: PrimitiveDateTime::new(
                Date::from_calendar_date(2025, Month::April, 1).unwrap_or(Date::MIN),
                Time::from_hms(9, 0, 0).unwrap_or(Time::MIDNIGHT),
            ),
        }
    }
}

impl VirtualClock {
    /// A clock showing `now`.
    pub fn at(now: PrimitiveDateTime) -> Self {
        VirtualClock { now }
    }

    /// The current instant.
    pub fn now(&self) -> PrimitiveDateTime {
        self.now
    }

    /// Today's date.
    pub fn today(&self) -> Date {
        self.now.date()
    }

    /// Sets the clock (it may go backwards: tests replay history).
    pub fn set(&mut self, now: PrimitiveDateTime) {
        self.now = now;
    }

    /// Moves the clock forward by months (clamped to month ends), then days,
    /// hours and minutes. Every amount is checked against its range first
    /// ([`Advance::validate`]); on any error the clock does not move.
    pub fn advance(&mut self, by: &Advance) -> Result<(), ModelError> {
        by.validate()?;
        let beyond = || ModelError::invalid("advance", "leaves the supported date range");
        let date = add_months(self.now.date(), by.months).map_err(|_| beyond())?;
        // In range, each amount is far below what `Duration` holds, so the
        // constructors cannot overflow.
        let moved = PrimitiveDateTime::new(date, self.now.time())
            .checked_add(Duration::days(by.days))
            .and_then(|t| t.checked_add(Duration::hours(by.hours)))
            .and_then(|t| t.checked_add(Duration::minutes(by.minutes)))
            .ok_or_else(beyond)?;
        self.now = moved;
        Ok(())
    }
}

/// `date` plus `months`, the day clamped to the target month's length.
pub fn add_months(date: Date, months: u32) -> Result<Date, ModelError> {
    let zero_based = i64::from(date.month() as u8) - 1 + i64::from(months);
    let year = i64::from(date.year()) + zero_based.div_euclid(12);
    let month_index = u8::try_from(zero_based.rem_euclid(12) + 1).unwrap_or(1);
    let year = i32::try_from(year).map_err(|_| ModelError::invalid("date", "year out of range"))?;
    let month =
        Month::try_from(month_index).map_err(|_| ModelError::invalid("date", "bad month"))?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day)
        .map_err(|_| ModelError::invalid("date", "date out of range"))
}

/// The last day of `date`'s month.
pub fn month_end(date: Date) -> Date {
    let last = date.month().length(date.year());
    date.replace_day(last).unwrap_or(date)
}

/// Parses `YYYY-MM-DD` or `YYYYMMDD`.
pub fn parse_date(field: &'static str, text: &str) -> Result<Date, ModelError> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ModelError::invalid(
            field,
            "expected a date YYYY-MM-DD or YYYYMMDD",
        ));
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, ModelError> {
        digits
            .get(range)
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or_else(|| ModelError::invalid(field, "expected digits"))
    };
    let year = i32::try_from(number(0..4)?).map_err(|_| ModelError::invalid(field, "bad year"))?;
    let month = u8::try_from(number(4..6)?)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| ModelError::invalid(field, "month must be 01–12"))?;
    let day = u8::try_from(number(6..8)?).map_err(|_| ModelError::invalid(field, "bad day"))?;
    Date::from_calendar_date(year, month, day)
        .map_err(|_| ModelError::invalid(field, "no such day"))
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` or `YYYYMMDDHHmmss`.
pub fn parse_datetime(field: &'static str, text: &str) -> Result<PrimitiveDateTime, ModelError> {
    let (date_part, time_part) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None if text.len() == 14 => (text.get(0..8).unwrap_or(""), text.get(8..14)),
        None => (text, None),
    };
    let date = parse_date(field, date_part)?;
    let time = match time_part {
        None => Time::MIDNIGHT,
        Some(t) => {
            let digits: String = t.chars().filter(|c| *c != ':').collect();
            let part = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u8>().ok());
            let (h, m, s) = match digits.len() {
                4 => (part(0..2), part(2..4), Some(0)),
                6 => (part(0..2), part(2..4), part(4..6)),
                _ => (None, None, None),
            };
            match (h, m, s) {
                (Some(h), Some(m), Some(s)) => Time::from_hms(h, m, s)
                    .map_err(|_| ModelError::invalid(field, "no such time of day"))?,
                _ => return Err(ModelError::invalid(field, "expected a time HH:MM[:SS]")),
            }
        }
    };
    Ok(PrimitiveDateTime::new(date, time))
}

/// `yyyyMMdd` as used on the wire (health-insurance-system.md §4.2).
pub fn wire_date(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

/// `YYYYMMDDHHmmss` (`ProcessExecutionTime`, health-insurance-system.md §4.3).
pub fn wire_datetime(t: PrimitiveDateTime) -> String {
    format!(
        "{}{:02}{:02}{:02}",
        wire_date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The index's compact day number: days since 2000-01-01, saturating to the
/// `u16` range (2000-01-01 … 2179-06-06).
pub fn day_number(date: Date) -> u16 {
    let epoch = Date::from_calendar_date(2000, Month::January, 1).unwrap_or(Date::MIN);
    let days = (date - epoch).whole_days();
    u16::try_from(days.max(0)).unwrap_or(u16::MAX)
}

/// The date of a compact day number.
pub fn date_of_day_number(day: u16) -> Date {
    let epoch = Date::from_calendar_date(2000, Month::January, 1).unwrap_or(Date::MIN);
    epoch
        .checked_add(Duration::days(i64::from(day)))
        .unwrap_or(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date("t", s).unwrap_or(Date::MIN)
    }

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(add_months(d("2025-11-30"), 3).ok(), Some(d("2026-02-28")));
        assert_eq!(add_months(d("2024-02-29"), 12).ok(), Some(d("2025-02-28")));
        assert_eq!(add_months(d("2025-01-15"), 0).ok(), Some(d("2025-01-15")));
    }

    #[test]
    fn parsing_rejects_garbage() {
        assert!(parse_date("t", "2025-13-01").is_err());
        assert!(parse_date("t", "2025-02-30").is_err());
        assert!(parse_date("t", "20250").is_err());
        assert!(parse_datetime("t", "2025-01-01T25:00").is_err());
        assert_eq!(
            parse_datetime("t", "20250102030405")
                .map(wire_datetime)
                .ok()
                .as_deref(),
            Some("20250102030405")
        );
    }

    #[test]
    fn day_numbers_round_trip() {
        let date = d("2031-07-09");
        assert_eq!(date_of_day_number(day_number(date)), date);
        assert_eq!(month_end(d("2024-02-03")), d("2024-02-29"));
    }

    #[test]
    fn advance_moves_forward() {
        let mut c = VirtualClock::at(
            parse_datetime("t", "2025-01-31T23:00").unwrap_or(PrimitiveDateTime::MIN),
        );
        let by = |months, days, hours, minutes| Advance {
            months,
            days,
            hours,
            minutes,
        };
        assert!(c.advance(&by(1, 0, 2, 0)).is_ok());
        assert_eq!(wire_datetime(c.now()), "20250301010000");
        for (bad, field) in [
            (by(0, i64::MIN, 0, 0), "advance.days"),
            (by(0, 0, i64::MIN, 0), "advance.hours"),
            (by(0, 0, 0, i64::MIN), "advance.minutes"),
            (by(0, i64::MAX, 0, 0), "advance.days"),
            (by(0, -1, 0, 0), "advance.days"),
            (by(u32::MAX, 0, 0, 0), "advance.months"),
        ] {
            let before = c;
            match c.advance(&bad) {
                Err(ModelError::Invalid { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{bad:?}: {other:?}"),
            }
            assert_eq!(c, before, "a rejected advance must not move the clock");
        }
        // In range but beyond the calendar: rejected, the clock unmoved.
        let far = by(0, 36_500, 0, 0);
        let before = c;
        let mut moved = 0;
        while c.advance(&far).is_ok() {
            moved += 1;
            assert!(moved < 200, "the clock never reached the end of its range");
        }
        assert_ne!(c, before);
        let end = c;
        assert!(c.advance(&far).is_err());
        assert_eq!(c, end);
    }
}
