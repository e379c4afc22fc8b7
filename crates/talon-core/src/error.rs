//! Typed domain errors. Each has a stable code that the API returns and the UI translates.

use crate::ticket::TicketStatus;
use std::borrow::Cow;
use thiserror::Error;

/// The kinds of things a command can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Branch,
    Service,
    Workplace,
    Profile,
    Category,
    Ticket,
}

impl Entity {
    fn code(self) -> &'static str {
        match self {
            Entity::Branch => "branch_not_found",
            Entity::Service => "service_not_found",
            Entity::Workplace => "workplace_not_found",
            Entity::Profile => "profile_not_found",
            Entity::Category => "category_not_found",
            Entity::Ticket => "ticket_not_found",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("{0:?} not found")]
    NotFound(Entity),
    #[error("invalid {field}: {reason}")]
    /// `field` is a path into the request, e.g. `variants[1].entries` for a variant's rules.
    Invalid {
        field: Cow<'static, str>,
        reason: String,
    },
    #[error("a ticket that is {from} cannot be {action}")]
    InvalidTransition {
        from: TicketStatus,
        action: &'static str,
    },
    #[error("the service is not open for new tickets now")]
    ServiceClosed,
    #[error("the branch issues no tickets now: outside its opening hours or on a holiday")]
    BranchClosed,
    #[error("the service has reached its daily limit of tickets")]
    DailyLimitReached,
    #[error("the service has used every number of its range today")]
    NumberingExhausted,
    #[error("the workplace is not open")]
    WorkplaceNotOpen,
    #[error("the workplace is paused")]
    WorkplacePaused,
    #[error("the workplace is not paused")]
    WorkplaceNotPaused,
    #[error("the workplace is still busy with a ticket")]
    WorkplaceBusy,
    #[error("another operator works at this workplace")]
    WorkplaceOccupied,
    #[error("the operator already works at another workplace")]
    OperatorBusy,
    #[error("another operator works at this workplace")]
    NotYourWorkplace,
    #[error("the ticket is at another operator's workplace")]
    NotYourTicket,
    #[error("the {0:?} is still in use")]
    InUse(Entity),
    #[error("the branch already exists")]
    AlreadyExists,
}

impl DomainError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::NotFound(entity) => entity.code(),
            DomainError::Invalid { .. } => "validation_failed",
            DomainError::InvalidTransition { .. } => "invalid_transition",
            DomainError::ServiceClosed => "service_closed",
            DomainError::BranchClosed => "branch_closed",
            DomainError::DailyLimitReached => "daily_limit_reached",
            DomainError::NumberingExhausted => "numbering_exhausted",
            DomainError::WorkplaceNotOpen => "workplace_not_open",
            DomainError::WorkplacePaused => "workplace_paused",
            DomainError::WorkplaceNotPaused => "workplace_not_paused",
            DomainError::WorkplaceBusy => "workplace_busy",
            DomainError::WorkplaceOccupied => "workplace_occupied",
            DomainError::OperatorBusy => "operator_busy",
            DomainError::NotYourWorkplace | DomainError::NotYourTicket => "not_your_workplace",
            DomainError::InUse(_) => "in_use",
            DomainError::AlreadyExists => "already_exists",
        }
    }

    pub(crate) fn invalid(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The error with its field placed under `prefix` (`weight` of the second variant becomes
    /// `variants[1].weight`), so a form shows it at the part that has it.
    pub(crate) fn within(self, prefix: &str) -> Self {
        match self {
            DomainError::Invalid { field, reason } => DomainError::Invalid {
                field: format!("{prefix}.{field}").into(),
                reason,
            },
            other => other,
        }
    }
}
