//! Workplace commands: an operator opens a workplace with a work profile, pauses it with a
//! reason, resumes and closes it.

use super::{operated_workplace, ready_workplace, workplace};
use crate::error::{DomainError, Entity};
use crate::event::EventKind;
use crate::ids::{OperatorId, ProfileId, WorkplaceId};
use crate::state::{BranchState, WorkplaceStatus};

/// The longest reason a pause may give, in characters.
const MAX_REASON_CHARS: usize = 100;

pub(super) fn open(
    state: &BranchState,
    id: WorkplaceId,
    operator: OperatorId,
    profile: ProfileId,
) -> Result<EventKind, DomainError> {
    let w = workplace(state, id)?;
    state
        .profile(profile)
        .ok_or(DomainError::NotFound(Entity::Profile))?;
    if w.operator.is_some_and(|o| o != operator) {
        return Err(DomainError::WorkplaceOccupied);
    }
    if state
        .operator_workplace(operator)
        .is_some_and(|other| other.workplace.id != id)
    {
        return Err(DomainError::OperatorBusy);
    }
    Ok(EventKind::WorkplaceOpened {
        workplace: id,
        operator,
        profile,
    })
}

pub(super) fn pause(
    state: &BranchState,
    id: WorkplaceId,
    reason: &str,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let w = ready_workplace(state, id, by)?;
    let chars = reason.chars().count();
    if reason.trim().is_empty() || chars > MAX_REASON_CHARS || reason.chars().any(char::is_control)
    {
        return Err(DomainError::invalid("reason", "1 to 100 characters"));
    }
    Ok(EventKind::WorkplacePaused {
        workplace: w.workplace.id,
        reason: reason.to_string(),
    })
}

pub(super) fn resume(
    state: &BranchState,
    id: WorkplaceId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let w = operated_workplace(state, id, by)?;
    if !matches!(w.status, WorkplaceStatus::Paused { .. }) {
        return Err(DomainError::WorkplaceNotPaused);
    }
    Ok(EventKind::WorkplaceResumed { workplace: id })
}

pub(super) fn close(
    state: &BranchState,
    id: WorkplaceId,
    by: Option<OperatorId>,
) -> Result<EventKind, DomainError> {
    let w = operated_workplace(state, id, by)?;
    if w.current.is_some() {
        return Err(DomainError::WorkplaceBusy);
    }
    Ok(EventKind::WorkplaceClosed { workplace: id })
}
