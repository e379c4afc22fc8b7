//! Configuration commands: the branch's settings, its services, workplaces, work profiles and
//! customer categories. Each is checked against the live state (a service still in a profile
//! cannot be removed, a profile cannot name a service that does not exist).

use super::workplace;
use crate::config::{BranchSettings, Category, CategoryFilter, Service, WorkProfile, Workplace};
use crate::error::{DomainError, Entity};
use crate::event::EventKind;
use crate::ids::{CategoryId, ProfileId, ServiceId, WorkplaceId};
use crate::state::{BranchState, WorkplaceStatus};

pub(super) fn create_branch(
    state: &BranchState,
    settings: &BranchSettings,
) -> Result<Vec<EventKind>, DomainError> {
    if state.settings().is_some() {
        return Err(DomainError::AlreadyExists);
    }
    settings.validate()?;
    Ok(vec![EventKind::BranchCreated {
        settings: settings.clone(),
    }])
}

pub(super) fn update_branch(settings: &BranchSettings) -> Result<EventKind, DomainError> {
    settings.validate()?;
    Ok(EventKind::BranchUpdated {
        settings: settings.clone(),
    })
}

pub(super) fn define_service(
    state: &BranchState,
    service: &Service,
) -> Result<EventKind, DomainError> {
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
    Ok(EventKind::ServiceDefined {
        service: service.clone(),
    })
}

pub(super) fn remove_service(state: &BranchState, id: ServiceId) -> Result<EventKind, DomainError> {
    state
        .service(id)
        .ok_or(DomainError::NotFound(Entity::Service))?;
    // Queued tickets are open too, so this covers the queue and the workplaces.
    let open_tickets = state
        .tickets()
        .any(|t| t.service == id && !t.status.is_final());
    let in_profile = state.profiles().any(|p| p.all_services().any(|s| s == id));
    if open_tickets || in_profile {
        return Err(DomainError::InUse(Entity::Service));
    }
    Ok(EventKind::ServiceRemoved { service: id })
}

pub(super) fn define_workplace(workplace: &Workplace) -> Result<EventKind, DomainError> {
    workplace.validate()?;
    Ok(EventKind::WorkplaceDefined {
        workplace: workplace.clone(),
    })
}

pub(super) fn remove_workplace(
    state: &BranchState,
    id: WorkplaceId,
) -> Result<EventKind, DomainError> {
    let w = workplace(state, id)?;
    if w.status != WorkplaceStatus::Closed || w.current.is_some() {
        return Err(DomainError::InUse(Entity::Workplace));
    }
    Ok(EventKind::WorkplaceRemoved { workplace: id })
}

pub(super) fn define_profile(
    state: &BranchState,
    profile: &WorkProfile,
) -> Result<EventKind, DomainError> {
    profile.validate()?;
    if let Some(missing) = profile.all_services().find(|s| state.service(*s).is_none()) {
        return Err(DomainError::invalid(
            "services",
            format!("service {missing} does not exist"),
        ));
    }
    if let Some(missing) = named_categories(profile).find(|c| state.category(*c).is_none()) {
        return Err(DomainError::invalid(
            "categories",
            format!("category {missing} does not exist"),
        ));
    }
    Ok(EventKind::ProfileDefined {
        profile: profile.clone(),
    })
}

pub(super) fn remove_profile(state: &BranchState, id: ProfileId) -> Result<EventKind, DomainError> {
    state
        .profile(id)
        .ok_or(DomainError::NotFound(Entity::Profile))?;
    if state.workplaces().any(|w| w.profile == Some(id)) {
        return Err(DomainError::InUse(Entity::Profile));
    }
    Ok(EventKind::ProfileRemoved { profile: id })
}

pub(super) fn define_category(category: &Category) -> Result<EventKind, DomainError> {
    category.validate()?;
    Ok(EventKind::CategoryDefined {
        category: category.clone(),
    })
}

pub(super) fn remove_category(
    state: &BranchState,
    id: CategoryId,
) -> Result<EventKind, DomainError> {
    state
        .category(id)
        .ok_or(DomainError::NotFound(Entity::Category))?;
    let on_ticket = state
        .tickets()
        .any(|t| t.category == Some(id) && !t.status.is_final());
    let in_profile = state
        .profiles()
        .any(|p| named_categories(p).any(|c| c == id));
    if on_ticket || in_profile {
        return Err(DomainError::InUse(Entity::Category));
    }
    Ok(EventKind::CategoryRemoved { category: id })
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
