//! The start page at `/`, in the visitor's language.

use super::page;
use crate::i18n::{negotiate, text};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};

const START_CSS: &str = include_str!("../../assets/start.css");

pub async fn page(headers: HeaderMap) -> Html<String> {
    let language = negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let t = |key| text(language, key);
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talon — {tagline}</title>
<link rel="stylesheet" href="/assets/start.css"></head>
<body><main>
<h1>Talon</h1>
<p>{tagline}</p>
<p>{running}</p>
<p><a class="main" href="/operator">{operator}</a> <a class="main" href="/admin">{admin}</a></p>
<nav><a href="/api/openapi.json">{api}</a><a href="/health">{health}</a><a href="/metrics">{metrics}</a></nav>
</main></body></html>"#,
        lang = language.code(),
        tagline = t("tagline"),
        running = t("running"),
        operator = t("start_operator"),
        admin = t("start_admin"),
        api = t("api"),
        health = t("health"),
        metrics = t("metrics"),
    ))
}

pub async fn style() -> impl IntoResponse {
    page::asset("text/css; charset=utf-8", START_CSS)
}
