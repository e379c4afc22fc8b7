//! The request id: every answer carries one in `X-Request-Id`, every JSON error body names it,
//! and every log line written while the request is served has it (the request's span). A
//! trusted proxy (`TALON_TRUSTED_PROXIES`) may hand its own id on; any other caller's, or one
//! that is not well formed, is replaced by a fresh one. One access log line per request follows
//! its answer.

use crate::app::App;
use crate::auth::random_hex;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a proxy.
const MAX_LENGTH: usize = 64;

tokio::task_local! {
    /// The id of the request being served.
    static REQUEST_ID: String;
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An id a proxy may pass on: 1 to 64 letters, digits, `.`, `_` or `-`, so it is safe in a
/// header, a log line and a JSON string as it is.
pub fn well_formed(id: &str) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Gives the request its id, serves it inside a span that carries it, puts it on the answer,
/// and writes the access log line: method, route (its template, so no token or id in a path
/// is logged; an unknown path without its query), status and duration.
pub async fn trace(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let from_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| app.trusted_proxies.iter().any(|p| p.contains(c.0.ip())));
    let id = request
        .headers()
        .get(X_REQUEST_ID)
        .filter(|_| from_proxy)
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed(v))
        .map_or_else(|| random_hex(8), str::to_string);
    let method = request.method().clone();
    let path = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    // At error level so that no log level filters it out: a warning logged while the request
    // is served names its id even when only warnings are logged.
    let span = tracing::error_span!("request", request_id = %id);
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_micros() as f64 / 1000.0;
    span.in_scope(|| {
        tracing::info!(
            target: "talon::access",
            %method,
            path,
            status,
            duration_ms,
            "request"
        );
    });
    response
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn only_short_plain_ids_are_taken() {
        for good in ["a", "3f2a1b9c0d4e5f61", "req-1.2_x", &"x".repeat(64)] {
            assert!(well_formed(good), "{good}");
        }
        for bad in ["", &"x".repeat(65), "a b", "a\"b", "ä", "a\nb", "a/b"] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }
}
