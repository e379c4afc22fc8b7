//! The whole network's configuration as one TOML file (`config_file.rs`): exported with `GET
//! /api/v1/config`, imported with `POST /api/v1/config`. Network administrators only.

use crate::app::App;
use crate::config_file::{self, ImportReport, MEDIA_TYPE};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::sync::Arc;

/// A whole network's file is far larger than any other request: a few kilobytes a branch.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub async fn export(State(app): State<Arc<App>>) -> Result<impl IntoResponse, ApiError> {
    let text = config_file::export(&app).await?;
    Ok(([(header::CONTENT_TYPE, MEDIA_TYPE)], text))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check the file and report, changing nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The body is the file whatever its content type, so `curl --data-binary @talon.toml` works.
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
