//! Commands and the decisions they lead to. `decide` only reads the state: it either returns
//! the events that carry out the command or says why the command is not possible now.

use crate::config::{
    BranchSettings, Category, CategoryFilter, Language, Service, WorkProfile, Workplace,
};
use crate::error::{DomainError, Entity};
use crate::event::{CallReason, EventKind, RatioMark};
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::numbering::{business_day, next_number};
use crate::routing::choose_next;
use crate::state::{BranchState, WorkplaceState, WorkplaceStatus};
use crate::ticket::{Channel, Ticket, TicketStatus};
use jiff::{SignedDuration, Timestamp};

/// The longest a ticket may be postponed: one day.
const MAX_POSTPONE_SECS: u32 = 86_400;

/// Where a transferred ticket stands in its new queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferPosition {
    /// Before everyone waiting now.
    Front,
    /// Behind everyone waiting now.
    Back,
    /// By the time the visitor first arrived.
    OriginalArrival,
}

/// Something someone wants done in a branch. `by` names the operator acting; `None` is an
/// administrator, who may act on any workplace.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    CreateBranch(BranchSettings),
    UpdateBranch(BranchSettings),
    DefineService(Service),
    RemoveService(ServiceId),
    DefineWorkplace(Workplace),
    RemoveWorkplace(WorkplaceId),
    DefineProfile(WorkProfile),
    RemoveProfile(ProfileId),
    DefineCategory(Category),
    RemoveCategory(CategoryId),
    IssueTicket {
        id: TicketId,
        token_hash: String,
        service: ServiceId,
        channel: Channel,
        language: Option<Language>,
        category: Option<CategoryId>,
        /// The booked time, for a ticket made by an appointment's check-in.
        due_at: Option<Timestamp>,
    },
    CallNext {
        workplace: WorkplaceId,
        by: Option<OperatorId>,
    },
    CallTicket {
        workplace: WorkplaceId,
        ticket: TicketId,
        by: Option<OperatorId>,
    },
    Recall {
        ticket: TicketId,
        by: Option<OperatorId>,
    },
    StartService {
        ticket: TicketId,
        by: Option<OperatorId>,
    },
    Finish {
        ticket: TicketId,
        by: Option<OperatorId>,
    },
    NoShow {
        ticket: TicketId,
        by: Option<OperatorId>,
    },
    Postpone {
        ticket: TicketId,
        seconds: u32,
        by: Option<OperatorId>,
    },
    Transfer {
        ticket: TicketId,
        service: ServiceId,
        position: TransferPosition,
        /// Come back to the current service after the new one.
        return_after: bool,
        by: Option<OperatorId>,
    },
    /// Into one operator's personal queue: they call it before anything else.
    TransferToOperator {
        ticket: TicketId,
        operator: OperatorId,
        by: Option<OperatorId>,
    },
    /// The visitor gives up their ticket.
    Cancel {
        ticket: TicketId,
    },
    OpenWorkplace {
        workplace: WorkplaceId,
        operator: OperatorId,
        profile: ProfileId,
    },
    PauseWorkplace {
        workplace: WorkplaceId,
        reason: String,
        by: Option<OperatorId>,
    },
    ResumeWorkplace {
        workplace: WorkplaceId,
        by: Option<OperatorId>,
    },
    CloseWorkplace {
        workplace: WorkplaceId,
        by: Option<OperatorId>,
    },
    /// Ends past business days: open tickets of earlier days expire; when none is open any
    /// more, the day closes and its tickets leave the live state. Nothing while the day lasts.
    Rollover,
}

pub(crate) fn decide(
    state: &BranchState,
    command: &Command,
    now: Timestamp,
) -> Result<Vec<EventKind>, DomainError> {
    if let Command::CreateBranch(settings) = command {
        if state.settings().is_some() {
            return Err(DomainError::AlreadyExists);
        }
        settings.validate()?;
        return Ok(vec![EventKind::BranchCreated {
            settings: settings.clone(),
        }]);
    }
    let settings = state
        .settings()
        .ok_or(DomainError::NotFound(Entity::Branch))?;
    let one = |kind| Ok(vec![kind]);
    match command {
        Command::CreateBranch(_) => unreachable!("handled above"),
        Command::UpdateBranch(settings) => {
            settings.validate()?;
            one(EventKind::BranchUpdated {
                settings: settings.clone(),
            })
        }
        Command::DefineService(service) => {
            service.validate()?;
            if state
                .services()
                .any(|s| s.id != service.id && s.prefix == service.prefix)
            {
                return Err(DomainError::invalid(
                    "prefix",
                    "another service has this prefix",
                ));
            }
            one(EventKind::ServiceDefined {
                service: service.clone(),
            })
        }
        Command::RemoveService(id) => {
            state
                .service(*id)
                .ok_or(DomainError::NotFound(Entity::Service))?;
            // Queued tickets are open too, so this covers the queue and the workplaces.
            let open_tickets = state
                .tickets()
                .any(|t| t.service == *id && !t.status.is_final());
            let in_profile = state.profiles().any(|p| p.all_services().any(|s| s == *id));
            if open_tickets || in_profile {
                return Err(DomainError::InUse(Entity::Service));
            }
            one(EventKind::ServiceRemoved { service: *id })
        }
        Command::DefineWorkplace(workplace) => {
            workplace.validate()?;
            one(EventKind::WorkplaceDefined {
                workplace: workplace.clone(),
            })
        }
        Command::RemoveWorkplace(id) => {
            let w = workplace(state, *id)?;
            if w.status != WorkplaceStatus::Closed || w.current.is_some() {
                return Err(DomainError::InUse(Entity::Workplace));
            }
            one(EventKind::WorkplaceRemoved { workplace: *id })
        }
        Command::DefineProfile(profile) => {
            profile.validate()?;
            if let Some(missing) = profile.all_services().find(|s| state.service(*s).is_none()) {
                return Err(DomainError::invalid(
                    "services",
                    format!("service {missing} does not exist"),
                ));
            }
            if let Some(missing) = named_categories(profile).find(|c| state.category(*c).is_none())
            {
                return Err(DomainError::invalid(
                    "categories",
                    format!("category {missing} does not exist"),
                ));
            }
            one(EventKind::ProfileDefined {
                profile: profile.clone(),
            })
        }
        Command::DefineCategory(category) => {
            category.validate()?;
            one(EventKind::CategoryDefined {
                category: category.clone(),
            })
        }
        Command::RemoveCategory(id) => {
            state
                .category(*id)
                .ok_or(DomainError::NotFound(Entity::Category))?;
            let on_ticket = state
                .tickets()
                .any(|t| t.category == Some(*id) && !t.status.is_final());
            let in_profile = state
                .profiles()
                .any(|p| named_categories(p).any(|c| c == *id));
            if on_ticket || in_profile {
                return Err(DomainError::InUse(Entity::Category));
            }
            one(EventKind::CategoryRemoved { category: *id })
        }
        Command::RemoveProfile(id) => {
            state
                .profile(*id)
                .ok_or(DomainError::NotFound(Entity::Profile))?;
            if state.workplaces().any(|w| w.profile == Some(*id)) {
                return Err(DomainError::InUse(Entity::Profile));
            }
            one(EventKind::ProfileRemoved { profile: *id })
        }
        Command::IssueTicket {
            id,
            token_hash,
            service,
            channel,
            language,
            category,
            due_at,
        } => {
            if let Some(c) = category {
                state
                    .category(*c)
                    .ok_or(DomainError::NotFound(Entity::Category))?;
            }
            let service = state
                .service(*service)
                .ok_or(DomainError::NotFound(Entity::Service))?;
            if state.ticket(*id).is_some() || state.ticket_by_token_hash(token_hash).is_some() {
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
            let language = match language {
                Some(l) if settings.languages.contains(l) => *l,
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
            one(EventKind::TicketIssued {
                ticket: *id,
                token_hash: token_hash.clone(),
                number,
                service: service.id,
                day,
                channel: *channel,
                language,
                category: *category,
                due_at: *due_at,
            })
        }
        Command::CallNext { workplace: wp, by } => {
            let w = ready_workplace(state, *wp, *by)?;
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
            one(called(ticket, w, choice.reason, choice.ratio))
        }
        Command::CallTicket {
            workplace: wp,
            ticket: id,
            by,
        } => {
            let w = ready_workplace(state, *wp, *by)?;
            let ticket = ticket(state, *id)?;
            require(ticket, ticket.status.is_queued(), "called")?;
            one(called(ticket, w, CallReason::Chosen, None))
        }
        Command::Recall { ticket: id, by } => {
            let t = ticket(state, *id)?;
            require(t, t.status == TicketStatus::Called, "recalled")?;
            let workplace = own_ticket(state, t, *by)?;
            let limit = state
                .workplace(workplace)
                .and_then(|w| w.profile)
                .and_then(|p| state.profile(p))
                .and_then(|p| p.no_show_after_recalls);
            // After N recalls of this call the next one is a no-show. Calls before a transfer
            // or a postponement do not count: `calls` does, `recalls` starts again at each call.
            if limit.is_some_and(|n| t.recalls >= n) {
                return one(EventKind::TicketNoShow {
                    ticket: t.id,
                    workplace,
                });
            }
            one(EventKind::TicketRecalled {
                ticket: t.id,
                number: t.number.clone(),
                workplace,
                calls: t.calls + 1,
            })
        }
        Command::StartService { ticket: id, by } => {
            let t = ticket(state, *id)?;
            require(t, t.status == TicketStatus::Called, "started")?;
            let workplace = own_ticket(state, t, *by)?;
            one(EventKind::ServiceStarted {
                ticket: t.id,
                workplace,
            })
        }
        Command::Finish { ticket: id, by } => {
            let t = ticket(state, *id)?;
            require(t, t.status == TicketStatus::Serving, "finished")?;
            let workplace = own_ticket(state, t, *by)?;
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
        Command::NoShow { ticket: id, by } => {
            let t = ticket(state, *id)?;
            require(t, t.status == TicketStatus::Called, "marked as a no-show")?;
            let workplace = own_ticket(state, t, *by)?;
            one(EventKind::TicketNoShow {
                ticket: t.id,
                workplace,
            })
        }
        Command::Postpone {
            ticket: id,
            seconds,
            by,
        } => {
            let t = ticket(state, *id)?;
            require(t, !t.status.is_final(), "postponed")?;
            if t.workplace.is_some() && !t.status.is_queued() {
                own_ticket(state, t, *by)?;
            }
            if *seconds > MAX_POSTPONE_SECS {
                return Err(DomainError::invalid("seconds", "at most 86400"));
            }
            let until = now
                .saturating_add(SignedDuration::from_secs(i64::from(*seconds)))
                .map_err(|_| DomainError::invalid("seconds", "out of range"))?;
            one(EventKind::TicketPostponed {
                ticket: t.id,
                until,
            })
        }
        Command::Transfer {
            ticket: id,
            service,
            position,
            return_after,
            by,
        } => {
            let t = ticket(state, *id)?;
            require(t, !t.status.is_final(), "transferred")?;
            if t.workplace.is_some() && !t.status.is_queued() {
                own_ticket(state, t, *by)?;
            }
            state
                .service(*service)
                .ok_or(DomainError::NotFound(Entity::Service))?;
            let queued_at = match position {
                TransferPosition::Front | TransferPosition::Back => now,
                TransferPosition::OriginalArrival => t.created_at,
            };
            one(EventKind::TicketTransferred {
                ticket: t.id,
                from_service: t.service,
                to_service: *service,
                queued_at,
                front: *position == TransferPosition::Front,
                return_to: return_after.then_some(t.service),
            })
        }
        Command::TransferToOperator {
            ticket: id,
            operator,
            by,
        } => {
            let t = ticket(state, *id)?;
            require(t, !t.status.is_final(), "transferred")?;
            if t.workplace.is_some() && !t.status.is_queued() {
                own_ticket(state, t, *by)?;
            }
            one(EventKind::TicketAssigned {
                ticket: t.id,
                operator: *operator,
            })
        }
        Command::Cancel { ticket: id } => {
            let t = ticket(state, *id)?;
            require(
                t,
                t.status.is_queued() || t.status == TicketStatus::Called,
                "cancelled",
            )?;
            one(EventKind::TicketCancelled { ticket: t.id })
        }
        Command::OpenWorkplace {
            workplace: wp,
            operator,
            profile,
        } => {
            let w = workplace(state, *wp)?;
            state
                .profile(*profile)
                .ok_or(DomainError::NotFound(Entity::Profile))?;
            if w.operator.is_some_and(|o| o != *operator) {
                return Err(DomainError::WorkplaceOccupied);
            }
            if state
                .operator_workplace(*operator)
                .is_some_and(|other| other.workplace.id != *wp)
            {
                return Err(DomainError::OperatorBusy);
            }
            one(EventKind::WorkplaceOpened {
                workplace: *wp,
                operator: *operator,
                profile: *profile,
            })
        }
        Command::PauseWorkplace {
            workplace: wp,
            reason,
            by,
        } => {
            let w = ready_workplace(state, *wp, *by)?;
            let chars = reason.chars().count();
            if reason.trim().is_empty() || chars > 100 || reason.chars().any(char::is_control) {
                return Err(DomainError::invalid("reason", "1 to 100 characters"));
            }
            one(EventKind::WorkplacePaused {
                workplace: w.workplace.id,
                reason: reason.clone(),
            })
        }
        Command::ResumeWorkplace { workplace: wp, by } => {
            let w = operated_workplace(state, *wp, *by)?;
            if !matches!(w.status, WorkplaceStatus::Paused { .. }) {
                return Err(DomainError::WorkplaceNotPaused);
            }
            one(EventKind::WorkplaceResumed { workplace: *wp })
        }
        Command::CloseWorkplace { workplace: wp, by } => {
            let w = operated_workplace(state, *wp, *by)?;
            if w.current.is_some() {
                return Err(DomainError::WorkplaceBusy);
            }
            one(EventKind::WorkplaceClosed { workplace: *wp })
        }
        Command::Rollover => Ok(rollover(state, settings, now)),
    }
}

/// Ends past business days in two steps, each a command of its own: first the open tickets of
/// earlier days expire; once all of them are final, the latest past day closes and its tickets
/// leave the live state. Two steps, so each expiry is stored as the ticket's last version before
/// the ticket is gone from the state.
fn rollover(state: &BranchState, settings: &BranchSettings, now: Timestamp) -> Vec<EventKind> {
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

/// The categories a profile's entries name explicitly.
fn named_categories(profile: &WorkProfile) -> impl Iterator<Item = CategoryId> + '_ {
    std::iter::once(&profile.rules)
        .chain(profile.variants.iter().map(|v| &v.rules))
        .flat_map(|r| &r.entries)
        .flat_map(|e| match &e.categories {
            CategoryFilter::Only(ids) => ids.clone(),
            _ => Vec::new(),
        })
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

fn ticket(state: &BranchState, id: TicketId) -> Result<&Ticket, DomainError> {
    state
        .ticket(id)
        .ok_or(DomainError::NotFound(Entity::Ticket))
}

fn workplace(state: &BranchState, id: WorkplaceId) -> Result<&WorkplaceState, DomainError> {
    state
        .workplace(id)
        .ok_or(DomainError::NotFound(Entity::Workplace))
}

fn require(ticket: &Ticket, allowed: bool, action: &'static str) -> Result<(), DomainError> {
    if allowed {
        Ok(())
    } else {
        Err(DomainError::InvalidTransition {
            from: ticket.status,
            action,
        })
    }
}

/// A workplace that is open or paused and, if an operator acts, is theirs.
fn operated_workplace(
    state: &BranchState,
    id: WorkplaceId,
    by: Option<OperatorId>,
) -> Result<&WorkplaceState, DomainError> {
    let w = workplace(state, id)?;
    if w.status == WorkplaceStatus::Closed {
        return Err(DomainError::WorkplaceNotOpen);
    }
    if by.is_some() && w.operator != by {
        return Err(DomainError::NotYourWorkplace);
    }
    Ok(w)
}

/// A workplace that is open, idle and, if an operator acts, theirs: ready to call.
fn ready_workplace(
    state: &BranchState,
    id: WorkplaceId,
    by: Option<OperatorId>,
) -> Result<&WorkplaceState, DomainError> {
    let w = operated_workplace(state, id, by)?;
    if matches!(w.status, WorkplaceStatus::Paused { .. }) {
        return Err(DomainError::WorkplacePaused);
    }
    if w.current.is_some() {
        return Err(DomainError::WorkplaceBusy);
    }
    Ok(w)
}

/// The workplace a called or served ticket is at, checked to be the acting operator's.
fn own_ticket(
    state: &BranchState,
    ticket: &Ticket,
    by: Option<OperatorId>,
) -> Result<WorkplaceId, DomainError> {
    let id = ticket
        .workplace
        .ok_or(DomainError::NotFound(Entity::Workplace))?;
    if by.is_some() && state.workplace(id).and_then(|w| w.operator) != by {
        return Err(DomainError::NotYourWorkplace);
    }
    Ok(id)
}
