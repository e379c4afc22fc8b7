//! The touch kiosk at `/kiosk/{branch}?token=…` (a kiosk device's token): the branch's services
//! as large buttons, grouped where the configuration groups them, closed ones shown closed with
//! today's hours; then the ticket on screen with its QR code, printed on the kiosk's network
//! printer (by the server) or else through the browser. The page is a shell in the chosen
//! language; `assets/kiosk.js` does the rest.

use super::page::{self, escape};
use crate::app::App;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{BranchId, Language};

const KIOSK_JS: &str = include_str!("../../assets/kiosk.js");
const KIOSK_CSS: &str = include_str!("../../assets/kiosk.css");

/// What the kiosk's script says by itself.
const SCRIPT_TEXTS: &[&str] = &[
    "kiosk_choose",
    "kiosk_back",
    "kiosk_closed",
    "kiosk_closed_today",
    "kiosk_branch_closed_today",
    "kiosk_hours",
    "kiosk_full",
    "kiosk_waiting",
    "kiosk_scan",
    "kiosk_printed",
    "kiosk_not_printed",
    "kiosk_done",
    "kiosk_error",
    "ticket_title",
    "ticket_ahead",
    "ticket_eta",
    "ticket_minutes",
    "ticket_soon",
    "error_service_closed",
    "error_branch_closed",
    "error_daily_limit_reached",
    "error_numbering_exhausted",
    "error_rate_limited",
    "display_offline",
];

#[derive(Deserialize)]
pub struct PageQuery {
    /// ru, en or de instead of the branch's first language.
    lang: Option<String>,
}

pub async fn page(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Ok(handle) = app.branch(branch) else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
    let languages = handle
        .read(|state| state.settings().map(|s| s.languages.clone()))
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| vec![Language::En]);
    let language = page::language(query.lang.as_deref(), languages[0]);
    // The language buttons keep the rest of the kiosk's address (its token, paper, …): the
    // script rewrites them; the server only needs to name the languages.
    let buttons: String = languages
        .iter()
        .map(|l| {
            let current = if *l == language { r#" aria-current="true""# } else { "" };
            format!(
                r#"<button type="button" data-lang="{code}" lang="{code}"{current}>{name}</button>"#,
                code = l.code(),
                name = escape(crate::i18n::text(*l, "language_name")),
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1, user-scalable=no">
<title>Talon</title>
<link rel="stylesheet" href="/assets/kiosk.css">
{texts}
<script type="module" src="/assets/kiosk.js"></script>
</head>
<body data-branch="{branch}" data-default-lang="{default}">
<header><span id="branch"></span><nav id="languages"><button type="button" id="larger" aria-pressed="false" title="{larger}" aria-label="{larger}">A+</button>{buttons}</nav></header>
<main id="screen" aria-live="polite"></main>
<div id="status" hidden>{offline}</div>
{unpaired}
</body>
</html>"#,
        lang = language.code(),
        default = languages[0].code(),
        texts = page::texts(language, SCRIPT_TEXTS),
        offline = escape(crate::i18n::text(language, "display_offline")),
        larger = escape(crate::i18n::text(language, "kiosk_larger_text")),
        unpaired = page::unpaired_notice(language),
    ))
    .into_response()
}

pub async fn script() -> impl IntoResponse {
    page::asset("text/javascript; charset=utf-8", KIOSK_JS)
}

pub async fn style() -> impl IntoResponse {
    page::asset("text/css; charset=utf-8", KIOSK_CSS)
}
