//! The page at `/pair` where a kiosk or screen is paired with its branch: the person setting it
//! up types the one-time code an administrator created; the script (`assets/pair.js`) trades it
//! for the device's token, keeps the token in the browser's storage and opens the device's
//! page. In the language of `?lang=` or the browser.

use super::page::{self, Frame, LangQuery, LanguageLink, Page, browser_language, language_links};
use crate::http::route::{Route, route};
use crate::policy::Public;
use askama::Template;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use talon_core::Language;

/// What the pairing script says by itself.
const SCRIPT_TEXTS: &[&str] = &["pair_invalid", "pair_failed", "error_rate_limited"];

#[derive(Template)]
#[template(path = "pair.html")]
struct PairPage {
    frame: Frame,
    links: Vec<LanguageLink>,
}
page::page!(PairPage);

fn render(language: Language) -> PairPage {
    PairPage {
        frame: Frame::scripted(
            language,
            "kiosk.css",
            "pair.js",
            page::texts(language, SCRIPT_TEXTS),
        ),
        links: language_links(&Language::ALL, language, |l| {
            format!("/pair?lang={}", l.code())
        }),
    }
}

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[utoipa::path(
    get,
    path = "/pair",
    tag = "pages",
    summary = "The page where a kiosk or screen enters its pairing code",
    params(LangQuery),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    page::html(&render(browser_language(&headers, &query)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    #[test]
    fn the_script_finds_its_texts() {
        let script = FILES
            .iter()
            .find(|(name, _, _)| *name == "pair.js")
            .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
            .expect("pair.js");
        for language in Language::ALL {
            let page = render(language).render().expect("a page");
            checked::links_exist(&page);
            let (texts, rest) = checked::texts_block(&page);
            checked::holds(&texts, language, &page::texts(language, SCRIPT_TEXTS));
            assert!(
                rest.contains(r#"<a href="/pair?lang=de" lang="de""#),
                "{rest}"
            );
        }
        for key in SCRIPT_TEXTS {
            assert!(script.contains(key), "{key} is used");
        }
    }
}
