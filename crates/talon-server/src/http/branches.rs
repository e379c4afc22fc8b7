//! Branches: creating and changing them, their live state and event stream, their devices.

use crate::app::App;
use crate::auth::Principal;
use crate::branch::BranchConfig;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::http::route::{Route, route};
use crate::live;
use crate::policy::{CONFIGURE, EVERYONE_OF_BRANCH, NETWORK, STAFF};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, BranchSettings, BranchState, BranchView, Command};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Vec<Route> {
    vec![
        route!(EVERYONE_OF_BRANCH, list),
        route!(NETWORK, create),
        route!(STAFF, show),
        route!(CONFIGURE, update),
        route!(EVERYONE_OF_BRANCH, state),
        route!(EVERYONE_OF_BRANCH, events),
    ]
}

/// A branch: its id and settings.
#[derive(Serialize, ToSchema)]
pub struct BranchSummary {
    id: BranchId,
    #[serde(flatten)]
    settings: BranchSettings,
}

/// The summary of a branch that exists: one just being created has no settings yet.
fn summary(id: BranchId, state: &BranchState) -> Option<BranchSummary> {
    Some(BranchSummary {
        id,
        settings: state.settings()?.clone(),
    })
}

/// A branch's whole configuration and its id.
#[derive(Serialize, ToSchema)]
pub struct BranchConfigView {
    id: BranchId,
    #[serde(flatten)]
    config: BranchConfig,
}

#[utoipa::path(
    post,
    path = "/api/v1/branches",
    tag = "branches",
    summary = "Create a branch",
    request_body = BranchSettings,
    responses((status = 201, description = "Created.", body = BranchSummary)),
)]
pub async fn create(
    State(app): State<Arc<App>>,
    Json(settings): Json<BranchSettings>,
) -> Result<(StatusCode, axum::Json<BranchSummary>), ApiError> {
    settings.validate()?;
    let handle = app.start_new_branch().await?;
    let id = handle.id;
    let created = handle
        .execute(Command::CreateBranch(settings), move |state, _| {
            summary(id, state)
        })
        .await
        .and_then(|summary| summary.ok_or_else(ApiError::internal));
    match created {
        Ok(created) => Ok((StatusCode::CREATED, axum::Json(created))),
        Err(e) => {
            app.branches.remove(id);
            Err(e)
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/branches",
    tag = "branches",
    summary = "The branches the caller may see",
    responses((status = 200, description = "Branches, by id.", body = Vec<BranchSummary>)),
)]
pub async fn list(
    State(app): State<Arc<App>>,
    principal: Principal,
) -> Result<axum::Json<Vec<BranchSummary>>, ApiError> {
    let mut branches = Vec::new();
    for handle in app.branches.all() {
        if principal.branch.is_none_or(|b| b == handle.id) {
            let id = handle.id;
            branches.extend(handle.read(move |state| summary(id, state)).await?);
        }
    }
    branches.sort_by_key(|b| b.id);
    Ok(axum::Json(branches))
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}",
    tag = "branches",
    summary = "A branch's whole configuration",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "Settings, services, workplaces, profiles, categories.",
            body = BranchConfigView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn show(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<BranchConfigView>, ApiError> {
    let config = app.branch(branch)?.read(BranchConfig::of).await?;
    Ok(axum::Json(BranchConfigView { id: branch, config }))
}

#[utoipa::path(
    put,
    path = "/api/v1/branches/{branch}",
    tag = "branches",
    summary = "Change a branch's settings",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = BranchSettings,
    responses(
        (status = 200, description = "The branch as saved.", body = BranchSummary),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn update(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(settings): Json<BranchSettings>,
) -> Result<axum::Json<BranchSummary>, ApiError> {
    let updated = app
        .branch(branch)?
        .execute(Command::UpdateBranch(settings), move |state, _| {
            summary(branch, state)
        })
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(axum::Json(updated))
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/state",
    tag = "branches",
    summary = "The branch now, for displays and dashboards",
    description = "Queues, workplaces, the latest calls and whether the branch is closed today.",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "The branch's live view.", body = BranchView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn state(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<BranchView>, ApiError> {
    let now = Timestamp::now();
    let view = app.branch(branch)?.read(move |s| s.view(now)).await?;
    Ok(axum::Json(view))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Resume after this event (as the `Last-Event-ID` header does, which wins).
    last_event_id: Option<u64>,
    /// The caller's token, for `EventSource`, which cannot send an `Authorization` header.
    #[serde(rename = "access_token")]
    #[param(rename = "access_token")]
    _access_token: Option<String>,
    /// The staff page whose session cookie the stream goes with (`admin`, `operator`).
    #[serde(rename = "page")]
    #[param(rename = "page", value_type = Option<crate::auth::StaffPage>)]
    _page: Option<crate::auth::StaffPage>,
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/events",
    tag = "branches",
    summary = "Every change of the branch, live (Server-Sent Events)",
    description = "Each event's `id` is its sequence number in the branch and its `event` its \
        type (`ticket_called`, …); `data` is the event as JSON. A reconnecting client sends \
        `Last-Event-ID` and receives what it missed first. The stream ends when the caller's \
        token is revoked.",
    params(
        ("branch" = u64, Path, description = "Branch id."),
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event."),
        EventsQuery,
    ),
    responses(
        (status = 200, description = "The event stream.", content_type = "text/event-stream",
            body = String),
        (status = 400, description = "The resume point is not an event id. Codes: \
            `invalid_last_event_id`, `invalid_query`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn events(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(branch): Path<BranchId>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let header = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_last_event_id",
                        "Last-Event-ID is an event id",
                    )
                })
        })
        .transpose()?;
    let handle = app.branch(branch)?;
    live::stream(
        &app,
        handle,
        header.or(query.last_event_id),
        &principal.token_hash,
    )
    .await
}
