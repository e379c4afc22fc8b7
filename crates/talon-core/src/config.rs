//! The configuration of a branch: its settings, services, workplaces and work profiles.
//! Every type here is checked by `validate` before a command may define it.

use crate::error::DomainError;
use crate::ids::{ProfileId, ServiceId, WorkplaceId};
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A language Talon speaks to visitors and staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ru,
    En,
    De,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Ru, Language::En, Language::De];

    pub fn code(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
            Language::De => "de",
        }
    }

    pub fn parse(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// An IANA time zone name together with the zone it names. Serialised as the name.
#[derive(Clone)]
pub struct TimeZoneName {
    name: String,
    zone: TimeZone,
}

impl TimeZoneName {
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        let zone = TimeZone::get(name).map_err(|_| {
            DomainError::invalid("time_zone", format!("unknown time zone {name:?}"))
        })?;
        Ok(TimeZoneName {
            name: name.to_string(),
            zone,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

impl fmt::Debug for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for TimeZoneName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Serialize for TimeZoneName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for TimeZoneName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        TimeZoneName::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// The branch's own settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchSettings {
    pub name: String,
    pub time_zone: TimeZoneName,
    /// The languages of the branch; the first is its default.
    pub languages: Vec<Language>,
}

impl BranchSettings {
    pub fn validate(&self) -> Result<(), DomainError> {
        check_name("name", &self.name)?;
        if self.languages.is_empty() {
            return Err(DomainError::invalid("languages", "at least one language"));
        }
        if has_duplicates(&self.languages) {
            return Err(DomainError::invalid(
                "languages",
                "a language is listed twice",
            ));
        }
        Ok(())
    }

    pub fn default_language(&self) -> Language {
        self.languages[0]
    }
}

/// A span of local time within one day, `open` inclusive, `close` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub open: Time,
    pub close: Time,
}

impl Interval {
    fn contains(&self, t: Time) -> bool {
        self.open <= t && t < self.close
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let close = if self.close == Time::MAX {
            "24:00".to_string()
        } else {
            self.close.strftime("%H:%M").to_string()
        };
        s.serialize_str(&format!("{}-{close}", self.open.strftime("%H:%M")))
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Interval::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a time span like 09:00-18:00"))
        })
    }
}

impl Interval {
    /// Parses `HH:MM-HH:MM`; `24:00` as the end means the end of the day.
    pub fn parse(text: &str) -> Option<Interval> {
        let (a, b) = text.split_once('-')?;
        let open = parse_hhmm(a.trim())?;
        let close = if b.trim() == "24:00" {
            Time::MAX
        } else {
            parse_hhmm(b.trim())?
        };
        (open < close).then_some(Interval { open, close })
    }
}

fn parse_hhmm(text: &str) -> Option<Time> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// Opening hours per weekday; a weekday that is absent is closed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hours(pub BTreeMap<WeekdayName, Vec<Interval>>);

/// A weekday as written in configuration: `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<Weekday> for WeekdayName {
    fn from(w: Weekday) -> Self {
        match w {
            Weekday::Monday => WeekdayName::Mon,
            Weekday::Tuesday => WeekdayName::Tue,
            Weekday::Wednesday => WeekdayName::Wed,
            Weekday::Thursday => WeekdayName::Thu,
            Weekday::Friday => WeekdayName::Fri,
            Weekday::Saturday => WeekdayName::Sat,
            Weekday::Sunday => WeekdayName::Sun,
        }
    }
}

impl Hours {
    pub fn is_open(&self, weekday: Weekday, time: Time) -> bool {
        self.0
            .get(&WeekdayName::from(weekday))
            .is_some_and(|spans| spans.iter().any(|s| s.contains(time)))
    }
}

/// The inclusive range of numbers a service hands out in a day, e.g. 1..=999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRange {
    pub first: u32,
    pub last: u32,
}

impl NumberRange {
    /// How many digits a printed number has: as many as the last number of the range.
    pub fn width(&self) -> usize {
        self.last.to_string().len()
    }
}

/// A service (услуга) with its own queue and daily numbering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    /// The name per language.
    pub names: BTreeMap<Language, String>,
    /// The letters before the number on a ticket, e.g. `A`.
    pub prefix: String,
    pub numbering: NumberRange,
    pub daily_limit: Option<u32>,
    /// Opening hours for new tickets; `None` means always open.
    pub hours: Option<Hours>,
    /// Expected service time (норматив обслуживания), in seconds.
    pub service_norm_secs: u32,
    /// Waiting norm, the service-level target (норматив ожидания), in seconds.
    pub waiting_norm_secs: u32,
    /// A disabled service issues no tickets but keeps its queue.
    pub enabled: bool,
}

impl Service {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.names.is_empty() {
            return Err(DomainError::invalid("names", "at least one name"));
        }
        for name in self.names.values() {
            check_name("names", name)?;
        }
        let letters = self.prefix.chars().count();
        if !(1..=3).contains(&letters) || !self.prefix.chars().all(char::is_alphabetic) {
            return Err(DomainError::invalid("prefix", "one to three letters"));
        }
        if self.numbering.first > self.numbering.last || self.numbering.last > 99_999 {
            return Err(DomainError::invalid(
                "numbering",
                "first must not exceed last, and last must not exceed 99999",
            ));
        }
        if self.daily_limit == Some(0) {
            return Err(DomainError::invalid("daily_limit", "must be positive"));
        }
        if self.service_norm_secs == 0 || self.service_norm_secs > 86_400 {
            return Err(DomainError::invalid(
                "service_norm_secs",
                "between 1 and 86400 seconds",
            ));
        }
        if self.waiting_norm_secs == 0 || self.waiting_norm_secs > 86_400 {
            return Err(DomainError::invalid(
                "waiting_norm_secs",
                "between 1 and 86400 seconds",
            ));
        }
        Ok(())
    }

    /// The name in `language`, else in the first language it has.
    pub fn name(&self, language: Language) -> &str {
        self.names
            .get(&language)
            .or_else(|| self.names.values().next())
            .map_or("", String::as_str)
    }
}

/// A counter, window or room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workplace {
    pub id: WorkplaceId,
    /// What visitors see and hear, e.g. `3`.
    pub name: String,
}

impl Workplace {
    pub fn validate(&self) -> Result<(), DomainError> {
        check_name("name", &self.name)
    }
}

/// How a work profile picks among the tickets of its services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Serve the first service of the list while it has anyone waiting, then the next.
    StrictOrder,
    /// Serve whoever has waited longest across all the profile's services.
    LongestWaiting,
}

/// A work profile (рабочий профиль).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkProfile {
    pub id: ProfileId,
    pub name: String,
    /// The services served, in order of precedence.
    pub services: Vec<ServiceId>,
    pub policy: Policy,
}

impl WorkProfile {
    pub fn validate(&self) -> Result<(), DomainError> {
        check_name("name", &self.name)?;
        if self.services.is_empty() {
            return Err(DomainError::invalid("services", "at least one service"));
        }
        if has_duplicates(&self.services) {
            return Err(DomainError::invalid(
                "services",
                "a service is listed twice",
            ));
        }
        Ok(())
    }
}

fn check_name(field: &'static str, name: &str) -> Result<(), DomainError> {
    let chars = name.chars().count();
    if name.trim().is_empty() || chars > 200 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "1 to 200 characters, no control characters",
        ));
    }
    Ok(())
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[..i].contains(a))
}
