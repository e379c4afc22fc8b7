//! Hardening of every response: the security headers, and a deadline for answering.
//!
//! The headers: a content security policy under which a page runs only Talon's own script and
//! style files (no inline code, nothing from elsewhere), no MIME sniffing, no referrer (a
//! ticket page's address is the visitor's secret), framing only by Talon's own pages, a
//! permissions policy that denies every powerful feature no page uses, and HSTS when the
//! browser reaches Talon over TLS.

use crate::app::App;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// How long a request may take by default: to arrive (its head) and to be answered (the head
/// of its response).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The hardening settings of a server.
#[derive(Debug, Clone, Copy)]
pub struct Security {
    /// Send `Strict-Transport-Security`: browsers reach Talon over TLS only, served by Talon
    /// itself or by a proxy in front of it.
    pub hsts: bool,
    /// How long a client may take to send a request's head, and the server to produce the
    /// head of its answer. A streamed body (Server-Sent Events) is not limited.
    pub request_timeout: Duration,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            hsts: false,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// Script and style come only from Talon's own files: the pages pass their data to their
/// scripts as JSON data blocks, never as inline code. `frame-ancestors 'self'` rather than
/// `'none'`: the kiosk prints a ticket through a hidden frame of `/t/{token}/print`. `blob:`
/// media leaves a display free to play audio it fetched itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Every powerful feature is denied except autoplay, which the hall display needs to announce
/// calls by itself. (Vibration and speech synthesis are not policy-controlled.) Only features
/// Chromium knows are named, so it logs no warnings about the header.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(self), browsing-topics=(), \
    camera=(), clipboard-read=(), clipboard-write=(), display-capture=(), encrypted-media=(), \
    fullscreen=(), gamepad=(), geolocation=(), gyroscope=(), hid=(), identity-credentials-get=(), \
    idle-detection=(), local-fonts=(), magnetometer=(), microphone=(), midi=(), \
    otp-credentials=(), payment=(), picture-in-picture=(), publickey-credentials-create=(), \
    publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), \
    window-management=(), xr-spatial-tracking=()";

/// A year, the usual lifetime. Subdomains are left alone: they may be other people's servers.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

const HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    (
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    ),
];

/// Adds the security headers to every response, errors and fallbacks included. A handler that
/// set one of them itself keeps its own.
pub async fn headers(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if app.security.hsts {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    response
}

/// Answers `503 timeout` when a handler has not produced its response within the request
/// timeout. Only the head counts: a response whose body streams (SSE) lives on.
///
/// A command the handler had already handed to its branch may still complete, so the message
/// tells the caller to look before repeating it.
pub async fn deadline(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    match tokio::time::timeout(app.security.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%route, "a request was not answered in time");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the server did not answer in time; the request may still have taken effect",
            )
            .into_response()
        }
    }
}
