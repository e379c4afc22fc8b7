//! The start page at `/`, in the visitor's language.

use super::page::{self, Frame, LangQuery, LanguageLink, Page, browser_language, language_links};
use crate::http::route::{Route, route};
use crate::policy::Public;
use askama::Template;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use talon_core::Language;

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    frame: Frame,
    links: Vec<LanguageLink>,
}
page::page!(StartPage);

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    summary = "The start page, in the language of `?lang=` or else of Accept-Language",
    params(LangQuery),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    page::negotiated(&render(browser_language(&headers, &query)))
}

fn render(language: Language) -> StartPage {
    StartPage {
        frame: Frame::plain(language, "start.css"),
        links: language_links(&Language::ALL, language, |l| format!("?lang={}", l.code())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::page::checked;

    #[test]
    fn the_start_page_links_its_assets_and_escapes_nothing_twice() {
        let page = render(Language::Ru).render().expect("a page");
        checked::links_exist(&page);
        assert!(page.contains("Сервер работает."), "{page}");
        assert!(!page.contains("<script"), "no script: {page}");
        assert!(page.contains(r#"href="?lang=de" lang="de""#), "{page}");
    }
}
