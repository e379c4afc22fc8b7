//! The start page at `/`, in the visitor's language.

use super::page::{self, Frame, Page, negotiate_header};
use crate::http::route::{Route, route};
use crate::policy::Public;
use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    frame: Frame,
}
page::page!(StartPage);

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    summary = "The start page, in the language of Accept-Language",
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap) -> Response {
    let language = negotiate_header(&headers);
    page::html(&StartPage {
        frame: Frame::plain(language, "start.css"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::page::checked;
    use talon_core::Language;

    #[test]
    fn the_start_page_links_its_assets_and_escapes_nothing_twice() {
        let page = StartPage {
            frame: Frame::plain(Language::Ru, "start.css"),
        }
        .render()
        .expect("a page");
        checked::links_exist(&page);
        assert!(page.contains("Сервер работает."), "{page}");
        assert!(!page.contains("<script"), "no script: {page}");
    }
}
