//! Daily numbering: which business day an instant belongs to, and the next number of a service.

use crate::config::Service;
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

/// The printed number the next ticket of `service` gets on `day`.
pub(crate) fn next_number(
    state: &BranchState,
    service: &Service,
    day: Date,
) -> Result<String, DomainError> {
    let issued = state.issued_count(service.id, day);
    if service.daily_limit.is_some_and(|limit| issued >= limit) {
        return Err(DomainError::DailyLimitReached);
    }
    let value = u64::from(service.numbering.first) + u64::from(issued);
    if value > u64::from(service.numbering.last) {
        return Err(DomainError::NumberingExhausted);
    }
    // `value` is at most `last`, a u32.
    let value = value as u32;
    Ok(format_number(
        &service.prefix,
        value,
        service.numbering.width(),
    ))
}
