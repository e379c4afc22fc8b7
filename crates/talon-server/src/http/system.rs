//! Health, metrics and the API description.

use crate::app::App;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use std::sync::Arc;

/// The OpenAPI 3.1 description of the REST API, kept beside the code it describes.
const OPENAPI: &str = include_str!("../openapi.json");

pub async fn health(State(app): State<Arc<App>>) -> impl IntoResponse {
    match app.store.branch_ids().await {
        Ok(ids) => (
            StatusCode::OK,
            axum::Json(json!({"status": "ok", "branches": ids.len()})),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "unavailable"})),
        ),
    }
}

pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
