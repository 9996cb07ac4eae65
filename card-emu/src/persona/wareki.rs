//! Japanese era (和暦) dates: the 券面事項確認AP 生年月日 key is the 和暦
//! `YYMMDD` of birth (card-protocol.md §1.3: 1980-02-17 → `550217`).

use time::{Date, Month};

/// A Japanese era from 大正 on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 大正 (1912-07-30 ..= 1926-12-24).
    Taisho,
    /// 昭和 (1926-12-25 ..= 1989-01-07).
    Showa,
    /// 平成 (1989-01-08 ..= 2019-04-30).
    Heisei,
    /// 令和 (2019-05-01 ..).
    Reiwa,
}

impl Era {
    /// The era a date falls in, or `None` before 大正.
    pub fn of(date: Date) -> Option<Era> {
        let starts = [
            (Era::Reiwa, 2019, Month::May, 1),
            (Era::Heisei, 1989, Month::January, 8),
            (Era::Showa, 1926, Month::December, 25),
            (Era::Taisho, 1912, Month::July, 30),
        ];
        starts.into_iter().find_map(|(era, year, month, day)| {
            let start = Date::from_calendar_date(year, month, day).ok()?;
            (date >= start).then_some(era)
        })
    }

    /// The Gregorian year of the era's first year (元年).
    pub fn first_year(self) -> i32 {
        match self {
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }

    /// The era digit used before the Gregorian date in the 署名用 certificate's
    /// birth otherName (`319800217`, card-protocol.md §4, uncertain):
    /// 明治 1, 大正 2, 昭和 3, 平成 4, 令和 5.
    pub fn digit(self) -> u8 {
        match self {
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }
}

/// The 6-digit 和暦 `YYMMDD` of a date, or `None` before 大正 (or past 令和 99).
pub fn wareki_yymmdd(date: Date) -> Option<String> {
    let era = Era::of(date)?;
    let era_year = date.year() - era.first_year() + 1;
    if !(1..=99).contains(&era_year) {
        return None;
    }
    Some(format!(
        "{era_year:02}{:02}{:02}",
        u8::from(date.month()),
        date.day()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn spec_example() {
        assert_eq!(
            wareki_yymmdd(date!(1980 - 02 - 17)).as_deref(),
            Some("550217")
        );
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(
            wareki_yymmdd(date!(1989 - 01 - 07)).as_deref(),
            Some("640107")
        );
        assert_eq!(
            wareki_yymmdd(date!(1989 - 01 - 08)).as_deref(),
            Some("010108")
        );
        assert_eq!(
            wareki_yymmdd(date!(2019 - 04 - 30)).as_deref(),
            Some("310430")
        );
        assert_eq!(
            wareki_yymmdd(date!(2019 - 05 - 01)).as_deref(),
            Some("010501")
        );
        assert_eq!(
            wareki_yymmdd(date!(1926 - 12 - 25)).as_deref(),
            Some("011225")
        );
        assert_eq!(
            wareki_yymmdd(date!(1926 - 12 - 24)).as_deref(),
            Some("151224")
        );
        assert_eq!(wareki_yymmdd(date!(1912 - 07 - 29)), None);
        assert_eq!(Era::of(date!(2020 - 06 - 15)), Some(Era::Reiwa));
        assert_eq!(Era::of(date!(1980 - 02 - 17)).map(Era::digit), Some(3));
    }
}
