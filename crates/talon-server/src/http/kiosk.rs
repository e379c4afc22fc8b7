//! The touch kiosk at `/kiosk/{branch}?token=…` (a kiosk device's token): the branch's services
//! as large buttons, grouped where the configuration groups them, closed ones shown closed with
//! today's hours; then the ticket on screen with its QR code, printed on the kiosk's network
//! printer (by the server) or else through the browser. The page is a shell in the chosen
//! language (`templates/kiosk.html`); `assets/kiosk.js` does the rest.

use super::page::{self, Frame, LanguageLink, Page, language_links};
use crate::app::App;
use crate::http::route::{Route, route};
use crate::policy::Public;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{BranchId, Language};

/// What the kiosk's script says by itself.
const SCRIPT_TEXTS: &[&str] = &[
    "kiosk_choose",
    "kiosk_back",
    "kiosk_closed",
    "kiosk_closed_today",
    "kiosk_branch_closed_today",
    "kiosk_hours",
    "kiosk_full",
    "kiosk_waiting",
    "kiosk_scan",
    "kiosk_printed",
    "kiosk_not_printed",
    "kiosk_done",
    "kiosk_error",
    "ticket_title",
    "ticket_ahead",
    "ticket_eta",
    "ticket_minutes",
    "ticket_soon",
    "error_service_closed",
    "error_branch_closed",
    "error_daily_limit_reached",
    "error_numbering_exhausted",
    "error_rate_limited",
];

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// ru, en or de instead of the branch's first language.
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    frame: Frame,
    branch: BranchId,
    default_language: Language,
    /// The branch's languages, as buttons.
    links: Vec<LanguageLink>,
}
page::page!(KioskPage);

fn render(branch: BranchId, languages: &[Language], language: Language) -> KioskPage {
    KioskPage {
        frame: Frame::scripted(
            language,
            "kiosk.css",
            "kiosk.js",
            page::texts(language, SCRIPT_TEXTS),
        ),
        branch,
        default_language: languages[0],
        links: language_links(languages, language, |_| String::new()),
    }
}

#[utoipa::path(
    get,
    path = "/kiosk/{branch}",
    tag = "pages",
    summary = "The touch kiosk",
    description = "Open it as `/kiosk/{branch}?token=<kiosk token>`, optionally with `&paper=58|80` (browser printing) or `&print=off`.",
    params(("branch" = u64, Path, description = "Branch id."), PageQuery),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
        (status = 404, description = "No such branch or workplace.", content_type = "text/plain",
            body = String),
    )
)]
pub async fn page(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Ok(handle) = app.branch(branch) else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
    let languages = handle
        .read(|state| state.settings().map(|s| s.languages.clone()))
        .await
        .ok()
        .flatten()
        .filter(|languages| !languages.is_empty())
        .unwrap_or_else(|| vec![Language::En]);
    let language = page::language(query.lang.as_deref(), languages[0]);
    page::html(&render(branch, &languages, language))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    #[test]
    fn the_kiosk_names_its_languages_and_its_script_finds_its_texts() {
        let source = |file: &str| {
            FILES
                .iter()
                .find(|(name, _, _)| *name == file)
                .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
                .expect("embedded")
        };
        let script = source("kiosk.js");
        // The errors' texts are looked up by the code the server answers.
        for key in SCRIPT_TEXTS.iter().filter(|k| !k.starts_with("error_")) {
            assert!(script.contains(key), "{key} is used");
        }
        let languages = [Language::De, Language::En];
        let page = render(BranchId(7), &languages, Language::En)
            .render()
            .expect("a page");
        checked::links_exist(&page);
        let (texts, rest) = checked::texts_block(&page);
        checked::holds(
            &texts,
            Language::En,
            &page::texts(Language::En, SCRIPT_TEXTS),
        );
        assert!(
            rest.contains(r#"data-branch="7" data-default-lang="de""#),
            "{rest}"
        );
        assert!(
            rest.contains(r#"<button type="button" data-lang="en" lang="en" aria-current="true">English</button>"#),
            "{rest}"
        );
        assert!(rest.contains(r#"<div id="unpaired" role="alert" hidden>"#));
    }
}
