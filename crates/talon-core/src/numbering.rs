//! Daily numbering: which business day an instant belongs to, and the next number of a service.

use crate::config::{AfterLast, Service};
use crate::error::DomainError;
use crate::state::BranchState;
use crate::ticket::format_number;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The branch-local date of an instant. A day begins at the first instant of that local date,
/// whatever DST or a change of the zone's offset did to its midnight.
pub fn business_day(at: Timestamp, zone: &TimeZone) -> Date {
    at.to_zoned(zone.clone()).date()
}

/// The printed number the next ticket of `service` gets on `day`: the one after the last given,
/// within the range. Past the last, a wrapping service starts again from the first, skipping
/// the numbers of tickets still open today; a refusing one refuses.
pub(crate) fn next_number(
    state: &BranchState,
    service: &Service,
    day: Date,
) -> Result<String, DomainError> {
    let counter = state.day_counter(service.id, day);
    if service
        .daily_limit
        .is_some_and(|limit| counter.issued >= limit)
    {
        return Err(DomainError::DailyLimitReached);
    }
    let range = service.numbering;
    let format = |value: u32| format_number(&service.prefix, value, range.width());
    // The range may have changed since the last number was given.
    let next = counter
        .last
        .map_or(range.first, |last| last.saturating_add(1))
        .max(range.first);
    match range.after_last {
        AfterLast::Refuse if next > range.last => Err(DomainError::NumberingExhausted),
        AfterLast::Refuse => Ok(format(next)),
        AfterLast::Wrap => {
            let span = u64::from(range.last - range.first) + 1;
            let start = u64::from(next - range.first) % span;
            (0..span)
                .map(|i| range.first + ((start + i) % span) as u32)
                .map(format)
                .find(|number| !state.number_in_use(day, number))
                .ok_or(DomainError::NumberingExhausted)
        }
    }
}
