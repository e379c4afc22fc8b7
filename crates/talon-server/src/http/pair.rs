//! The page at `/pair` where a kiosk or screen is paired with its branch: the person setting it
//! up types the one-time code an administrator created; the script (`assets/pair.js`) trades it
//! for the device's token, keeps the token in the browser's storage and opens the device's
//! page. In the language of `?lang=` or the browser.

use super::page::{self, LangQuery, browser_language, escape};
use crate::i18n::text;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};
use talon_core::Language;

const PAIR_JS: &str = include_str!("../../assets/pair.js");

pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> impl IntoResponse {
    let language = browser_language(&headers, &query);
    let t = |key| escape(text(language, key));
    let links = page::language_links(&Language::ALL, language, |l| {
        format!("/pair?lang={}", l.code())
    });
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talon — {title}</title>
<link rel="stylesheet" href="/assets/kiosk.css">
{texts}
<script type="module" src="/assets/pair.js"></script>
</head>
<body class="pair">
<header><span>Talon</span><nav id="languages">{links}</nav></header>
<main>
<h1>{title}</h1>
<p>{hint}</p>
<form id="pair-form">
<label for="code">{code}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required>
<button type="submit" id="pair">{submit}</button>
</form>
<p id="message" class="error" role="alert" hidden></p>
</main>
</body>
</html>"#,
        lang = language.code(),
        title = t("pair_title"),
        hint = t("pair_hint"),
        code = t("pair_code"),
        submit = t("pair_submit"),
        texts = page::texts(
            language,
            &["pair_invalid", "pair_failed", "error_rate_limited"]
        ),
    ))
}

pub async fn script() -> impl IntoResponse {
    page::asset("text/javascript; charset=utf-8", PAIR_JS)
}
