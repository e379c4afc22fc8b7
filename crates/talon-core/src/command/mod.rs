//! Commands and the decisions they lead to. `decide` only reads the state: it either returns
//! the events that carry out the command or says why the command is not possible now. The
//! decisions live by group: configuration, tickets, workplaces and the end of a day.

mod configuration;
mod day;
mod tickets;
mod workplaces;

use crate::config::{BranchSettings, Category, Language, Service, WorkProfile, Workplace};
use crate::error::{DomainError, Entity};
use crate::event::EventKind;
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::state::{BranchState, WorkplaceState, WorkplaceStatus};
use crate::ticket::{Channel, Ticket};
use jiff::Timestamp;

/// Where a transferred ticket stands in its new queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    let settings = match (command, state.settings()) {
        (Command::CreateBranch(settings), _) => {
            return configuration::create_branch(state, settings);
        }
        (_, Some(settings)) => settings,
        (_, None) => return Err(DomainError::NotFound(Entity::Branch)),
    };
    let one = |kind: Result<EventKind, DomainError>| kind.map(|k| vec![k]);
    match command {
        Command::CreateBranch(_) => Err(DomainError::AlreadyExists),
        Command::UpdateBranch(settings) => one(configuration::update_branch(settings)),
        Command::DefineService(service) => one(configuration::define_service(state, service)),
        Command::RemoveService(id) => one(configuration::remove_service(state, *id)),
        Command::DefineWorkplace(w) => one(configuration::define_workplace(w)),
        Command::RemoveWorkplace(id) => one(configuration::remove_workplace(state, *id)),
        Command::DefineProfile(profile) => one(configuration::define_profile(state, profile)),
        Command::RemoveProfile(id) => one(configuration::remove_profile(state, *id)),
        Command::DefineCategory(category) => one(configuration::define_category(category)),
        Command::RemoveCategory(id) => one(configuration::remove_category(state, *id)),
        Command::IssueTicket {
            id,
            token_hash,
            service,
            channel,
            language,
            category,
            due_at,
        } => {
            let new = tickets::Issue {
                id: *id,
                token_hash,
                service: *service,
                channel: *channel,
                language: *language,
                category: *category,
                due_at: *due_at,
            };
            one(tickets::issue(state, settings, new, now))
        }
        Command::CallNext { workplace, by } => {
            tickets::call_next(state, settings, *workplace, *by, now)
        }
        Command::CallTicket {
            workplace,
            ticket,
            by,
        } => one(tickets::call_ticket(state, *workplace, *ticket, *by)),
        Command::Recall { ticket, by } => one(tickets::recall(state, *ticket, *by)),
        Command::StartService { ticket, by } => one(tickets::start(state, *ticket, *by)),
        Command::Finish { ticket, by } => tickets::finish(state, *ticket, *by),
        Command::NoShow { ticket, by } => one(tickets::no_show(state, *ticket, *by)),
        Command::Postpone {
            ticket,
            seconds,
            by,
        } => one(tickets::postpone(state, *ticket, *seconds, *by, now)),
        Command::Transfer {
            ticket,
            service,
            position,
            return_after,
            by,
        } => one(tickets::transfer(
            state,
            *ticket,
            *service,
            *position,
            *return_after,
            *by,
            now,
        )),
        Command::TransferToOperator {
            ticket,
            operator,
            by,
        } => one(tickets::transfer_to_operator(
            state, *ticket, *operator, *by,
        )),
        Command::Cancel { ticket } => one(tickets::cancel(state, *ticket)),
        Command::OpenWorkplace {
            workplace,
            operator,
            profile,
        } => one(workplaces::open(state, *workplace, *operator, *profile)),
        Command::PauseWorkplace {
            workplace,
            reason,
            by,
        } => one(workplaces::pause(state, *workplace, reason, *by)),
        Command::ResumeWorkplace { workplace, by } => {
            one(workplaces::resume(state, *workplace, *by))
        }
        Command::CloseWorkplace { workplace, by } => one(workplaces::close(state, *workplace, *by)),
        Command::Rollover => Ok(day::rollover(state, settings, now)),
    }
}

pub(super) fn ticket(state: &BranchState, id: TicketId) -> Result<&Ticket, DomainError> {
    state
        .ticket(id)
        .ok_or(DomainError::NotFound(Entity::Ticket))
}

pub(super) fn workplace(
    state: &BranchState,
    id: WorkplaceId,
) -> Result<&WorkplaceState, DomainError> {
    state
        .workplace(id)
        .ok_or(DomainError::NotFound(Entity::Workplace))
}

pub(super) fn require(
    ticket: &Ticket,
    allowed: bool,
    action: &'static str,
) -> Result<(), DomainError> {
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
pub(super) fn operated_workplace(
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
pub(super) fn ready_workplace(
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
pub(super) fn own_ticket(
    state: &BranchState,
    ticket: &Ticket,
    by: Option<OperatorId>,
) -> Result<WorkplaceId, DomainError> {
    let id = ticket
        .workplace
        .ok_or(DomainError::NotFound(Entity::Workplace))?;
    if by.is_some() && state.workplace(id).and_then(|w| w.operator) != by {
        return Err(DomainError::NotYourTicket);
    }
    Ok(id)
}
