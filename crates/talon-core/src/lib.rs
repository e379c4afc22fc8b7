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
#[cfg(feature = "openapi")]
mod openapi;
mod preview;
mod queues;
mod routing;
mod speech;
mod state;
mod ticket;
mod view;

pub use command::{Command, TransferPosition};
pub use config::{
    AfterLast, BranchSettings, Category, CategoryFilter, Hours, Interval, Language, MAX_HOLIDAYS,
    MAX_TICKET_TEXT, NumberRange, Policy, ProfileEntry, RatioScope, RatioStep, Rules, Service,
    TicketTexts, TimeZoneName, Variant, WeekdayName, WorkProfile, Workplace,
};
pub use error::{DomainError, Entity};
pub use event::{CallReason, Event, EventKind, RatioKey, RatioMark, RunnerUp};
pub use ids::{BranchId, CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
pub use numbering::business_day;
pub use preview::{
    MAX_SAMPLE, MAX_SAMPLE_WAIT_SECS, Preview, PreviewCall, SampleTicket, preview_calls,
};
pub use speech::{Gender, announcement, default_template, number_in_words, spoken_ticket};
pub use state::{BranchState, DayCounter, OperatorDay, Snapshot, WorkplaceState, WorkplaceStatus};
pub use ticket::{Channel, Ticket, TicketStatus, number_value};
pub use view::{BranchView, CallView, QueueView, RatioView, TicketView, WorkplaceView};

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
    let mut events = state.record(kinds, now);
    events.extend(auto_calls(state, now));
    Ok(events)
}

/// Calls made by themselves: every open, idle workplace whose profile calls automatically
/// takes the next eligible ticket, in workplace order, until none can.
fn auto_calls(state: &mut BranchState, now: jiff::Timestamp) -> Vec<Event> {
    let mut events = Vec::new();
    // Most branches call by hand: then there is nothing to look for after every command.
    if !state.profiles().any(|p| p.auto_call) {
        return events;
    }
    loop {
        let ready: Vec<WorkplaceId> = state
            .workplaces()
            .filter(|w| w.status == WorkplaceStatus::Open && w.current.is_none())
            .filter(|w| {
                w.profile
                    .and_then(|p| state.profile(p))
                    .is_some_and(|p| p.auto_call)
            })
            .map(|w| w.workplace.id)
            .collect();
        let mut called = false;
        for workplace in ready {
            let call = Command::CallNext {
                workplace,
                by: None,
            };
            if let Ok(kinds) = command::decide(state, &call, now)
                && !kinds.is_empty()
            {
                events.extend(state.record(kinds, now));
                called = true;
            }
        }
        if !called {
            return events;
        }
    }
}
