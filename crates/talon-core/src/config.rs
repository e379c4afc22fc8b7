//! The configuration of a branch: its settings, services, workplaces and work profiles.
//! Every type here is checked by `validate` before a command may define it.

use crate::error::DomainError;
use crate::ids::{CategoryId, ProfileId, ServiceId, WorkplaceId};
use jiff::Zoned;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A language Talon speaks to visitors and staff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The most holidays a branch may list: public holidays for years ahead, yet a bounded list to
/// search at every ticket.
pub const MAX_HOLIDAYS: usize = 1000;
/// The longest header or footer line of a ticket, in characters: a few lines on 58 mm paper.
pub const MAX_TICKET_TEXT: usize = 200;

/// The branch's own settings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchSettings {
    pub name: String,
    pub time_zone: TimeZoneName,
    /// The languages of the branch; the first is its default.
    pub languages: Vec<Language>,
    /// Call announcements per language with `{ticket}` and `{workplace}`, e.g.
    /// "Талон {ticket}, окно {workplace}"; a language without one uses Talon's default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub announcements: BTreeMap<Language, String>,
    /// The branch's opening hours for new tickets; `None` means always open. A service issues
    /// tickets only while both the branch and the service are open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
    /// Dates of the branch's own calendar (its time zone) on which it issues no tickets.
    /// Read in any order; kept ascending, each date once.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "ascending_dates"
    )]
    pub holidays: Vec<Date>,
    /// Lines printed above and below a ticket, per language, e.g. the bank's name and "Thank
    /// you for waiting"; a ticket in a language without them has none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ticket_texts: BTreeMap<Language, TicketTexts>,
}

/// The branch's own lines on a ticket in one language.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketTexts {
    /// Above everything else, e.g. the bank's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Below everything else, e.g. "Thank you for waiting".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
}

/// Holidays as a client sends them, in any order and perhaps twice: sorted and deduplicated, so
/// the stored list is one canonical form and a lookup is a binary search.
fn ascending_dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
    let mut dates = Vec::<Date>::deserialize(d)?;
    dates.sort_unstable();
    dates.dedup();
    Ok(dates)
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
        for template in self.announcements.values() {
            if !template.contains("{ticket}")
                || template.chars().count() > 200
                || template.chars().any(char::is_control)
            {
                return Err(DomainError::invalid(
                    "announcements",
                    "a template names {ticket}, has at most 200 characters and no control \
                     characters",
                ));
            }
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(DomainError::invalid(
                "holidays",
                format!("at most {MAX_HOLIDAYS} dates"),
            ));
        }
        if self.holidays.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(DomainError::invalid(
                "holidays",
                "dates in ascending order, each once",
            ));
        }
        for (language, texts) in &self.ticket_texts {
            for (text, part) in [(&texts.header, "header"), (&texts.footer, "footer")] {
                let Some(text) = text else { continue };
                if text.trim().is_empty()
                    || text.chars().count() > MAX_TICKET_TEXT
                    || text.chars().any(char::is_control)
                {
                    return Err(DomainError::invalid(
                        format!("ticket_texts.{}.{part}", language.code()),
                        format!(
                            "1 to {MAX_TICKET_TEXT} characters, no control characters; leave \
                             it out for none"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn default_language(&self) -> Language {
        self.languages[0]
    }

    /// Whether the branch-local `date` is one of its holidays.
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    /// Whether the branch issues tickets at this branch-local instant: not on a holiday, and
    /// within its hours if it has any.
    pub fn is_open_at(&self, local: &Zoned) -> bool {
        !self.is_holiday(local.date())
            && self
                .hours
                .as_ref()
                .is_none_or(|h| h.is_open(local.weekday(), local.time()))
    }

    /// Its opening hours on a branch-local date: `None` when it has no hours and the date is no
    /// holiday (always open), empty when it is closed all day.
    pub fn hours_on(&self, date: Date) -> Option<&[Interval]> {
        if self.is_holiday(date) {
            return Some(&[]);
        }
        self.hours.as_ref().map(|h| h.on(date.weekday()))
    }

    /// The header and footer of a ticket in `language`, if the branch has them.
    pub fn ticket_texts(&self, language: Language) -> (Option<&str>, Option<&str>) {
        self.ticket_texts
            .get(&language)
            .map_or((None, None), |t| (t.header.as_deref(), t.footer.as_deref()))
    }
}

/// A span of local time within one day, `open` inclusive, `close` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub open: Time,
    pub close: Time,
}

impl Interval {
    pub fn contains(&self, t: Time) -> bool {
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hours(pub BTreeMap<WeekdayName, Vec<Interval>>);

/// A weekday as written in configuration: `mon` … `sun`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
        self.on(weekday).iter().any(|s| s.contains(time))
    }

    /// The spans of `weekday`; empty when it is closed.
    pub fn on(&self, weekday: Weekday) -> &[Interval] {
        self.0
            .get(&WeekdayName::from(weekday))
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The inclusive range of numbers a service hands out in a day, e.g. 1..=999.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRange {
    pub first: u32,
    pub last: u32,
    /// What comes after the last number of the range.
    #[serde(default)]
    pub after_last: AfterLast,
}

/// What a service does once it has handed out the last number of its range in a day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterLast {
    /// Start again from the first number, skipping numbers whose tickets are still open, as
    /// real centres do: a number is given again only once its earlier ticket has ended.
    #[default]
    Wrap,
    /// Refuse further tickets that day (`numbering_exhausted`): a number is never given twice.
    Refuse,
}

impl NumberRange {
    /// How many digits a printed number has: as many as the last number of the range.
    pub fn width(&self) -> usize {
        self.last.to_string().len()
    }
}

/// A service (услуга) with its own queue and daily numbering.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The group a kiosk shows this service under, per language (e.g. "Loans" holding
    /// "Mortgage" and "Car loan"); empty for a service on the kiosk's first screen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group: BTreeMap<Language, String>,
}

impl Service {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.names.is_empty() {
            return Err(DomainError::invalid("names", "at least one name"));
        }
        for name in self.names.values() {
            check_name("names", name)?;
        }
        for name in self.group.values() {
            check_name("group", name)?;
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

    /// Whether it issues tickets at this branch-local instant.
    pub fn is_open_at(&self, local: &Zoned) -> bool {
        self.enabled
            && self
                .hours
                .as_ref()
                .is_none_or(|h| h.is_open(local.weekday(), local.time()))
    }

    /// Its opening hours on `weekday`: `None` when it has no hours (always open), empty when
    /// closed all day.
    pub fn hours_on(&self, weekday: Weekday) -> Option<&[Interval]> {
        self.hours.as_ref().map(|h| h.on(weekday))
    }
}

/// A counter, window or room.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// How a work profile picks among the tickets its entries admit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Serve the first entry of the list while it has anyone waiting, then the next.
    StrictOrder,
    /// Serve whoever has waited longest across all the entries.
    LongestWaiting,
    /// Serve the highest priority first: entry weight × category weight; ties by longest wait.
    Weighted,
    /// Serve the most urgent first: the wait relative to its waiting norm, times the entry's and
    /// the category's weights. Urgency grows with the wait, so nobody starves.
    Urgency,
}

/// Which tickets of a service an entry admits, by customer category.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryFilter {
    /// Every ticket of the service.
    #[default]
    Any,
    /// Only tickets without a category.
    Regular,
    /// Only tickets of these categories.
    Only(Vec<CategoryId>),
}

impl CategoryFilter {
    pub fn admits(&self, category: Option<CategoryId>) -> bool {
        match self {
            CategoryFilter::Any => true,
            CategoryFilter::Regular => category.is_none(),
            CategoryFilter::Only(ids) => category.is_some_and(|c| ids.contains(&c)),
        }
    }
}

/// One line of a work profile: a service, the categories taken from it, and its weight.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    pub service: ServiceId,
    #[serde(default)]
    pub categories: CategoryFilter,
    #[serde(default = "one")]
    pub weight: u32,
    /// A ticket of this entry that has waited this long is called before anything else.
    #[serde(default)]
    pub max_wait_secs: Option<u32>,
}

fn one() -> u32 {
    1
}

/// One step of a ratio: `count` calls from these entries (indexes into the entries).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioStep {
    pub entries: Vec<usize>,
    pub count: u32,
}

/// Whose calls a ratio counts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatioScope {
    /// Each operator keeps their own count.
    #[default]
    Operator,
    /// All operators with the profile share one count.
    Branch,
}

/// The rules a profile calls by: its entries, a policy and an optional ratio.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub entries: Vec<ProfileEntry>,
    pub policy: Policy,
    /// E.g. "2 priority visitors, then 1 regular": steps taken in turn; empty means no ratio.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratio: Vec<RatioStep>,
    #[serde(default)]
    pub ratio_scope: RatioScope,
}

impl Rules {
    fn validate(&self) -> Result<(), DomainError> {
        if self.entries.is_empty() {
            return Err(DomainError::invalid("entries", "at least one entry"));
        }
        let keys: Vec<_> = self
            .entries
            .iter()
            .map(|e| (e.service, &e.categories))
            .collect();
        if has_duplicates(&keys) {
            return Err(DomainError::invalid(
                "entries",
                "a service and category filter is listed twice",
            ));
        }
        if self.entries.iter().any(|e| !(1..=1000).contains(&e.weight)) {
            return Err(DomainError::invalid("weight", "between 1 and 1000"));
        }
        if self.entries.iter().any(|e| e.max_wait_secs == Some(0)) {
            return Err(DomainError::invalid("max_wait_secs", "must be positive"));
        }
        for step in &self.ratio {
            if step.count == 0 || step.count > 100 || step.entries.is_empty() {
                return Err(DomainError::invalid(
                    "ratio",
                    "each step takes 1 to 100 calls from at least one entry",
                ));
            }
            if step.entries.iter().any(|i| *i >= self.entries.len()) {
                return Err(DomainError::invalid(
                    "ratio",
                    "a step names an entry the profile does not have",
                ));
            }
        }
        let in_some_step = |i: usize| self.ratio.iter().any(|s| s.entries.contains(&i));
        if !self.ratio.is_empty() && !(0..self.entries.len()).all(in_some_step) {
            return Err(DomainError::invalid(
                "ratio",
                "every entry belongs to a step, or it would never be called",
            ));
        }
        Ok(())
    }

    pub fn services(&self) -> impl Iterator<Item = ServiceId> + '_ {
        self.entries.iter().map(|e| e.service)
    }
}

/// Rules that replace the profile's own on some weekdays and hours (e.g. 12:00–14:00 only A).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub days: Vec<WeekdayName>,
    pub hours: Interval,
    #[serde(flatten)]
    pub rules: Rules,
}

/// A work profile (рабочий профиль): which tickets an operator serves and in which order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkProfile {
    pub id: ProfileId,
    pub name: String,
    #[serde(flatten)]
    pub rules: Rules,
    /// Rules for some times of the week; the first that covers the moment applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// Call the next ticket by itself whenever the workplace becomes free.
    #[serde(default)]
    pub auto_call: bool,
    /// A called ticket recalled this many times becomes a no-show at the next recall.
    #[serde(default)]
    pub no_show_after_recalls: Option<u32>,
}

impl WorkProfile {
    /// A profile serving whole services in order with one policy.
    pub fn simple(id: ProfileId, name: &str, services: &[ServiceId], policy: Policy) -> Self {
        WorkProfile {
            id,
            name: name.to_string(),
            rules: Rules {
                entries: services
                    .iter()
                    .map(|&service| ProfileEntry {
                        service,
                        categories: CategoryFilter::Any,
                        weight: 1,
                        max_wait_secs: None,
                    })
                    .collect(),
                policy,
                ratio: Vec::new(),
                ratio_scope: RatioScope::Operator,
            },
            variants: Vec::new(),
            auto_call: false,
            no_show_after_recalls: None,
        }
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        check_name("name", &self.name)?;
        self.rules.validate()?;
        for (i, variant) in self.variants.iter().enumerate() {
            if variant.days.is_empty() {
                return Err(DomainError::invalid(
                    format!("variants[{i}].days"),
                    "a variant names its days",
                ));
            }
            variant
                .rules
                .validate()
                .map_err(|e| e.within(&format!("variants[{i}]")))?;
        }
        Ok(())
    }

    /// Every service any of the profile's rules serve.
    pub fn all_services(&self) -> impl Iterator<Item = ServiceId> + '_ {
        self.rules
            .services()
            .chain(self.variants.iter().flat_map(|v| v.rules.services()))
    }

    /// The rules in force at a local weekday and time, and which variant they are (if any).
    pub fn rules_at(&self, weekday: Weekday, time: Time) -> (Option<usize>, &Rules) {
        let day = WeekdayName::from(weekday);
        self.variants
            .iter()
            .enumerate()
            .find(|(_, v)| v.days.contains(&day) && v.hours.contains(time))
            .map_or((None, &self.rules), |(i, v)| (Some(i), &v.rules))
    }
}

/// A customer category (категория клиента).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: CategoryId,
    pub names: BTreeMap<Language, String>,
    /// Call priority relative to regular visitors (weight 1).
    pub weight: u32,
    /// The category's own waiting norm, instead of the service's.
    #[serde(default)]
    pub waiting_norm_secs: Option<u32>,
    /// Only these profiles may call the category; `None` means any.
    #[serde(default)]
    pub profiles: Option<Vec<ProfileId>>,
}

impl Category {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.names.is_empty() {
            return Err(DomainError::invalid("names", "at least one name"));
        }
        for name in self.names.values() {
            check_name("names", name)?;
        }
        if !(1..=1000).contains(&self.weight) {
            return Err(DomainError::invalid("weight", "between 1 and 1000"));
        }
        if self.waiting_norm_secs.is_some_and(|n| n == 0 || n > 86_400) {
            return Err(DomainError::invalid(
                "waiting_norm_secs",
                "between 1 and 86400 seconds",
            ));
        }
        Ok(())
    }

    pub fn allows(&self, profile: ProfileId) -> bool {
        self.profiles.as_ref().is_none_or(|p| p.contains(&profile))
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

pub(crate) fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[..i].contains(a))
}
