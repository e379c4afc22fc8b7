//! The hall display page at `/display/{branch}?token=…` (a display device's token) and its
//! assets. The page is a shell in the branch's language; its script (`assets/display.js`) reads
//! the branch's state and follows its event stream. Assets are embedded in the binary.

use crate::app::App;
use crate::i18n::text;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{BranchId, Language};

const DISPLAY_JS: &str = include_str!("../../assets/display.js");
const DISPLAY_CSS: &str = include_str!("../../assets/display.css");

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
    let default = handle
        .read(|state| state.settings().map(|s| s.default_language()))
        .await
        .ok()
        .flatten()
        .unwrap_or(Language::En);
    let language = query
        .lang
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(default);
    let t = |key| text(language, key);
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talon</title>
<link rel="stylesheet" href="/assets/display.css">
</head>
<body data-branch="{branch}">
<header><span id="branch"></span><span id="clock"></span></header>
<main>
<div class="headings"><span>{ticket}</span><span></span><span class="workplace">{workplace}</span></div>
<ol id="calls"></ol>
</main>
<footer><ul id="queues" aria-label="{waiting}"></ul></footer>
<div id="status" hidden>{offline}</div>
<script type="module" src="/assets/display.js"></script>
</body>
</html>"#,
        lang = language.code(),
        ticket = t("display_ticket"),
        workplace = t("display_workplace"),
        waiting = t("display_waiting"),
        offline = t("display_offline"),
    ))
    .into_response()
}

pub async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", DISPLAY_JS)
}

pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", DISPLAY_CSS)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
