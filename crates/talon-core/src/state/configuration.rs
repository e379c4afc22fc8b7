//! How configuration events change the state: services, workplaces, work profiles and
//! customer categories are defined and removed.

use super::{BranchState, WorkplaceState, WorkplaceStatus};
use crate::config::{Category, Service, WorkProfile, Workplace};
use crate::ids::{CategoryId, ProfileId, ServiceId, WorkplaceId};

impl BranchState {
    pub(super) fn define_service(&mut self, service: &Service) {
        self.services.insert(service.id, service.clone());
    }

    pub(super) fn remove_service(&mut self, id: ServiceId) {
        self.services.remove(&id);
    }

    /// A new workplace starts closed; a redefined one keeps what is happening at it.
    pub(super) fn define_workplace(&mut self, workplace: &Workplace) {
        self.workplaces
            .entry(workplace.id)
            .and_modify(|w| w.workplace = workplace.clone())
            .or_insert_with(|| WorkplaceState {
                workplace: workplace.clone(),
                status: WorkplaceStatus::Closed,
                operator: None,
                profile: None,
                current: None,
            });
    }

    pub(super) fn remove_workplace(&mut self, id: WorkplaceId) {
        self.workplaces.remove(&id);
    }

    pub(super) fn define_profile(&mut self, profile: &WorkProfile) {
        self.profiles.insert(profile.id, profile.clone());
    }

    pub(super) fn remove_profile(&mut self, id: ProfileId) {
        self.profiles.remove(&id);
    }

    pub(super) fn define_category(&mut self, category: &Category) {
        self.categories.insert(category.id, category.clone());
    }

    pub(super) fn remove_category(&mut self, id: CategoryId) {
        self.categories.remove(&id);
    }
}
