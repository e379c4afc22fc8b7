//! Routing: which waiting ticket a workplace calls next, and why.
//!
//! A queue is ordered by each ticket's place (`queued_at`, then `queued_seq`), so its head is
//! the only candidate of a service and a decision costs O(services in the profile × log n).

use crate::config::{Policy, WorkProfile};
use crate::event::CallReason;
use crate::ids::{ServiceId, TicketId};
use crate::state::BranchState;
use jiff::Timestamp;

/// The ticket the profile calls next at `now`, with the reason, or `None` if nobody eligible waits.
pub(crate) fn choose_next(
    state: &BranchState,
    profile: &WorkProfile,
    now: Timestamp,
) -> Option<(TicketId, CallReason)> {
    let heads = profile
        .services
        .iter()
        .enumerate()
        .filter_map(|(i, &service)| head(state, service, now).map(|h| (i, h)));
    match profile.policy {
        Policy::StrictOrder => heads.min_by_key(|(i, _)| *i).map(|(i, (at, _, id))| {
            (
                id,
                CallReason::StrictOrder {
                    position_in_profile: i,
                    waited_secs: waited(at, now),
                },
            )
        }),
        Policy::LongestWaiting => heads.min_by_key(|(_, key)| *key).map(|(_, (at, _, id))| {
            (
                id,
                CallReason::LongestWaiting {
                    waited_secs: waited(at, now),
                },
            )
        }),
    }
}

/// The first ticket of a service's queue whose place has come (postponed ones wait for theirs).
fn head(
    state: &BranchState,
    service: ServiceId,
    now: Timestamp,
) -> Option<(Timestamp, u64, TicketId)> {
    state.places(service).next().filter(|(at, _, _)| *at <= now)
}

fn waited(since: Timestamp, now: Timestamp) -> i64 {
    now.duration_since(since).as_secs()
}
