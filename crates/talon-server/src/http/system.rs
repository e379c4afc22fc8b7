//! Health, metrics and the API description.

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::http::route::{Route, route};
use crate::policy::{NETWORK, Public};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(Public, health),
        route!(Public, live),
        route!(Public, ready),
        route!(NETWORK, metrics),
        route!(Public, openapi),
    ]
}

/// Whether the server and its store answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the store does not answer.
    status: &'static str,
    /// How many branches the store holds, when it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    branches: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    summary = "Whether the server and its store answer",
    responses(
        (status = 200, description = "Healthy.", body = Health),
        (status = 503, description = "The store does not answer.", body = Health),
    )
)]
pub async fn health(State(app): State<Arc<App>>) -> impl IntoResponse {
    match app.store.branch_ids().await {
        Ok(ids) => (
            StatusCode::OK,
            axum::Json(Health {
                status: "ok",
                branches: Some(ids.len()),
            }),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(Health {
                status: "unavailable",
                branches: None,
            }),
        ),
    }
}

/// A probe's answer.
#[derive(Serialize, ToSchema)]
pub struct Probe {
    /// `ok`.
    status: &'static str,
}

#[utoipa::path(
    get,
    path = "/health/live",
    tag = "system",
    summary = "Whether the process answers",
    description = "For a liveness probe: answers without touching the store, so a busy or \
        unreachable database does not get the process restarted.",
    responses(
        (status = 200, description = "The process answers.", body = Probe),
    )
)]
pub async fn live() -> axum::Json<Probe> {
    axum::Json(Probe { status: "ok" })
}

#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "system",
    summary = "Whether this instance should get traffic",
    description = "For a load balancer's readiness check: the database answers a trivial query \
        and holds the schema this binary migrates to.",
    responses(
        (status = 200, description = "Ready.", body = Probe),
        (status = 503, description = "Not ready. Codes: `shutting_down` (the server is \
            stopping), `storage_unavailable` (the database does not answer), \
            `schema_not_current` (its schema is not this binary's).",
            body = ErrorBody),
    )
)]
pub async fn ready(State(app): State<Arc<App>>) -> Result<axum::Json<Probe>, ApiError> {
    if *app.stopping.borrow() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        ));
    }
    let schema = app.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "the store does not answer the readiness check");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "the database does not answer",
        )
    })?;
    if !schema.is_current() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "schema_not_current",
            format!(
                "the database holds schema version {}, this binary's is {}",
                schema.found, schema.known
            ),
        ));
    }
    Ok(axum::Json(Probe { status: "ok" }))
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    summary = "Counters in Prometheus' text format",
    description = "For the network administrator's token (Prometheus sends it as \
        `authorization: credentials`); `--metrics-listen` serves the same without a token on \
        an address of its own, for a scraper on the machine or its network.",
    responses(
        (status = 200, description = "The metrics.", content_type = "text/plain", body = String),
    )
)]
pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::exposition(&app),
    )
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "system",
    summary = "This document",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = Object),
    )
)]
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi_json(),
    )
}

/// Serves the metrics alone, without a token, for `--metrics-listen`: an address of its own
/// that only the machine (or its monitoring network) reaches.
pub async fn serve_metrics(app: Arc<App>, listener: tokio::net::TcpListener) {
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(app);
    if let Err(e) = axum::serve(listener, router).await {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
}
