//! Branches: creating and changing them, their live state and event stream, their devices.

use crate::app::App;
use crate::auth::Principal;
use crate::branch::config_json;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::live;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use talon_core::{BranchId, BranchSettings, BranchState, BranchView, Command};

#[derive(Serialize)]
pub struct BranchSummary {
    id: BranchId,
    #[serde(flatten)]
    settings: Option<BranchSettings>,
}

fn summary(id: BranchId, state: &BranchState) -> BranchSummary {
    BranchSummary {
        id,
        settings: state.settings().cloned(),
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    Json(settings): Json<BranchSettings>,
) -> Result<(StatusCode, axum::Json<BranchSummary>), ApiError> {
    settings.validate()?;
    let handle = app.start_new_branch().await?;
    let id = handle.id;
    match handle
        .execute(Command::CreateBranch(settings), move |state, _| {
            summary(id, state)
        })
        .await
    {
        Ok(created) => Ok((StatusCode::CREATED, axum::Json(created))),
        Err(e) => {
            app.branches.remove(id);
            Err(e)
        }
    }
}

pub async fn list(
    State(app): State<Arc<App>>,
    principal: Principal,
) -> Result<axum::Json<Vec<BranchSummary>>, ApiError> {
    let mut branches = Vec::new();
    for handle in app.branches.all() {
        if principal.branch.is_none_or(|b| b == handle.id) {
            let id = handle.id;
            branches.push(handle.read(move |state| summary(id, state)).await?);
        }
    }
    branches.sort_by_key(|b| b.id);
    Ok(axum::Json(branches))
}

/// The branch's whole configuration.
pub async fn show(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<Value>, ApiError> {
    let mut config = app.branch(branch)?.read(config_json).await?;
    config["id"] = json!(branch);
    Ok(axum::Json(config))
}

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
        .await?;
    Ok(axum::Json(updated))
}

/// A snapshot for displays and dashboards.
pub async fn state(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<BranchView>, ApiError> {
    let now = Timestamp::now();
    let view = app.branch(branch)?.read(move |s| s.view(now)).await?;
    Ok(axum::Json(view))
}

#[derive(Deserialize)]
pub struct EventsQuery {
    last_event_id: Option<u64>,
    #[serde(rename = "access_token")]
    _access_token: Option<String>,
}

/// Server-Sent Events of every change of the branch.
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
