//! The visitor's ticket page at `/t/{token}`, where the QR code on a ticket leads: number,
//! status, people ahead, estimated wait and, once called, where to go, in the ticket's language.
//! It reloads itself every few seconds; nothing on it identifies the visitor.

use super::tickets::{by_token, public_request};
use crate::app::App;
use crate::i18n::text;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use talon_core::{Language, TicketStatus};

/// How often the page reloads itself, in seconds.
const REFRESH_SECS: u32 = 10;

pub async fn page(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    if let Err(limited) = public_request(&app, peer) {
        return limited.into_response();
    }
    let Ok((branch, stored)) = by_token(&app, &token).await else {
        return not_found();
    };
    let Ok(handle) = app.branch(branch) else {
        return not_found();
    };
    let now = jiff::Timestamp::now();
    let view = handle
        .read(move |state| {
            let ticket = state.ticket(stored.id).unwrap_or(&stored);
            state.ticket_view(ticket, now)
        })
        .await;
    let Ok(view) = view else {
        return not_found();
    };
    let language = view.language;
    let t = |key| text(language, key);
    let status = match view.status {
        TicketStatus::Waiting => t("status_waiting").to_string(),
        TicketStatus::Postponed => t("status_postponed").to_string(),
        TicketStatus::Called => {
            t("status_called").replace("{workplace}", view.workplace_name.as_deref().unwrap_or(""))
        }
        TicketStatus::Serving => t("status_serving").to_string(),
        TicketStatus::Done => t("status_done").to_string(),
        TicketStatus::NoShow => t("status_no_show").to_string(),
        TicketStatus::Cancelled => t("status_cancelled").to_string(),
        TicketStatus::Expired => t("status_expired").to_string(),
    };
    let queue = match (view.position, view.eta_seconds) {
        (Some(ahead), Some(eta)) => format!(
            "<p>{}: <b>{ahead}</b></p><p>{}: <b>{}</b></p>",
            t("ticket_ahead"),
            t("ticket_eta"),
            escape(&t("ticket_minutes").replace("{n}", &eta.div_ceil(60).to_string())),
        ),
        _ => String::new(),
    };
    let called = matches!(view.status, TicketStatus::Called);
    let body = format!(
        r#"<p class="service">{service}</p>
<p class="number">{number}</p>
<p class="status{called}">{status}</p>
{queue}"#,
        service = escape(&view.service_name),
        number = escape(&view.number),
        called = if called { " called" } else { "" },
        status = escape(&status),
    );
    document(language, t("ticket_title"), &body, true).into_response()
}

fn not_found() -> Response {
    let language = Language::En;
    let body = format!(
        "<p class=\"status\">{} · {} · {}</p>",
        text(Language::Ru, "ticket_not_found"),
        text(Language::En, "ticket_not_found"),
        text(Language::De, "ticket_not_found")
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        document(language, text(language, "ticket_not_found"), &body, false),
    )
        .into_response()
}

fn document(language: Language, title: &str, body: &str, refresh: bool) -> Html<String> {
    let refresh = if refresh {
        format!(r#"<meta http-equiv="refresh" content="{REFRESH_SECS}">"#)
    } else {
        String::new()
    };
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">{refresh}
<title>Talon — {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1rem; text-align: center;
  background: #f4f7fa; color: #0b3954; }}
.number {{ font-size: 5rem; font-weight: 700; margin: .5rem 0; letter-spacing: .05em; }}
.service {{ font-size: 1.3rem; margin: 0; }}
.status {{ font-size: 1.4rem; }}
.called {{ background: #0b3954; color: #fff; padding: 1rem; border-radius: .5rem; }}
</style></head>
<body><main><h1>{title}</h1>
{body}
</main></body></html>"#,
        lang = language.code(),
        title = escape(title),
    ))
}

/// HTML-escapes text that comes from configuration or translations.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
