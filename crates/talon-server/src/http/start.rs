//! The start page at `/`, in the visitor's language.

use crate::i18n::{negotiate, text};
use axum::http::{HeaderMap, header};
use axum::response::Html;

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
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; display: grid; place-items: center;
  min-height: 100vh; background: #0b3954; color: #fff; }}
main {{ text-align: center; }}
h1 {{ font-size: 4rem; margin: 0; letter-spacing: .05em; }}
p {{ font-size: 1.4rem; }}
a {{ color: #bfd7ea; margin: 0 .8rem; }}
a.main {{ display: inline-block; color: #0b3954; background: #fff; padding: .8rem 1.6rem;
  border-radius: .5rem; font-weight: 700; text-decoration: none; margin: 1rem 0; }}
</style></head>
<body><main>
<h1>Talon</h1>
<p>{tagline}</p>
<p>{running}</p>
<p><a class="main" href="/operator">{operator}</a></p>
<nav><a href="/api/openapi.json">{api}</a><a href="/health">{health}</a><a href="/metrics">{metrics}</a></nav>
</main></body></html>"#,
        lang = language.code(),
        tagline = t("tagline"),
        running = t("running"),
        operator = t("start_operator"),
        api = t("api"),
        health = t("health"),
        metrics = t("metrics"),
    ))
}
