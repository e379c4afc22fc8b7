//! Events: every change to a branch is one. The event log is the audit trail, the source of
//! statistics and the replay source of live clients.

use crate::config::{BranchSettings, Category, Language, Service, WorkProfile, Workplace};
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::ticket::Channel;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// One recorded change, numbered by the branch's own sequence.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: Timestamp,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Why a ticket was called: the rule and the values it compared.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum CallReason {
    /// The first service of the profile's list that had someone waiting.
    StrictOrder {
        position_in_profile: usize,
        waited_secs: i64,
    },
    /// The longest wait among all the profile's services.
    LongestWaiting { waited_secs: i64 },
    /// The highest priority: entry weight × category weight.
    Weighted {
        position_in_profile: usize,
        priority: u64,
        waited_secs: i64,
        runner_up: Option<RunnerUp>,
    },
    /// The greatest urgency: wait ÷ waiting norm × weights, in thousandths.
    Urgency {
        position_in_profile: usize,
        urgency_permille: u64,
        waited_secs: i64,
        norm_secs: u32,
        runner_up: Option<RunnerUp>,
    },
    /// A ticket of an entry with a maximum wait had waited longer.
    MaxWaitExceeded {
        position_in_profile: usize,
        waited_secs: i64,
        max_wait_secs: u32,
    },
    /// A ticket transferred to this operator's personal queue.
    Personal { waited_secs: i64 },
    /// An appointment whose booked time has come.
    AppointmentDue { due_at: Timestamp },
    /// The operator chose this ticket.
    Chosen,
}

/// The best ticket that was not chosen, and its value by the same measure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunnerUp {
    pub number: String,
    pub value: u64,
}

/// Whose ratio count a call moved, and where it stands after it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RatioKey {
    pub profile: ProfileId,
    /// The time variant whose rules applied, if any.
    pub variant: Option<usize>,
    /// The operator, for a ratio counted per operator.
    pub operator: Option<OperatorId>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatioMark {
    pub key: RatioKey,
    /// Where the ratio stands after the call: the step whose turn it is and how many calls it
    /// has had in that turn. The call that completes a step leaves the next step at 0.
    pub step: usize,
    pub served: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    BranchCreated {
        settings: BranchSettings,
    },
    BranchUpdated {
        settings: BranchSettings,
    },
    ServiceDefined {
        service: Service,
    },
    ServiceRemoved {
        service: ServiceId,
    },
    WorkplaceDefined {
        workplace: Workplace,
    },
    WorkplaceRemoved {
        workplace: WorkplaceId,
    },
    ProfileDefined {
        profile: WorkProfile,
    },
    ProfileRemoved {
        profile: ProfileId,
    },
    CategoryDefined {
        category: Category,
    },
    CategoryRemoved {
        category: CategoryId,
    },
    TicketIssued {
        ticket: TicketId,
        token_hash: String,
        number: String,
        service: ServiceId,
        day: Date,
        channel: Channel,
        language: Language,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<CategoryId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<Timestamp>,
    },
    TicketCalled {
        ticket: TicketId,
        number: String,
        service: ServiceId,
        workplace: WorkplaceId,
        operator: OperatorId,
        reason: CallReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratio: Option<RatioMark>,
    },
    TicketRecalled {
        ticket: TicketId,
        number: String,
        workplace: WorkplaceId,
        calls: u32,
    },
    ServiceStarted {
        ticket: TicketId,
        workplace: WorkplaceId,
    },
    ServiceFinished {
        ticket: TicketId,
        workplace: WorkplaceId,
    },
    TicketNoShow {
        ticket: TicketId,
        workplace: WorkplaceId,
    },
    TicketPostponed {
        ticket: TicketId,
        until: Timestamp,
    },
    TicketTransferred {
        ticket: TicketId,
        from_service: ServiceId,
        to_service: ServiceId,
        /// Where the ticket stands in the new queue.
        queued_at: Timestamp,
        #[serde(default)]
        front: bool,
        /// Return to the original service after this one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        return_to: Option<ServiceId>,
    },
    /// Transferred to one operator's personal queue.
    TicketAssigned {
        ticket: TicketId,
        operator: OperatorId,
    },
    /// Done at the service it was transferred to, back at the front of its original one.
    TicketReturned {
        ticket: TicketId,
        to_service: ServiceId,
    },
    TicketCancelled {
        ticket: TicketId,
    },
    TicketExpired {
        ticket: TicketId,
    },
    /// The business day `day` is over: its finished tickets leave the live state.
    DayClosed {
        day: Date,
    },
    WorkplaceOpened {
        workplace: WorkplaceId,
        operator: OperatorId,
        profile: ProfileId,
    },
    WorkplacePaused {
        workplace: WorkplaceId,
        reason: String,
    },
    WorkplaceResumed {
        workplace: WorkplaceId,
    },
    WorkplaceClosed {
        workplace: WorkplaceId,
    },
}

impl EventKind {
    /// The event's type name as it appears in JSON and in the store.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::BranchCreated { .. } => "branch_created",
            EventKind::BranchUpdated { .. } => "branch_updated",
            EventKind::ServiceDefined { .. } => "service_defined",
            EventKind::ServiceRemoved { .. } => "service_removed",
            EventKind::WorkplaceDefined { .. } => "workplace_defined",
            EventKind::WorkplaceRemoved { .. } => "workplace_removed",
            EventKind::ProfileDefined { .. } => "profile_defined",
            EventKind::ProfileRemoved { .. } => "profile_removed",
            EventKind::CategoryDefined { .. } => "category_defined",
            EventKind::CategoryRemoved { .. } => "category_removed",
            EventKind::TicketIssued { .. } => "ticket_issued",
            EventKind::TicketCalled { .. } => "ticket_called",
            EventKind::TicketRecalled { .. } => "ticket_recalled",
            EventKind::ServiceStarted { .. } => "service_started",
            EventKind::ServiceFinished { .. } => "service_finished",
            EventKind::TicketNoShow { .. } => "ticket_no_show",
            EventKind::TicketPostponed { .. } => "ticket_postponed",
            EventKind::TicketTransferred { .. } => "ticket_transferred",
            EventKind::TicketAssigned { .. } => "ticket_assigned",
            EventKind::TicketReturned { .. } => "ticket_returned",
            EventKind::TicketCancelled { .. } => "ticket_cancelled",
            EventKind::TicketExpired { .. } => "ticket_expired",
            EventKind::DayClosed { .. } => "day_closed",
            EventKind::WorkplaceOpened { .. } => "workplace_opened",
            EventKind::WorkplacePaused { .. } => "workplace_paused",
            EventKind::WorkplaceResumed { .. } => "workplace_resumed",
            EventKind::WorkplaceClosed { .. } => "workplace_closed",
        }
    }

    /// The ticket this event changes, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            EventKind::TicketIssued { ticket, .. }
            | EventKind::TicketCalled { ticket, .. }
            | EventKind::TicketRecalled { ticket, .. }
            | EventKind::ServiceStarted { ticket, .. }
            | EventKind::ServiceFinished { ticket, .. }
            | EventKind::TicketNoShow { ticket, .. }
            | EventKind::TicketPostponed { ticket, .. }
            | EventKind::TicketTransferred { ticket, .. }
            | EventKind::TicketAssigned { ticket, .. }
            | EventKind::TicketReturned { ticket, .. }
            | EventKind::TicketCancelled { ticket }
            | EventKind::TicketExpired { ticket } => Some(*ticket),
            _ => None,
        }
    }

    /// Whether this event changes the branch's configuration.
    pub fn changes_config(&self) -> bool {
        matches!(
            self,
            EventKind::BranchCreated { .. }
                | EventKind::BranchUpdated { .. }
                | EventKind::ServiceDefined { .. }
                | EventKind::ServiceRemoved { .. }
                | EventKind::WorkplaceDefined { .. }
                | EventKind::WorkplaceRemoved { .. }
                | EventKind::ProfileDefined { .. }
                | EventKind::ProfileRemoved { .. }
                | EventKind::CategoryDefined { .. }
                | EventKind::CategoryRemoved { .. }
        )
    }
}
