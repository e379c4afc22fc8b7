//! The hall display at `/display/{branch}?token=…` (a display device's token), the counter
//! display above one workplace at `/display/{branch}/workplace/{id}?token=…`. The pages are
//! shells in the branch's language (`templates/display.html`, `templates/counter.html`); their
//! scripts (`assets/display.js`, `assets/counter.js`) read the branch's state and follow its
//! event stream.

use super::page::{self, Frame, Page};
use crate::app::App;
use crate::http::route::{Route, route};
use crate::policy::Public;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use talon_core::{BranchId, Language, WorkplaceId};

/// What the counter display's script says by itself.
const COUNTER_TEXTS: &[&str] = &[
    "counter_idle",
    "counter_called",
    "counter_serving",
    "counter_closed",
    "counter_paused",
];

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page), route!(Public, counter)]
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// ru, en or de instead of the branch's first language.
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "display.html")]
struct HallPage {
    frame: Frame,
    branch: BranchId,
}

#[derive(Template)]
#[template(path = "counter.html")]
struct CounterPage {
    frame: Frame,
    branch: BranchId,
    workplace: WorkplaceId,
}
page::page!(HallPage, CounterPage);

fn hall(language: Language, branch: BranchId) -> HallPage {
    HallPage {
        frame: Frame {
            language,
            style: "display.css",
            script: Some("display.js"),
            texts: None,
        },
        branch,
    }
}

fn counter_page(language: Language, branch: BranchId, workplace: WorkplaceId) -> CounterPage {
    CounterPage {
        frame: Frame::scripted(
            language,
            "display.css",
            "counter.js",
            page::texts(language, COUNTER_TEXTS),
        ),
        branch,
        workplace,
    }
}

/// The language of a display page: asked for, else the branch's first.
async fn page_language(app: &App, branch: BranchId, query: &PageQuery) -> Option<Language> {
    let handle = app.branch(branch).ok()?;
    let default = handle
        .read(|state| state.settings().map(|s| s.default_language()))
        .await
        .ok()
        .flatten()
        .unwrap_or(Language::En);
    Some(page::language(query.lang.as_deref(), default))
}

#[utoipa::path(
    get,
    path = "/display/{branch}",
    tag = "pages",
    summary = "The hall display",
    description = "Open it as `/display/{branch}?token=<display token>`.",
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
    let Some(language) = page_language(&app, branch, &query).await else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
    page::html(&hall(language, branch))
}

/// The display above one counter: the ticket called there, large.
#[utoipa::path(
    get,
    path = "/display/{branch}/workplace/{workplace}",
    tag = "pages",
    summary = "The display above one counter",
    description = "Open it as `/display/{branch}/workplace/{workplace}?token=<display token>`.",
    params(("branch" = u64, Path, description = "Branch id."), ("workplace" = u64, Path, description = "Workplace id."), PageQuery),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
        (status = 404, description = "No such branch or workplace.", content_type = "text/plain",
            body = String),
    )
)]
pub async fn counter(
    State(app): State<Arc<App>>,
    Path((branch, workplace)): Path<(BranchId, WorkplaceId)>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(language) = page_language(&app, branch, &query).await else {
        return (StatusCode::NOT_FOUND, "no such branch").into_response();
    };
    if app.branches.workplace_branch(workplace) != Some(branch) {
        return (StatusCode::NOT_FOUND, "no such workplace").into_response();
    }
    page::html(&counter_page(language, branch, workplace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    #[test]
    fn the_displays_link_their_assets_and_the_counter_finds_its_texts() {
        let script = FILES
            .iter()
            .find(|(name, _, _)| *name == "counter.js")
            .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
            .expect("counter.js");
        for key in COUNTER_TEXTS {
            assert!(script.contains(key), "{key} is used");
        }
        for language in Language::ALL {
            let page = hall(language, BranchId(3)).render().expect("a page");
            checked::links_exist(&page);
            assert!(page.contains(r#"<body data-branch="3">"#), "{page}");
            assert!(
                !page.contains(r#"id="texts""#),
                "the hall display needs no texts"
            );

            let page = counter_page(language, BranchId(3), WorkplaceId(9))
                .render()
                .expect("a page");
            checked::links_exist(&page);
            let (texts, rest) = checked::texts_block(&page);
            checked::holds(&texts, language, &page::texts(language, COUNTER_TEXTS));
            assert!(
                rest.contains(r#"<body class="counter" data-branch="3" data-workplace="9">"#),
                "{rest}"
            );
        }
    }
}
