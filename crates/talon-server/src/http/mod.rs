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
mod operator;
mod page;
mod pair;
mod start;
mod system;
mod ticket_page;
mod tickets;
mod voice;
mod workplaces;

use crate::app::App;
use crate::error::ApiError;
use crate::security;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// Requests larger than this are refused with 413.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/users", get(auth::list_users).post(auth::create_user))
        .route(
            "/users/{id}/profiles",
            axum::routing::put(auth::set_profiles),
        )
        .route(
            "/users/{id}/disabled",
            axum::routing::put(auth::set_disabled),
        )
        .route("/branches", get(branches::list).post(branches::create))
        .route(
            "/branches/{branch}",
            get(branches::show).put(branches::update),
        )
        .route("/branches/{branch}/state", get(branches::state))
        .route("/branches/{branch}/events", get(branches::events))
        .route("/branches/{branch}/me/today", get(operator::today))
        .route(
            "/branches/{branch}/devices",
            get(devices::list).post(devices::create),
        )
        .route(
            "/branches/{branch}/devices/{id}",
            axum::routing::delete(devices::revoke),
        )
        .route("/branches/{branch}/pairings", post(devices::create_pairing))
        .route("/pair", post(devices::pair))
        .route("/branches/{branch}/announcement", get(voice::text))
        .route("/branches/{branch}/announcement.wav", get(voice::audio))
        .route("/branches/{branch}/services", post(config::create_service))
        .route(
            "/branches/{branch}/services/{id}",
            axum::routing::put(config::update_service).delete(config::remove_service),
        )
        .route(
            "/branches/{branch}/workplaces",
            post(config::create_workplace),
        )
        .route(
            "/branches/{branch}/workplaces/{id}",
            axum::routing::put(config::update_workplace).delete(config::remove_workplace),
        )
        .route("/branches/{branch}/profiles", post(config::create_profile))
        .route(
            "/branches/{branch}/profiles/preview",
            post(config::preview_profile),
        )
        .route(
            "/branches/{branch}/profiles/{id}",
            axum::routing::put(config::update_profile).delete(config::remove_profile),
        )
        .route(
            "/branches/{branch}/categories",
            post(config::create_category),
        )
        .route(
            "/branches/{branch}/categories/{id}",
            axum::routing::put(config::update_category).delete(config::remove_category),
        )
        .route("/branches/{branch}/customers", post(customers::save))
        .route(
            "/branches/{branch}/customers/lookup",
            post(customers::lookup),
        )
        .route(
            "/branches/{branch}/customers/forget",
            post(customers::forget),
        )
        .route(
            "/branches/{branch}/customers/export",
            post(customers::export),
        )
        .route(
            "/branches/{branch}/tickets",
            get(tickets::list).post(tickets::issue),
        )
        .route(
            "/tickets/{key}",
            get(tickets::public_view).delete(tickets::cancel),
        )
        .route("/tickets/{key}/events", get(ticket_page::events))
        .route("/tickets/{key}/{action}", post(tickets::act))
        .route(
            "/workplaces/{workplace}/call-next",
            post(workplaces::call_next),
        )
        .route("/workplaces/{workplace}/call", post(workplaces::call))
        .route("/workplaces/{workplace}/{action}", post(workplaces::act))
        .route("/audit", get(crate::audit::list))
        .route(
            "/config",
            get(config_file::export)
                .post(config_file::import)
                .layer(DefaultBodyLimit::max(config_file::BODY_LIMIT)),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(system::openapi))
        .route("/", get(start::page))
        .route("/t/{token}", get(ticket_page::page))
        .route("/t/{token}/print", get(ticket_page::print))
        .route("/t/{token}/qr.svg", get(ticket_page::qr_code))
        .route("/t/{token}/cancel", post(ticket_page::cancel))
        .route("/kiosk/{branch}", get(kiosk::page))
        .route("/display/{branch}", get(display::page))
        .route("/operator", get(operator::page))
        .route("/admin", get(admin::page))
        .route(
            "/display/{branch}/workplace/{workplace}",
            get(display::counter),
        )
        .route("/pair", get(pair::page))
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/health", get(system::health))
        .route("/metrics", get(system::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            app.clone(),
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
        // Outermost, so every answer has them: errors, timeouts and panics included.
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security::headers,
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

/// Counts requests by route and status, and turns a panic into a 500 instead of a dropped
/// connection.
async fn observe(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            tracing::error!(%route, "a request handler panicked");
            ApiError::internal().into_response()
        });
    app.metrics.http(&route, response.status().as_u16());
    response
}
