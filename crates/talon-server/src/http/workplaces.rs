//! A workplace's operator: open, pause, resume, close, and calling visitors.

use super::tickets::StaffTicket;
use crate::app::App;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::policy::SERVE;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{Command, ProfileId, TicketId, WorkplaceId, WorkplaceView};
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(SERVE, call_next),
        route!(SERVE, call),
        route!(SERVE, open),
        route!(SERVE, pause),
        route!(SERVE, resume),
        route!(SERVE, close),
    ]
}

/// The answer to a call: the called ticket, or 204 when nobody eligible waits.
fn called(ticket: Option<StaffTicket>) -> Response {
    match ticket {
        Some(t) => axum::Json(t).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/call-next",
    tag = "workplaces",
    summary = "Call the next visitor by the workplace's work profile",
    description = "The answer says why this ticket was chosen (`reason`).",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    responses(
        (status = 200, description = "The called ticket.", body = StaffTicket),
        (status = 204, description = "Nobody the profile serves is waiting."),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, \
            `profile_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_not_open`, \
            `workplace_paused`, `workplace_busy`.", body = ErrorBody),
    )
)]
pub async fn call_next(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
) -> Result<Response, ApiError> {
    let handle = app.workplace_branch(workplace)?;
    let command = Command::CallNext {
        workplace,
        by: principal.acting_operator(),
    };
    let ticket = handle.execute(command, StaffTicket::after).await?;
    Ok(called(ticket))
}

/// The waiting ticket to call.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    ticket: TicketId,
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/call",
    tag = "workplaces",
    summary = "Call a chosen waiting ticket",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    request_body = CallRequest,
    responses(
        (status = 200, description = "The called ticket.", body = StaffTicket),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, \
            `ticket_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_not_open`, \
            `workplace_paused`, `workplace_busy`, `invalid_transition`.", body = ErrorBody),
    )
)]
pub async fn call(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
    Json(request): Json<CallRequest>,
) -> Result<Response, ApiError> {
    let handle = app.workplace_branch(workplace)?;
    let command = Command::CallTicket {
        workplace,
        ticket: request.ticket,
        by: principal.acting_operator(),
    };
    let ticket = handle.execute(command, StaffTicket::after).await?;
    Ok(called(ticket))
}

/// The work profile to open with; without one, the caller's only assigned profile, else the one
/// they last opened a workplace of this branch with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    #[serde(default)]
    profile: Option<ProfileId>,
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/open",
    tag = "workplaces",
    summary = "Open the workplace as the caller with a work profile, or switch the profile",
    description = "Without a profile, the caller's only assigned profile is taken, else the one \
        they last opened a workplace of this branch with; the answer's `profile` says which.",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    request_body = OpenRequest,
    responses(
        (status = 200, description = "The workplace, open.", body = WorkplaceView),
        (status = 403, description = "The profile is not the caller's, or the branch is not. \
            Codes: `profile_not_allowed`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, \
            `profile_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_occupied` (another \
            operator works it), `operator_busy` (the caller works another workplace).",
            body = ErrorBody),
        (status = 422, description = "No profile given and none to take: the caller has \
            several and has opened none here before. Codes: `validation_failed` (field \
            `profile`).", body = ErrorBody),
    )
)]
pub async fn open(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
    Json(request): Json<OpenRequest>,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let handle = app.workplace_branch(workplace)?;
    let operator = principal.operator_id()?;
    let assigned = app.store.user(operator.0).await?.and_then(|u| u.profiles);
    let profile = match (request.profile, assigned.as_deref()) {
        (Some(profile), _) => profile,
        (None, Some([only])) => *only,
        (None, _) => handle
            .read(move |state| state.last_profile(operator))
            .await?
            .ok_or_else(|| ApiError {
                field: Some("profile".into()),
                ..ApiError::invalid("choose a work profile: there is no single one to take")
            })?,
    };
    if assigned.is_some_and(|p| !p.contains(&profile)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "profile_not_allowed",
            "this work profile is not assigned to you",
        ));
    }
    let command = Command::OpenWorkplace {
        workplace,
        operator,
        profile,
    };
    let view = app
        .open_workplace(&handle, command, operator, workplace)
        .await?;
    Ok(axum::Json(view.ok_or_else(ApiError::internal)?))
}

/// Why the workplace pauses.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// 1 to 100 characters, e.g. "break".
    reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/pause",
    tag = "workplaces",
    summary = "Pause with a reason",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    request_body = PauseRequest,
    responses(
        (status = 200, description = "The workplace, paused.", body = WorkplaceView),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, `not_found`.",
            body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_not_open`, \
            `workplace_paused`, `workplace_busy`.", body = ErrorBody),
    )
)]
pub async fn pause(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
    Json(request): Json<PauseRequest>,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let command = Command::PauseWorkplace {
        workplace,
        reason: request.reason,
        by: principal.acting_operator(),
    };
    act(&app, workplace, command).await
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/resume",
    tag = "workplaces",
    summary = "Resume after a pause",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    responses(
        (status = 200, description = "The workplace, open.", body = WorkplaceView),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, `not_found`.",
            body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_not_open`, \
            `workplace_not_paused`.", body = ErrorBody),
    )
)]
pub async fn resume(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let command = Command::ResumeWorkplace {
        workplace,
        by: principal.acting_operator(),
    };
    act(&app, workplace, command).await
}

#[utoipa::path(
    post,
    path = "/api/v1/workplaces/{workplace}/close",
    tag = "workplaces",
    summary = "Close the workplace",
    params(("workplace" = u64, Path, description = "Workplace id.")),
    responses(
        (status = 200, description = "The workplace, closed.", body = WorkplaceView),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `workplace_not_found`, `not_found`.",
            body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `workplace_not_open`, \
            `workplace_busy`.", body = ErrorBody),
    )
)]
pub async fn close(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(workplace): Path<WorkplaceId>,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let command = Command::CloseWorkplace {
        workplace,
        by: principal.acting_operator(),
    };
    act(&app, workplace, command).await
}

/// Runs a command on a workplace; answers the workplace after it.
async fn act(
    app: &App,
    workplace: WorkplaceId,
    command: Command,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let view = app
        .workplace_branch(workplace)?
        .execute(command, move |state, _| state.workplace_view(workplace))
        .await?;
    Ok(axum::Json(view.ok_or_else(ApiError::internal)?))
}
