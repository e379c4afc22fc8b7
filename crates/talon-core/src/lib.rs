//! Talon's queue engine: the domain types of a branch, the life of a ticket, daily numbering,
//! routing and the views that displays and visitors read.
//!
//! Nothing here does I/O or reads the clock. A [`Command`] applied to a [`BranchState`] at a
//! given instant yields [`Event`]s or a typed [`DomainError`]; applying the events yields the new
//! state ([`BranchState::apply`]). The server persists the events and the simulator replays them,
//! both with the very same code.

mod command;
mod config;
mod error;
mod event;
mod ids;
mod numbering;
mod routing;
mod state;
mod ticket;
mod view;

pub use command::{Command, TransferPosition};
pub use config::{
    BranchSettings, Hours, Interval, Language, NumberRange, Policy, Service, TimeZoneName,
    WeekdayName, WorkProfile, Workplace,
};
pub use error::{DomainError, Entity};
pub use event::{CallReason, Event, EventKind};
pub use ids::{BranchId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
pub use numbering::business_day;
pub use state::{BranchState, Snapshot, WorkplaceState, WorkplaceStatus};
pub use ticket::{Channel, Ticket, TicketStatus};
pub use view::{BranchView, CallView, QueueView, TicketView, WorkplaceView};

/// Executes one command: decides its events against `state` at `now` and applies them.
/// On error the state is untouched. Time never runs backwards within a branch: if the clock
/// stepped back, the command happens at the latest event's instant, so queue order holds.
pub fn execute(
    state: &mut BranchState,
    command: &Command,
    now: jiff::Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let now = state.last_at().map_or(now, |last| now.max(last));
    let kinds = command::decide(state, command, now)?;
    Ok(state.record(kinds, now))
}
