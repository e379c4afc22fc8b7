//! Ticket commands: issuing, calling (the next by the routing rules, or a chosen one),
//! recalling, serving, no-shows, postponing, transferring and cancelling.

use super::{TransferPosition, own_ticket, ready_workplace, require, ticket};
use crate::config::{BranchSettings, Language};
use crate::error::{DomainError, Entity};
use crate::event::{CallReason, EventKind, RatioMark};
use crate::ids::{CategoryId, OperatorId, ServiceId, TicketId, WorkplaceId};
use crate::numbering::next_number;
use crate::routing::choose_next;
use crate::state::{BranchState, WorkplaceState};
use crate::ticket::{Channel, Ticket, TicketStatus};
use jiff::{SignedDuration, Timestamp};

/// The longest a ticket may be postponed: one day.
const MAX_POSTPONE_SECS: u32 = 86_400;

/// What a new ticket is issued with.
pub(super) struct Issue<'a> {
    pub id: TicketId,
    pub token_hash: &'a str,
    pub service: ServiceId,
    pub channel: Channel,
    pub language: Option<Language>,
    pub category: Option<CategoryId>,
    pub due_at: Option<Timestamp>,
}

pub(super) fn issue(
    state: &BranchState,
    settings: &BranchSettings,
    new: Issue<'_>,
    now: Timestamp,
) -> Result<EventKind, DomainError> {
    if let Some(c) = new.category {
        state
            .category(c)
            .ok_or(DomainError::NotFound(Entity::Category))?;
    }
    let service = state
        .service(new.service)
        .ok_or(DomainError::NotFound(Entity::Service))?;
    if state.ticket(new.id).is_some() || state.ticket_by_token_hash(new.token_hash).is_some() {
        return Err(DomainError::AlreadyExists);
    }
    let local = now.to_zoned(settings.time_zone.zone().clone());
    // The branch first: on a holiday every service is closed, whatever its own hours.
    if !settings.is_open_at(&local) {
        return Err(DomainError::BranchClosed);
    }
    if !service.is_open_at(&local) {
        return Err(DomainError::ServiceClosed);
    }
    let language = match new.language {
        Some(l) if settings.languages.contains(&l) => l,
        Some(_) => {
            return Err(DomainError::invalid(
                "language",
                "not a language of this branch",
            ));
        }
        None => settings.default_language(),
    };
    let day = local.date();
    let number = next_number(state, service, day)?;
    Ok(EventKind::TicketIssued {
        ticket: new.id,
        token_hash: new.token_hash.to_string(),
        number,
        service: service.id,
        day,
        channel: new.channel,
        language,
        category: new.category,
        due_at: new.due_at,
    })
}

/// The next ticket by the workplace's profile, or nothing when nobody eligible waits.
pub(super) fn call_next(
    state: &BranchState,
    settings: &BranchSettings,
    workplace: WorkplaceId,
    by: Option<OperatorId>,
    now: Timestamp,
) -> Result<Vec<EventKind>, DomainError> {
    let w = ready_workplace(state, workplace, by)?;
    let profile = w
        .profile
        .and_then(|p| state.profile(p))
        .ok_or(DomainError::NotFound(Entity::Profile))?;
    let local = now.to_zoned(settings.time_zone.zone().clone());
    let Some(choice) = choose_next(
        state,
        profile,
        w.operator,
        (local.weekday(), local.time()),
        now,
    ) else {
        return Ok(vec![]);
    };
    let ticket = ticket(state, choice.ticket)?;
    Ok(vec![called(ticket, w, choice.reason, choice.ratio)])
}

pub(super) fn call_ticket(
    state: &BranchState,
    workplace: WorkplaceId,
    id: TicketId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let w = ready_workplace(state, workplace, by)?;
    let ticket = ticket(state, id)?;
    require(ticket, ticket.status.is_queued(), "called")?;
    Ok(called(ticket, w, CallReason::Chosen, None))
}

pub(super) fn recall(
    state: &BranchState,
    id: TicketId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let t = ticket(state, id)?;
    require(t, t.status == TicketStatus::Called, "recalled")?;
    let workplace = own_ticket(state, t, by)?;
    let limit = state
        .workplace(workplace)
        .and_then(|w| w.profile)
        .and_then(|p| state.profile(p))
        .and_then(|p| p.no_show_after_recalls);
    // After N recalls of this call the next one is a no-show. Calls before a transfer or a
    // postponement do not count: `calls` does, `recalls` starts again at each call.
    if limit.is_some_and(|n| t.recalls >= n) {
        return Ok(EventKind::TicketNoShow {
            ticket: t.id,
            workplace,
        });
    }
    Ok(EventKind::TicketRecalled {
        ticket: t.id,
        number: t.number.clone(),
        workplace,
        calls: t.calls + 1,
    })
}

pub(super) fn start(
    state: &BranchState,
    id: TicketId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let t = ticket(state, id)?;
    require(t, t.status == TicketStatus::Called, "started")?;
    let workplace = own_ticket(state, t, by)?;
    Ok(EventKind::ServiceStarted {
        ticket: t.id,
        workplace,
    })
}

/// Finishes the service; a ticket transferred with "come back after" returns to its original
/// service at the front of its queue.
pub(super) fn finish(
    state: &BranchState,
    id: TicketId,
    by: Option<OperatorId>,
) -> Result<Vec<EventKind>, DomainError> {
    let t = ticket(state, id)?;
    require(t, t.status == TicketStatus::Serving, "finished")?;
    let workplace = own_ticket(state, t, by)?;
    let mut events = vec![EventKind::ServiceFinished {
        ticket: t.id,
        workplace,
    }];
    if let Some(original) = t.return_to.filter(|s| state.service(*s).is_some()) {
        events.push(EventKind::TicketReturned {
            ticket: t.id,
            to_service: original,
        });
    }
    Ok(events)
}

pub(super) fn no_show(
    state: &BranchState,
    id: TicketId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let t = ticket(state, id)?;
    require(t, t.status == TicketStatus::Called, "marked as a no-show")?;
    let workplace = own_ticket(state, t, by)?;
    Ok(EventKind::TicketNoShow {
        ticket: t.id,
        workplace,
    })
}

pub(super) fn postpone(
    state: &BranchState,
    id: TicketId,
    seconds: u32,
    by: Option<OperatorId>,
    now: Timestamp,
) -> Result<EventKind, DomainError> {
    let t = movable(state, id, "postponed", by)?;
    if seconds > MAX_POSTPONE_SECS {
        return Err(DomainError::invalid("seconds", "at most 86400"));
    }
    let until = now
        .saturating_add(SignedDuration::from_secs(i64::from(seconds)))
        .map_err(|_| DomainError::invalid("seconds", "out of range"))?;
    Ok(EventKind::TicketPostponed {
        ticket: t.id,
        until,
    })
}

pub(super) fn transfer(
    state: &BranchState,
    id: TicketId,
    service: ServiceId,
    position: TransferPosition,
    return_after: bool,
    by: Option<OperatorId>,
    now: Timestamp,
) -> Result<EventKind, DomainError> {
    let t = movable(state, id, "transferred", by)?;
    state
        .service(service)
        .ok_or(DomainError::NotFound(Entity::Service))?;
    let queued_at = match position {
        TransferPosition::Front | TransferPosition::Back => now,
        TransferPosition::OriginalArrival => t.created_at,
    };
    Ok(EventKind::TicketTransferred {
        ticket: t.id,
        from_service: t.service,
        to_service: service,
        queued_at,
        front: position == TransferPosition::Front,
        return_to: return_after.then_some(t.service),
    })
}

pub(super) fn transfer_to_operator(
    state: &BranchState,
    id: TicketId,
    operator: OperatorId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let t = movable(state, id, "transferred", by)?;
    Ok(EventKind::TicketAssigned {
        ticket: t.id,
        operator,
    })
}

pub(super) fn cancel(state: &BranchState, id: TicketId) -> Result<EventKind, DomainError> {
    let t = ticket(state, id)?;
    require(
        t,
        t.status.is_queued() || t.status == TicketStatus::Called,
        "cancelled",
    )?;
    Ok(EventKind::TicketCancelled { ticket: t.id })
}

/// A ticket that is not final and, if it is at a workplace, at the acting operator's.
fn movable<'a>(
    state: &'a BranchState,
    id: TicketId,
    action: &'static str,
    by: Option<OperatorId>,
) -> Result<&'a Ticket, DomainError> {
    let t = ticket(state, id)?;
    require(t, !t.status.is_final(), action)?;
    if t.workplace.is_some() && !t.status.is_queued() {
        own_ticket(state, t, by)?;
    }
    Ok(t)
}

fn called(
    ticket: &Ticket,
    w: &WorkplaceState,
    reason: CallReason,
    ratio: Option<RatioMark>,
) -> EventKind {
    EventKind::TicketCalled {
        ticket: ticket.id,
        number: ticket.number.clone(),
        service: ticket.service,
        workplace: w.workplace.id,
        // `ready_workplace` checked that the workplace is open, so it has an operator.
        operator: w.operator.unwrap_or(OperatorId(0)),
        reason,
        ratio,
    }
}
