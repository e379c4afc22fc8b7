//! What the server-rendered pages share: HTML escaping, the page's language, the texts a page's
//! script needs (as a JSON data block, never as executable inline script) and embedded assets.

use crate::i18n::{negotiate, text};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;
use talon_core::Language;

/// HTML-escapes text that comes from configuration, translations or the visitor.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page's `?lang=`: ru, en or de instead of the default.
#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The language of a page not bound to a branch: the one asked for, else the browser's.
pub fn browser_language(headers: &HeaderMap, query: &LangQuery) -> Language {
    let browser = negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    language(query.lang.as_deref(), browser)
}

/// A page in the language the browser asked for: caches keep one copy per language.
pub fn negotiated(language: Language, html: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_LANGUAGE, language.code()),
            (header::VARY, "Accept-Language"),
        ],
        Html(html),
    )
}

/// The language asked for by a page's `?lang=`, else `default`.
pub fn language(asked: Option<&str>, default: Language) -> Language {
    asked.and_then(Language::parse).unwrap_or(default)
}

/// `<script type="application/json" id="texts">` with the translations of `keys`: data the
/// page's script reads, so the page needs no inline executable script.
pub fn texts(language: Language, keys: &[&str]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|key| (key.to_string(), text(language, key).into()))
        .collect();
    // `<` never appears raw, so no text can close the block early.
    let json = serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c");
    format!(r#"<script type="application/json" id="texts">{json}</script>"#)
}

/// Links to the page in each of `languages`, the current one marked.
pub fn language_links(
    languages: &[Language],
    current: Language,
    href: impl Fn(Language) -> String,
) -> String {
    languages
        .iter()
        .map(|&l| {
            let current = if l == current {
                r#" aria-current="true""#
            } else {
                ""
            };
            format!(
                r#"<a href="{}" lang="{}"{current}>{}</a>"#,
                escape(&href(l)),
                l.code(),
                escape(text(l, "language_name"))
            )
        })
        .collect()
}

const CHIME_JS: &str = include_str!("../../assets/chime.js");

/// The chime the hall display and the ticket page share, an ES module.
pub async fn chime_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", CHIME_JS)
}

const DEVICE_JS: &str = include_str!("../../assets/device.js");
const STAFF_JS: &str = include_str!("../../assets/staff.js");

/// What the staff pages share: calling the API with their session, an ES module.
pub async fn staff_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", STAFF_JS)
}

/// What the device pages share: their token and the "not paired" notice, an ES module.
pub async fn device_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", DEVICE_JS)
}

/// The notice a device page shows when its token is unknown or was revoked, hidden until then.
pub fn unpaired_notice(language: Language) -> String {
    format!(
        r#"<div id="unpaired" role="alert" hidden><p>{}</p><a href="/pair?lang={}">{}</a></div>"#,
        escape(text(language, "device_unpaired")),
        language.code(),
        escape(text(language, "device_pair_link")),
    )
}

/// An asset embedded in the binary.
pub fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// Checks of a page whose script takes every text with one prefix, for its tests.
#[cfg(test)]
pub(crate) mod checked {
    use super::texts;
    use crate::i18n::keys_with_prefix;
    use talon_core::Language;

    /// Asserts that the catalogue has at least `at_least` keys with `prefix`, among them every
    /// one of `families`; that every such key `sources` use exists; and that each language's
    /// rendering holds the texts block once, as data (no text ends it early). Answers each
    /// language's markup without the block, for the page's own checks.
    pub fn texts_of_page(
        prefix: &str,
        at_least: usize,
        sources: &[&str],
        families: &[&str],
        render: impl Fn(Language) -> String,
    ) -> Vec<String> {
        let keys = keys_with_prefix(prefix);
        assert!(keys.len() > at_least, "the page has its texts: {keys:?}");
        for source in sources {
            let used = source
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with(prefix) && !w.ends_with('_'));
            for key in used {
                assert!(keys.contains(&key), "{key} is not in en.json");
            }
        }
        for family in families {
            assert!(keys.contains(family), "{family} is missing");
        }
        Language::ALL
            .into_iter()
            .map(|language| {
                let page = render(language);
                assert_eq!(page.matches("</script>").count(), 2, "no text ends a block");
                let block = texts(language, &keys);
                assert!(page.contains(&block));
                let json = block
                    .trim_start_matches(r#"<script type="application/json" id="texts">"#)
                    .trim_end_matches("</script>");
                let texts: std::collections::HashMap<String, String> =
                    serde_json::from_str(json).expect("JSON");
                assert_eq!(texts.len(), keys.len());
                page.replace(&block, "")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_cannot_break_out_of_their_block() {
        let block = texts(Language::En, &["ticket_title"]);
        assert!(block.ends_with("</script>"));
        assert_eq!(block.matches("</script>").count(), 1);
        assert!(block.contains(r#""ticket_title":"Your ticket""#));
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
