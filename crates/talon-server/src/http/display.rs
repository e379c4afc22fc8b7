//! The hall display at `/display/{branch}?token=…` (a display device's token), the counter
//! display above one workplace at `/display/{branch}/workplace/{id}?token=…`, and their assets.
//! The pages are shells in the branch's language; their scripts (`assets/display.js`,
//! `assets/counter.js`) read the branch's state and follow its event stream. Assets are embedded
//! in the binary.

use super::page;
use crate::app::App;
use crate::i18n::text;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{BranchId, Language, WorkplaceId};

const DISPLAY_JS: &str = include_str!("../../assets/display.js");
const DISPLAY_CSS: &str = include_str!("../../assets/display.css");
const COUNTER_JS: &str = include_str!("../../assets/counter.js");

/// What the counter display's script says by itself.
const COUNTER_TEXTS: &[&str] = &[
    "counter_idle",
    "counter_called",
    "counter_serving",
    "counter_closed",
    "counter_paused",
];

#[derive(Deserialize)]
pub struct PageQuery {
    /// ru, en or de instead of the branch's first language.
    lang: Option<String>,
}

/// The language of a display page: asked for, else the branch's first.
async fn page_language(app: &App, branch: BranchId, query: &PageQuery) -> Option<Language> {
    let handle = app.branch(branch).ok()?;
    let default = handle
        .read(|state| state.settings().map(|s| s.default_language()))
        .await
        .ok()
        .flatten()
        .unwrap_or(Language::En);
    Some(page::language(query.lang.as_deref(), default))
}

pub async fn page(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(language) = page_language(&app, branch, &query).await else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
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
{unpaired}
<script type="module" src="/assets/display.js"></script>
</body>
</html>"#,
        lang = language.code(),
        ticket = t("display_ticket"),
        workplace = t("display_workplace"),
        waiting = t("display_waiting"),
        offline = t("display_offline"),
        unpaired = page::unpaired_notice(language),
    ))
    .into_response()
}

/// The display above one counter: the ticket called there, large.
pub async fn counter(
    State(app): State<Arc<App>>,
    Path((branch, workplace)): Path<(BranchId, WorkplaceId)>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(language) = page_language(&app, branch, &query).await else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
    if app.branches.workplace_branch(workplace) != Some(branch) {
        return (StatusCode::NOT_FOUND, "no such workplace").into_response();
    }
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talon</title>
<link rel="stylesheet" href="/assets/display.css">
{texts}
<script type="module" src="/assets/counter.js"></script>
</head>
<body class="counter" data-branch="{branch}" data-workplace="{workplace}">
<header><span>{label}</span><span id="workplace"></span></header>
<main><p id="number"></p><p id="state"></p></main>
<div id="status" hidden>{offline}</div>
{unpaired}
</body>
</html>"#,
        lang = language.code(),
        texts = page::texts(language, COUNTER_TEXTS),
        label = text(language, "display_workplace"),
        offline = text(language, "display_offline"),
        unpaired = page::unpaired_notice(language),
    ))
    .into_response()
}

pub async fn script() -> impl IntoResponse {
    page::asset("text/javascript; charset=utf-8", DISPLAY_JS)
}

pub async fn counter_script() -> impl IntoResponse {
    page::asset("text/javascript; charset=utf-8", COUNTER_JS)
}

pub async fn style() -> impl IntoResponse {
    page::asset("text/css; charset=utf-8", DISPLAY_CSS)
}
