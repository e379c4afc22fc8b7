//! The HTTP interface: the REST API under `/api/v1`, its OpenAPI document, health and metrics,
//! the server-rendered pages and the files they load. One module per resource or page.

mod admin;
mod assets;
mod auth;
mod branches;
pub(crate) mod config;
mod config_file;
mod customers;
mod devices;
mod display;
mod kiosk;
mod openapi;
mod operator;
mod page;
mod pair;
mod planning;
mod planning_page;
pub(crate) mod route;
mod start;
mod system;
mod ticket_page;
mod tickets;
mod voice;
mod workplaces;

use crate::app::App;
use crate::error::ApiError;
use crate::policy::Policy;
use crate::security;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
pub use route::Route;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, LazyLock};
pub use system::serve_metrics;

/// Requests larger than this are refused with 413.
const BODY_LIMIT: usize = 64 * 1024;

/// Every route Talon serves, as the modules declare them.
pub fn routes() -> Vec<Route> {
    [
        auth::routes(),
        branches::routes(),
        operator::routes(),
        devices::routes(),
        voice::routes(),
        config::routes(),
        customers::routes(),
        tickets::routes(),
        ticket_page::routes(),
        workplaces::routes(),
        config_file::routes(),
        crate::audit::routes(),
        system::routes(),
        start::routes(),
        admin::routes(),
        kiosk::routes(),
        display::routes(),
        pair::routes(),
        planning::routes(),
        planning_page::routes(),
        assets::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The OpenAPI document of every route, as JSON: made once, served as it is.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        openapi::document(&routes())
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    });
    &DOCUMENT
}

pub fn router(app: Arc<App>) -> Router {
    let routes = routes();
    let policy = Arc::new(Policy::of(&routes));
    let mut router = Router::new();
    for route in routes {
        router = router.route(&route.path, route.handler);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            (app.clone(), policy),
            crate::policy::authorize,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security::deadline,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        // Outside the policy and the deadline, so refusals, timeouts and panics are recorded
        // with the status the caller got.
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::audit::record,
        ))
        // So every answer has them: errors, timeouts and panics included.
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security::headers,
        ))
        // Outermost: every layer inside logs within the request's span and its errors name
        // the request's id.
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::request_id::trace,
        ))
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

/// Counts requests by route and status, times them, and turns a panic into a 500 instead of a dropped
/// connection.
async fn observe(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let response = AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            tracing::error!(%route, "a request handler panicked");
            ApiError::internal().into_response()
        });
    app.metrics
        .http(&route, response.status().as_u16(), started.elapsed());
    response
}
