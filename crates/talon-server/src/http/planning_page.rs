//! The planning page at `/planning`, for managers and administrators: a forecast of a day's
//! arrivals from a history (a counts file) with the history beside it, the staffing plan per
//! interval as a table and a chart, the Erlang figures for one group of workplaces, and
//! simulations on the real engine with a what-if comparison. The page (`templates/
//! planning.html`) is a shell in the language of `?lang=` or the browser; its script
//! (`assets/planning.js`) signs in like the admin panel (it shares that panel's session),
//! calls `/api/v1/planning/*` and draws the charts as inline SVG.

use super::page::{self, Frame, LangQuery, LanguageLink, Page, browser_language, language_links};
use crate::http::route::{Route, route};
use crate::i18n::keys_with_prefix;
use crate::policy::Public;
use askama::Template;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use talon_core::Language;

#[derive(Template)]
#[template(path = "planning.html")]
struct PlanningPage {
    frame: Frame,
    links: Vec<LanguageLink>,
}
page::page!(PlanningPage);

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[utoipa::path(
    get,
    path = "/planning",
    tag = "pages",
    summary = "The planning page",
    description = "Managers and administrators sign in on it.",
    params(LangQuery),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    page::negotiated(&render(browser_language(&headers, &query)))
}

fn render(language: Language) -> PlanningPage {
    PlanningPage {
        frame: Frame::scripted(
            language,
            "planning.css",
            "planning.js",
            page::texts(language, &keys_with_prefix("planning_")),
        ),
        links: language_links(&Language::ALL, language, |l| format!("?lang={}", l.code())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::page::checked;

    #[test]
    fn every_text_is_translated_and_the_block_stays_data() {
        let pages = checked::texts_of_page(
            "planning_",
            40,
            &[
                include_str!("../../assets/planning.js"),
                include_str!("../../templates/planning.html"),
            ],
            &[
                "planning_error_not_enough_history",
                "planning_error_invalid_csv",
                "planning_error_planning_busy",
                "planning_error_unknown",
            ],
            |language| render(language).render().expect("a page"),
        );
        for markup in pages {
            assert!(!markup.contains("planning_"), "every label is translated");
            assert!(!markup.contains("{{"), "every placeholder is filled");
            assert!(
                !markup.contains(" style=") && !markup.contains("<style"),
                "no inline style"
            );
        }
    }
}
