//! A workplace's operator: open, pause, resume, close, and calling visitors.

use super::tickets::{StaffTicket, parse_body};
use crate::app::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{Body, Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{Command, ProfileId, TicketId, WorkplaceId, WorkplaceView};

/// The answer to a call: the called ticket, or 204 when nobody eligible waits.
fn called(ticket: Option<StaffTicket>) -> Response {
    match ticket {
        Some(t) => axum::Json(t).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    ticket: TicketId,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenRequest {
    profile: ProfileId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PauseRequest {
    reason: String,
}

/// `POST /workplaces/{id}/{open|pause|resume|close}`.
pub async fn act(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path((workplace, action)): Path<(WorkplaceId, String)>,
    Body(body): Body,
) -> Result<axum::Json<WorkplaceView>, ApiError> {
    let by = principal.acting_operator();
    let handle = app.workplace_branch(workplace)?;
    let view = match action.as_str() {
        "open" => {
            let request: OpenRequest = parse_body(&body)?;
            let operator = principal.operator_id()?;
            let allowed = app
                .store
                .user(operator.0)
                .await?
                .and_then(|u| u.profiles)
                .is_none_or(|p| p.contains(&request.profile));
            if !allowed {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "profile_not_allowed",
                    "this work profile is not assigned to you",
                ));
            }
            let command = Command::OpenWorkplace {
                workplace,
                operator,
                profile: request.profile,
            };
            app.open_workplace(&handle, command, operator, workplace)
                .await?
        }
        action => {
            let command = match action {
                "pause" => {
                    let request: PauseRequest = parse_body(&body)?;
                    Command::PauseWorkplace {
                        workplace,
                        reason: request.reason,
                        by,
                    }
                }
                "resume" => Command::ResumeWorkplace { workplace, by },
                "close" => Command::CloseWorkplace { workplace, by },
                _ => return Err(super::not_found().await),
            };
            handle
                .execute(command, move |state, _| state.workplace_view(workplace))
                .await?
        }
    };
    Ok(axum::Json(view.ok_or_else(ApiError::internal)?))
}
