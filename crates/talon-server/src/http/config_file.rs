//! The whole network's configuration as one TOML file (`config_file.rs`): exported with `GET
//! /api/v1/config`, imported with `POST /api/v1/config`. Network administrators only.

use crate::app::App;
use crate::config_file::{self, ImportReport, MEDIA_TYPE};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Query};
use crate::http::route::{Route, route};
use crate::policy::NETWORK;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// A whole network's file is far larger than any other request: a few kilobytes a branch.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub fn routes() -> Vec<Route> {
    vec![
        route!(NETWORK, export),
        route!(NETWORK, import).body_limit(BODY_LIMIT),
    ]
}

#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "configuration",
    summary = "Export the whole network's configuration as one TOML file",
    description = "Every branch with its settings, services, categories, work profiles and \
        workplaces, by readable keys. Users, devices, customers and tickets are not in it.",
    responses(
        (status = 200, description = "The file.", content_type = "application/toml",
            body = String),
    )
)]
pub async fn export(State(app): State<Arc<App>>) -> Result<impl IntoResponse, ApiError> {
    let text = config_file::export(&app).await?;
    Ok(([(header::CONTENT_TYPE, MEDIA_TYPE)], text))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check the file and report, changing nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The body is the file whatever its content type, so `curl --data-binary @talon.toml` works.
#[utoipa::path(
    post,
    path = "/api/v1/config",
    tag = "configuration",
    summary = "Import a configuration file",
    description = "Updates what the file's keys match and adds what is new; removes nothing. \
        The whole file is checked (the engine's rules included) before anything changes; \
        `dry_run` reports what would change, changing nothing. At most 4 MiB.",
    params(ImportQuery),
    request_body(content = String, content_type = "application/toml"),
    responses(
        (status = 200, description = "What the import did, or would do.", body = ImportReport),
        (status = 422, description = "The file is not valid; the message names the place. \
            Codes: `import_invalid`.", body = ErrorBody),
        (status = 503, description = "A branch could not be saved; the branches before it \
            imported, and importing the same file again completes it. Codes: \
            `import_interrupted`, `timeout`, `storage_unavailable`.", body = ErrorBody),
    )
)]
pub async fn import(
    State(app): State<Arc<App>>,
    Query(query): Query<ImportQuery>,
    Body(body): Body,
) -> Result<axum::Json<ImportReport>, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_invalid",
            "the file is not UTF-8 text",
        )
    })?;
    Ok(axum::Json(
        config_file::import(&app, text, query.dry_run).await?,
    ))
}
