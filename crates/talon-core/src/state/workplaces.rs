//! How workplace events change the state: a workplace opens with an operator and a profile,
//! pauses with a reason, resumes and closes.

use super::{BranchState, WorkplaceStatus};
use crate::ids::{OperatorId, ProfileId, WorkplaceId};

impl BranchState {
    pub(super) fn opened(&mut self, id: WorkplaceId, operator: OperatorId, profile: ProfileId) {
        if let Some(w) = self.workplaces.get_mut(&id) {
            w.status = WorkplaceStatus::Open;
            w.operator = Some(operator);
            w.profile = Some(profile);
        }
        self.last_profiles.insert(operator, profile);
    }

    pub(super) fn paused(&mut self, id: WorkplaceId, reason: &str) {
        if let Some(w) = self.workplaces.get_mut(&id) {
            w.status = WorkplaceStatus::Paused {
                reason: reason.to_string(),
            };
        }
    }

    pub(super) fn resumed(&mut self, id: WorkplaceId) {
        if let Some(w) = self.workplaces.get_mut(&id) {
            w.status = WorkplaceStatus::Open;
        }
    }

    pub(super) fn closed(&mut self, id: WorkplaceId) {
        if let Some(w) = self.workplaces.get_mut(&id) {
            w.status = WorkplaceStatus::Closed;
            w.operator = None;
            w.profile = None;
        }
    }
}
