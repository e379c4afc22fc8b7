//! The end of a business day: open tickets of earlier days expire, then the day closes.

use crate::config::BranchSettings;
use crate::event::EventKind;
use crate::numbering::business_day;
use crate::state::BranchState;
use jiff::Timestamp;

/// Ends past business days in two steps, each a command of its own: first the open tickets of
/// earlier days expire; once all of them are final, the latest past day closes and its tickets
/// leave the live state. Two steps, so each expiry is stored as the ticket's last version before
/// the ticket is gone from the state.
pub(super) fn rollover(
    state: &BranchState,
    settings: &BranchSettings,
    now: Timestamp,
) -> Vec<EventKind> {
    let today = business_day(now, settings.time_zone.zone());
    let expired: Vec<EventKind> = state
        .tickets()
        .filter(|t| t.day < today && !t.status.is_final())
        .map(|t| EventKind::TicketExpired { ticket: t.id })
        .collect();
    if !expired.is_empty() {
        return expired;
    }
    state
        .tickets()
        .map(|t| t.day)
        .filter(|d| *d < today)
        .max()
        .map(|day| EventKind::DayClosed { day })
        .into_iter()
        .collect()
}
