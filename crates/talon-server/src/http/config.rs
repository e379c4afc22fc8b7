//! A branch's services, workplaces and work profiles. Each change is a command through the
//! branch's actor, so the engine validates it against the live state (a service still in a
//! profile cannot be removed, say) and it becomes an event like every other change.

use crate::app::App;
use crate::branch::BranchHandle;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::policy::CONFIGURE;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use talon_core::AfterLast;
use talon_core::{
    BranchId, BranchState, Category, CategoryId, Command, DomainError, Entity, Hours, Language,
    NumberRange, Policy, Preview, ProfileEntry, ProfileId, RatioScope, RatioStep, Rules,
    SampleTicket, Service, ServiceId, Variant, WorkProfile, Workplace, WorkplaceId,
};
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(CONFIGURE, create_service),
        route!(CONFIGURE, update_service),
        route!(CONFIGURE, remove_service),
        route!(CONFIGURE, create_workplace),
        route!(CONFIGURE, update_workplace),
        route!(CONFIGURE, remove_workplace),
        route!(CONFIGURE, create_profile),
        route!(CONFIGURE, update_profile),
        route!(CONFIGURE, remove_profile),
        route!(CONFIGURE, preview_profile),
        route!(CONFIGURE, create_category),
        route!(CONFIGURE, update_category),
        route!(CONFIGURE, remove_category),
    ]
}

/// A service as an administrator writes it; what is left out takes its default.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    names: BTreeMap<Language, String>,
    prefix: String,
    #[serde(default = "default_numbering")]
    numbering: NumberRange,
    #[serde(default)]
    daily_limit: Option<u32>,
    #[serde(default)]
    hours: Option<Hours>,
    #[serde(default = "default_service_norm")]
    service_norm_secs: u32,
    #[serde(default = "default_waiting_norm")]
    waiting_norm_secs: u32,
    #[serde(default = "enabled")]
    enabled: bool,
    #[serde(default)]
    group: BTreeMap<Language, String>,
}

/// What a new item gets for a field left out, here and in an imported configuration file.
pub(crate) fn default_numbering() -> NumberRange {
    NumberRange {
        first: 1,
        last: 999,
        after_last: AfterLast::Wrap,
    }
}

pub(crate) fn default_service_norm() -> u32 {
    300
}

pub(crate) fn default_waiting_norm() -> u32 {
    900
}

pub(crate) fn enabled() -> bool {
    true
}

impl ServiceInput {
    fn into_service(self, id: ServiceId) -> Service {
        Service {
            id,
            names: self.names,
            prefix: self.prefix,
            numbering: self.numbering,
            daily_limit: self.daily_limit,
            hours: self.hours,
            service_norm_secs: self.service_norm_secs,
            waiting_norm_secs: self.waiting_norm_secs,
            enabled: self.enabled,
            group: self.group,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkplaceInput {
    name: String,
}

/// A work profile as an administrator writes it: either whole `services` in order (the simple
/// form) or `entries` with category filters, weights and maximum waits.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    name: String,
    #[serde(default)]
    services: Option<Vec<ServiceId>>,
    #[serde(default)]
    entries: Option<Vec<ProfileEntry>>,
    #[serde(default = "longest_waiting")]
    policy: Policy,
    #[serde(default)]
    ratio: Vec<RatioStep>,
    #[serde(default)]
    ratio_scope: RatioScope,
    #[serde(default)]
    variants: Vec<Variant>,
    #[serde(default)]
    auto_call: bool,
    #[serde(default)]
    no_show_after_recalls: Option<u32>,
}

pub(crate) fn longest_waiting() -> Policy {
    Policy::LongestWaiting
}

impl ProfileInput {
    fn into_profile(self, id: ProfileId) -> Result<WorkProfile, ApiError> {
        let mut profile = match (self.services, self.entries) {
            (Some(services), None) => WorkProfile::simple(id, &self.name, &services, self.policy),
            (None, Some(entries)) => WorkProfile {
                rules: Rules {
                    entries,
                    policy: self.policy,
                    ratio: Vec::new(),
                    ratio_scope: RatioScope::Operator,
                },
                ..WorkProfile::simple(id, &self.name, &[], self.policy)
            },
            _ => {
                return Err(ApiError::invalid(
                    "a profile has either services or entries",
                ));
            }
        };
        profile.rules.ratio = self.ratio;
        profile.rules.ratio_scope = self.ratio_scope;
        profile.variants = self.variants;
        profile.auto_call = self.auto_call;
        profile.no_show_after_recalls = self.no_show_after_recalls;
        Ok(profile)
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    names: BTreeMap<Language, String>,
    #[serde(default = "enabled_weight")]
    weight: u32,
    #[serde(default)]
    waiting_norm_secs: Option<u32>,
    #[serde(default)]
    profiles: Option<Vec<ProfileId>>,
}

pub(crate) fn enabled_weight() -> u32 {
    1
}

impl CategoryInput {
    /// Fails unless every profile the category names is one of this branch. (The engine cannot
    /// tell: a configuration file defines categories before the profiles they name.)
    async fn check_profiles(&self, handle: &BranchHandle) -> Result<(), ApiError> {
        let Some(profiles) = self.profiles.clone() else {
            return Ok(());
        };
        let missing = handle
            .read(move |s| profiles.into_iter().find(|p| s.profile(*p).is_none()))
            .await?;
        match missing {
            Some(missing) => Err(ApiError {
                field: Some("profiles".into()),
                ..ApiError::invalid(format!("profile {missing} is not one of this branch"))
            }),
            None => Ok(()),
        }
    }

    fn into_category(self, id: CategoryId) -> Category {
        Category {
            id,
            names: self.names,
            weight: self.weight,
            waiting_norm_secs: self.waiting_norm_secs,
            profiles: self.profiles,
        }
    }
}

/// Runs the command that defines `item` and answers with the item as saved.
async fn define<T: Clone + Send + 'static>(
    handle: &BranchHandle,
    item: T,
    command: impl FnOnce(T) -> Command,
) -> Result<T, ApiError> {
    let saved = item.clone();
    handle.execute(command(item), |_, _| ()).await?;
    Ok(saved)
}

/// Fails unless `exists` holds in the branch: an id from another branch is not found here.
async fn existing(
    handle: &BranchHandle,
    entity: Entity,
    exists: impl FnOnce(&BranchState) -> bool + Send + 'static,
) -> Result<(), ApiError> {
    if handle.read(exists).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound(entity).into())
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/services",
    tag = "configuration",
    summary = "Create a service",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = ServiceInput,
    responses(
        (status = 201, description = "Created.", body = Service),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn create_service(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(input): Json<ServiceInput>,
) -> Result<(StatusCode, axum::Json<Service>), ApiError> {
    let handle = app.branch(branch)?;
    let service = input.into_service(ServiceId(app.next_id().await?));
    Ok((
        StatusCode::CREATED,
        axum::Json(define(&handle, service, Command::DefineService).await?),
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/branches/{branch}/services/{id}",
    tag = "configuration",
    summary = "Replace a service",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Service id.")),
    request_body = ServiceInput,
    responses(
        (status = 200, description = "The service as saved.", body = Service),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `service_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn update_service(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, ServiceId)>,
    Json(input): Json<ServiceInput>,
) -> Result<axum::Json<Service>, ApiError> {
    let handle = app.branch(branch)?;
    existing(&handle, Entity::Service, move |s| s.service(id).is_some()).await?;
    let service = input.into_service(id);
    Ok(axum::Json(
        define(&handle, service, Command::DefineService).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/branches/{branch}/services/{id}",
    tag = "configuration",
    summary = "Remove a service",
    description = "Refused while a ticket of it is open or a profile serves it.",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Service id.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `service_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Still in use (an open ticket, a profile or an open workplace). Codes: `in_use`.", body = ErrorBody),
    )
)]
pub async fn remove_service(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, ServiceId)>,
) -> Result<StatusCode, ApiError> {
    let handle = app.branch(branch)?;
    handle
        .execute(Command::RemoveService(id), |_, _| ())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/workplaces",
    tag = "configuration",
    summary = "Create a workplace",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = WorkplaceInput,
    responses(
        (status = 201, description = "Created.", body = Workplace),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn create_workplace(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(input): Json<WorkplaceInput>,
) -> Result<(StatusCode, axum::Json<Workplace>), ApiError> {
    let handle = app.branch(branch)?;
    let workplace = Workplace {
        id: WorkplaceId(app.next_id().await?),
        name: input.name,
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(define(&handle, workplace, Command::DefineWorkplace).await?),
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/branches/{branch}/workplaces/{id}",
    tag = "configuration",
    summary = "Rename a workplace",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Workplace id.")),
    request_body = WorkplaceInput,
    responses(
        (status = 200, description = "The workplace as saved.", body = Workplace),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `workplace_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn update_workplace(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, WorkplaceId)>,
    Json(input): Json<WorkplaceInput>,
) -> Result<axum::Json<Workplace>, ApiError> {
    let handle = app.branch(branch)?;
    existing(&handle, Entity::Workplace, move |s| {
        s.workplace(id).is_some()
    })
    .await?;
    let workplace = Workplace {
        id,
        name: input.name,
    };
    Ok(axum::Json(
        define(&handle, workplace, Command::DefineWorkplace).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/branches/{branch}/workplaces/{id}",
    tag = "configuration",
    summary = "Remove a closed workplace",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Workplace id.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `workplace_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Still in use (an open ticket, a profile or an open workplace). Codes: `in_use`.", body = ErrorBody),
    )
)]
pub async fn remove_workplace(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, WorkplaceId)>,
) -> Result<StatusCode, ApiError> {
    let handle = app.branch(branch)?;
    handle
        .execute(Command::RemoveWorkplace(id), |_, _| ())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/profiles",
    tag = "configuration",
    summary = "Create a work profile",
    description = "Either whole `services` in order (the simple form) or `entries` with category filters, weights and maximum waits.",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = ProfileInput,
    responses(
        (status = 201, description = "Created.", body = WorkProfile),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn create_profile(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(input): Json<ProfileInput>,
) -> Result<(StatusCode, axum::Json<WorkProfile>), ApiError> {
    let handle = app.branch(branch)?;
    let profile = input.into_profile(ProfileId(app.next_id().await?))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(define(&handle, profile, Command::DefineProfile).await?),
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/branches/{branch}/profiles/{id}",
    tag = "configuration",
    summary = "Replace a work profile",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Profile id.")),
    request_body = ProfileInput,
    responses(
        (status = 200, description = "The profile as saved.", body = WorkProfile),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `profile_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn update_profile(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, ProfileId)>,
    Json(input): Json<ProfileInput>,
) -> Result<axum::Json<WorkProfile>, ApiError> {
    let handle = app.branch(branch)?;
    existing(&handle, Entity::Profile, move |s| s.profile(id).is_some()).await?;
    let profile = input.into_profile(id)?;
    Ok(axum::Json(
        define(&handle, profile, Command::DefineProfile).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/branches/{branch}/profiles/{id}",
    tag = "configuration",
    summary = "Remove a work profile no workplace uses",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Profile id.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `profile_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Still in use (an open ticket, a profile or an open workplace). Codes: `in_use`.", body = ErrorBody),
    )
)]
pub async fn remove_profile(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, ProfileId)>,
) -> Result<StatusCode, ApiError> {
    let handle = app.branch(branch)?;
    handle
        .execute(Command::RemoveProfile(id), |_, _| ())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/categories",
    tag = "configuration",
    summary = "Create a customer category",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = CategoryInput,
    responses(
        (status = 201, description = "Created.", body = Category),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn create_category(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(input): Json<CategoryInput>,
) -> Result<(StatusCode, axum::Json<Category>), ApiError> {
    let handle = app.branch(branch)?;
    input.check_profiles(&handle).await?;
    let category = input.into_category(CategoryId(app.next_id().await?));
    Ok((
        StatusCode::CREATED,
        axum::Json(define(&handle, category, Command::DefineCategory).await?),
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/branches/{branch}/categories/{id}",
    tag = "configuration",
    summary = "Replace a customer category",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Category id.")),
    request_body = CategoryInput,
    responses(
        (status = 200, description = "The category as saved.", body = Category),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `category_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn update_category(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, CategoryId)>,
    Json(input): Json<CategoryInput>,
) -> Result<axum::Json<Category>, ApiError> {
    let handle = app.branch(branch)?;
    existing(&handle, Entity::Category, move |s| s.category(id).is_some()).await?;
    input.check_profiles(&handle).await?;
    let category = input.into_category(id);
    Ok(axum::Json(
        define(&handle, category, Command::DefineCategory).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/branches/{branch}/categories/{id}",
    tag = "configuration",
    summary = "Remove a category no open ticket or profile uses",
    params(("branch" = u64, Path, description = "Branch id."), ("id" = u64, Path, description = "Category id.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `category_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Still in use (an open ticket, a profile or an open workplace). Codes: `in_use`.", body = ErrorBody),
    )
)]
pub async fn remove_category(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, CategoryId)>,
) -> Result<StatusCode, ApiError> {
    let handle = app.branch(branch)?;
    handle
        .execute(Command::RemoveCategory(id), |_, _| ())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A profile to preview, as it would be created, with a sample queue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    profile: ProfileInput,
    /// The profile being edited, if it exists: categories that only some profiles may call
    /// then treat the preview as that profile.
    #[serde(default)]
    id: Option<ProfileId>,
    /// The visitors waiting, at most 50.
    sample: Vec<SampleTicket>,
}

/// The order in which an operator with this profile would call the sample now, each call with
/// its reason. Nothing is saved.
#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/profiles/preview",
    tag = "configuration",
    summary = "Preview the order in which a work profile would call a sample queue",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The calls in order, each with its reason. Nothing is saved.", body = Preview),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.", body = ErrorBody),
    )
)]
pub async fn preview_profile(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<PreviewRequest>,
) -> Result<axum::Json<Preview>, ApiError> {
    let handle = app.branch(branch)?;
    // An id no profile has yet stands for a new one.
    let profile = request
        .profile
        .into_profile(request.id.unwrap_or(ProfileId(0)))?;
    let sample = request.sample;
    let now = jiff::Timestamp::now();
    let preview = handle
        .read(move |state| talon_core::preview_calls(state, &profile, &sample, now))
        .await??;
    Ok(axum::Json(preview))
}
