//! What the server-rendered pages share: the page's language, the [`Frame`] that the shared
//! layout (`templates/layout.html`) fills in every page (stylesheet, entry script, the texts a
//! script needs as a JSON data block, never as executable inline script), the [`Page`] helpers
//! templates call (`t` for a translation, `asset` for a file's cache-busting address), and the
//! answer a rendered page makes. The templates live in `crates/talon-server/templates/` and are
//! compiled with the binary; askama escapes every value they show.

use super::assets;
use crate::error::ApiError;
use crate::i18n::{negotiate, text};
use askama::Template;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use talon_core::Language;

/// A page's `?lang=`: ru, en or de instead of the default.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The language of a page not bound to a branch: the one asked for, else the browser's.
pub fn browser_language(headers: &HeaderMap, query: &LangQuery) -> Language {
    language(query.lang.as_deref(), negotiate_header(headers))
}

/// The first of Talon's languages the browser asks for, English otherwise.
pub fn negotiate_header(headers: &HeaderMap) -> Language {
    negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The language asked for by a page's `?lang=`, else `default`.
pub fn language(asked: Option<&str>, default: Language) -> Language {
    asked.and_then(Language::parse).unwrap_or(default)
}

/// The translations a page's script reads from its `#texts` data block, by key.
pub type Texts = BTreeMap<&'static str, &'static str>;

/// The translations of `keys` in `language`.
pub fn texts(language: Language, keys: &[&'static str]) -> Texts {
    keys.iter().map(|&key| (key, text(language, key))).collect()
}

/// What the layout puts around every page.
pub struct Frame {
    pub language: Language,
    /// The page's stylesheet, an embedded asset's name.
    pub style: &'static str,
    /// The page's entry script (an ES module), an embedded asset's name.
    pub script: Option<&'static str>,
    /// The texts the script needs, rendered as JSON in which `<` never appears raw, so no text
    /// can end the block.
    pub texts: Option<Texts>,
}

impl Frame {
    /// A page with a stylesheet and nothing else.
    pub fn plain(language: Language, style: &'static str) -> Self {
        Frame {
            language,
            style,
            script: None,
            texts: None,
        }
    }

    /// A page whose script `script` reads `texts`.
    pub fn scripted(
        language: Language,
        style: &'static str,
        script: &'static str,
        texts: Texts,
    ) -> Self {
        Frame {
            language,
            style,
            script: Some(script),
            texts: Some(texts),
        }
    }
}

/// What every page's template calls: its frame, and through it `t("key")` and `asset("file")`.
pub trait Page: Template {
    fn frame(&self) -> &Frame;

    /// The translation of `key` in the page's language.
    fn t<'k>(&self, key: &'k str) -> &'k str {
        text(self.frame().language, key)
    }

    /// The address of the embedded file `name`, under its hashed name.
    fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// The page's language code, for `lang` attributes and `?lang=` links.
    fn lang(&self) -> &'static str {
        self.frame().language.code()
    }
}

/// Implements [`Page`] for template structs that keep their frame in a `frame` field.
macro_rules! page {
    ($($page:ty),+ $(,)?) => {
        $(impl $crate::http::page::Page for $page {
            fn frame(&self) -> &$crate::http::page::Frame {
                &self.frame
            }
        })+
    };
}
pub(crate) use page;

/// A link to a page in one language, as `templates/languages.html` shows it.
pub struct LanguageLink {
    pub href: String,
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
}

/// Links to the page in each of `languages`, the current one marked.
pub fn language_links(
    languages: &[Language],
    current: Language,
    href: impl Fn(Language) -> String,
) -> Vec<LanguageLink> {
    languages
        .iter()
        .map(|&l| LanguageLink {
            href: href(l),
            code: l.code(),
            name: text(l, "language_name"),
            current: l == current,
        })
        .collect()
}

/// The page as HTML; a template that fails to render (it cannot, short of a bug) is a 500.
pub fn html(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page did not render");
            ApiError::internal().into_response()
        }
    }
}

/// A page in the language the browser asked for: caches keep one copy per language.
pub fn negotiated(page: &impl Page) -> Response {
    let language = page.frame().language;
    (
        [
            (header::CONTENT_LANGUAGE, language.code()),
            (header::VARY, "Accept-Language"),
        ],
        html(page),
    )
        .into_response()
}

/// Checks of a rendered page, for the pages' tests.
#[cfg(test)]
pub(crate) mod checked {
    use super::Texts;
    use crate::http::assets;
    use crate::i18n::{keys_with_prefix, text};
    use talon_core::Language;

    const OPEN: &str = r#"<script type="application/json" id="texts">"#;

    /// The texts block of `page`, parsed, and the page without it. Asserts that the block is
    /// there once, holds no raw `<` and is followed by nothing but the entry script's tag.
    pub fn texts_block(page: &str) -> (std::collections::HashMap<String, String>, String) {
        assert_eq!(page.matches(OPEN).count(), 1, "one texts block");
        let start = page.find(OPEN).expect("a texts block");
        let json_start = start + OPEN.len();
        let json_end = json_start + page[json_start..].find("</script>").expect("its end");
        let json = &page[json_start..json_end];
        assert!(!json.contains('<'), "no raw < in the block: {json}");
        let texts = serde_json::from_str(json).expect("the block is JSON");
        let rest = format!(
            "{}{}",
            &page[..start],
            &page[json_end + "</script>".len()..]
        );
        (texts, rest)
    }

    /// Asserts that every stylesheet, script and icon `page` links is an embedded asset.
    pub fn links_exist(page: &str) {
        for attribute in [r#"href="/assets/"#, r#"src="/assets/"#] {
            for (at, _) in page.match_indices(attribute) {
                let address = &page[at + attribute.len() - "/assets/".len()..];
                let address = address.split('"').next().unwrap_or_default();
                let known = assets::FILES
                    .iter()
                    .any(|(name, _, _)| assets::url(name) == address);
                assert!(known, "{address} is not an embedded asset's address");
            }
        }
    }

    /// Asserts that the page's block holds exactly the translations of `keys` in `language`.
    pub fn holds(
        texts: &std::collections::HashMap<String, String>,
        language: Language,
        keys: &Texts,
    ) {
        assert_eq!(texts.len(), keys.len());
        for (key, value) in keys {
            assert_eq!(texts.get(*key).map(String::as_str), Some(*value), "{key}");
            assert_eq!(*value, text(language, key));
        }
    }

    /// Asserts that the catalogue has at least `at_least` keys with `prefix`, among them every
    /// one of `families`; that every such key `sources` use exists; and that each language's
    /// rendering holds the texts block once, as data (no text ends it early), with every key of
    /// the prefix, and links only embedded assets. Answers each language's markup without the
    /// block, for the page's own checks.
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
                links_exist(&page);
                let (texts, rest) = texts_block(&page);
                holds(&texts, language, &super::texts(language, &keys));
                rest
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Template)]
    #[template(
        source = r#"{% extends "layout.html" %}{% block content %}<p>{{ t("x") }}</p>{% endblock %}"#,
        ext = "html"
    )]
    struct Probe {
        frame: Frame,
    }
    page!(Probe);

    #[test]
    fn texts_cannot_break_out_of_their_block() {
        let mut texts = texts(Language::En, &["ticket_title"]);
        texts.insert("x", "</script><script>alert('&')</script>");
        let page = Probe {
            frame: Frame::scripted(Language::En, "ticket.css", "ticket.js", texts),
        }
        .render()
        .expect("a page");
        let (texts, rest) = checked::texts_block(&page);
        assert_eq!(texts["ticket_title"], "Your ticket");
        assert_eq!(texts["x"], "</script><script>alert('&')</script>");
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(rest.contains("<p>x</p>"), "a missing text shows its key");
        assert!(
            rest.starts_with("<!doctype html>\n<html lang=\"en\">"),
            "{rest}"
        );
        checked::links_exist(&page);
        assert!(page.contains(&assets::url("favicon.svg")));
    }

    #[test]
    fn values_are_escaped() {
        #[derive(Template)]
        #[template(source = "<a title=\"{{ value }}\">{{ value }}</a>", ext = "html")]
        struct Escaped<'a> {
            value: &'a str,
        }
        let shown = Escaped {
            value: r#"<a href="x">'&'</a>"#,
        }
        .render()
        .expect("markup");
        let escaped = "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;";
        assert_eq!(shown, format!(r#"<a title="{escaped}">{escaped}</a>"#));
    }
}
