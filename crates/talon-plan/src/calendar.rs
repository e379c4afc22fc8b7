//! Calendar dates, weekdays and RFC 3339 times, enough for arrival series: a day is a local
//! date, an interval is minutes into that day, and the two stay apart so a time zone can later
//! move the day boundary without touching the intervals' arithmetic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// Position in the week, Monday 0 … Sunday 6.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// Day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, by Howard Hinnant's `civil_from_days`.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The date `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Day of the week (1970-01-01 was a Thursday).
    pub fn weekday(self) -> Weekday {
        Weekday::ALL[(self.days_since_epoch() + 3).rem_euclid(7) as usize]
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        let bad = || format!("expected a date such as 2003-03-03, not {text:?}");
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let year = digits(&text[0..4]).ok_or_else(bad)?;
        let month = digits(&text[5..7]).ok_or_else(bad)?;
        let day = digits(&text[8..10]).ok_or_else(bad)?;
        Date::new(year as i32, month as u8, day as u8).ok_or_else(bad)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An instant read from an RFC 3339 time, in seconds since 1970-01-01T00:00:00Z.
pub(crate) fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let bad = || format!("expected an RFC 3339 time such as 2003-03-03T07:00:00Z, not {text:?}");
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let date: Date = text[..10].parse().map_err(|_| bad())?;
    if bytes[13] != b':' || bytes[16] != b':' {
        return Err(bad());
    }
    let hour = digits(&text[11..13]).ok_or_else(bad)?;
    let minute = digits(&text[14..16]).ok_or_else(bad)?;
    // A leap second (60) is read as the last second of its minute.
    let second = digits(&text[17..19]).ok_or_else(bad)?.min(59);
    if hour > 23 || minute > 59 {
        return Err(bad());
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(bad)?;
        if end == 0 {
            return Err(bad());
        }
        rest = &fraction[end..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let b = rest.as_bytes();
            if b.len() != 6 || !matches!(b[0], b'+' | b'-') || b[3] != b':' {
                return Err(bad());
            }
            let hours = i64::from(digits(&rest[1..3]).ok_or_else(bad)?);
            let minutes = i64::from(digits(&rest[4..6]).ok_or_else(bad)?);
            if hours > 23 || minutes > 59 {
                return Err(bad());
            }
            let sign = if b[0] == b'-' { -1 } else { 1 };
            sign * (hours * 3600 + minutes * 60)
        }
    };
    Ok(
        date.days_since_epoch() * 86_400 + i64::from(hour * 3600 + minute * 60 + second)
            - offset_secs,
    )
}

/// The local date and the seconds into it of an instant. The data are read in UTC for now;
/// a time zone would change only this function.
pub(crate) fn local_day_and_second(instant: i64) -> (Date, u32) {
    let days = instant.div_euclid(86_400);
    (
        Date::from_days_since_epoch(days),
        instant.rem_euclid(86_400) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_numbers() {
        for days in -800_000..800_000 {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days);
            assert_eq!(Date::new(date.year(), date.month(), date.day()), Some(date));
        }
    }

    #[test]
    fn weekdays_and_text() {
        let date: Date = "2003-03-03".parse().unwrap();
        assert_eq!(date.weekday(), Weekday::Monday);
        assert_eq!(date.plus_days(6).weekday(), Weekday::Sunday);
        assert_eq!(date.to_string(), "2003-03-03");
        assert!("2003-02-29".parse::<Date>().is_err());
        assert!("2004-02-29".parse::<Date>().is_ok());
    }

    #[test]
    fn rfc3339_times() {
        let base = parse_rfc3339("2003-03-03T07:00:00Z").unwrap();
        assert_eq!(base, 1_046_674_800);
        assert_eq!(parse_rfc3339("2003-03-03T09:00:00+02:00"), Ok(base));
        assert_eq!(parse_rfc3339("2003-03-03T02:00:00.250-05:00"), Ok(base));
        assert_eq!(
            local_day_and_second(base),
            ("2003-03-03".parse().unwrap(), 7 * 3600)
        );
        assert!(parse_rfc3339("2003-03-03T07:00:00").is_err());
        assert!(parse_rfc3339("2003-03-03T24:00:00Z").is_err());
    }
}
