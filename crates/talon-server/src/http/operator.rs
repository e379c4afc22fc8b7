//! The operator's workstation at `/operator`, and the operator's own counts for the day
//! (`GET /api/v1/branches/{branch}/me/today`). The page (`templates/operator.html`) is a shell in
//! the language of `?lang=` or the browser; its script (`assets/operator.js` and the
//! `operator-*.js` modules it imports) signs in with the staff API and follows the branch's
//! event stream. Its texts come as a JSON data block, never as inline script.

use super::page::{self, Frame, LangQuery, LanguageLink, Page, browser_language, language_links};
use crate::app::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::Path;
use crate::http::route::{Route, route};
use crate::i18n::{keys_with_prefix, text};
use crate::policy::Public;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::sync::Arc;
use talon_core::{BranchId, DomainError, Entity, Language, OperatorId, business_day};

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page), route!(crate::policy::SERVE, today)]
}

#[utoipa::path(
    get,
    path = "/operator",
    tag = "pages",
    summary = "The operator's workstation",
    description = "Staff sign in on it.",
    params(LangQuery),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    page::negotiated(&render(browser_language(&headers, &query)))
}

/// An action button, with its shortcut shown on it.
struct Action {
    id: &'static str,
    key: char,
    /// The key of its label's text.
    label: &'static str,
    class: &'static str,
}

const ACTIONS: [Action; 10] = [
    action("call-next", 'N', "op_call_next", "primary wide"),
    action("recall", 'R', "op_recall", ""),
    action("start", 'S', "op_start", "go"),
    action("finish", 'F', "op_finish", "go"),
    action("no-show", 'X', "op_no_show", "warn"),
    action("postpone", 'P', "op_postpone", ""),
    action("transfer", 'T', "op_transfer", ""),
    action("pause", 'Z', "op_pause", "quiet"),
    action("resume", 'Z', "op_resume", "quiet"),
    action("close", 'C', "op_close", "quiet"),
];

const fn action(id: &'static str, key: char, label: &'static str, class: &'static str) -> Action {
    Action {
        id,
        key,
        label,
        class,
    }
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    frame: Frame,
    links: Vec<LanguageLink>,
    actions: &'static [Action],
    /// Minutes and their label.
    postpone_presets: Vec<(u32, String)>,
}
page::page!(OperatorPage);

fn render(language: Language) -> OperatorPage {
    OperatorPage {
        frame: Frame::scripted(
            language,
            "operator.css",
            "operator.js",
            page::texts(language, &keys_with_prefix("op_")),
        ),
        links: language_links(&Language::ALL, language, |l| format!("?lang={}", l.code())),
        actions: &ACTIONS,
        postpone_presets: [5, 10, 15, 30]
            .into_iter()
            .map(|n| {
                (
                    n,
                    text(language, "op_minutes").replace("{n}", &n.to_string()),
                )
            })
            .collect(),
    }
}

/// What one operator did today, for their own screen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = OperatorDay)]
pub struct TodayView {
    /// The branch's business day.
    day: Date,
    operator: OperatorId,
    served: u32,
    no_show: u32,
    transferred: u32,
    /// The mean time from start to finish, in whole seconds; `None` until a service with a
    /// start has finished.
    average_service_secs: Option<u64>,
}

/// `GET /branches/{branch}/me/today`: the caller's counts for the branch's current business
/// day, kept by the branch's state as its events happen.
#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/me/today",
    tag = "workplaces",
    summary = "The caller's own counts for the branch's current business day",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "Served, no-shows, transferred and the mean service time.",
            body = TodayView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = crate::error::ErrorBody),
    )
)]
pub async fn today(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<TodayView>, ApiError> {
    let operator = principal.operator_id()?;
    let now = Timestamp::now();
    let view = app
        .branch(branch)?
        .read(move |state| {
            let day = business_day(now, state.settings()?.time_zone.zone());
            let counts = state.operator_day(operator, day);
            Some(TodayView {
                day,
                operator,
                served: counts.served,
                no_show: counts.no_show,
                transferred: counts.transferred,
                average_service_secs: counts.average_service_secs(),
            })
        })
        .await?
        .ok_or(DomainError::NotFound(Entity::Branch))?;
    Ok(axum::Json(view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    #[test]
    fn every_script_text_is_translated_and_the_block_stays_data() {
        let mut sources: Vec<&str> = FILES
            .iter()
            .filter(|(name, _, _)| name.starts_with("operator") && name.ends_with(".js"))
            .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
            .collect();
        assert!(!sources.is_empty());
        sources.push(include_str!("../../templates/operator.html"));
        let pages = checked::texts_of_page(
            "op_",
            50,
            &sources,
            &[
                "op_status_called",
                "op_status_serving",
                "op_wp_open",
                "op_reason_strict_order",
                "op_reason_longest_waiting",
                "op_reason_weighted",
                "op_reason_urgency",
                "op_reason_max_wait_exceeded",
                "op_reason_personal",
                "op_reason_appointment_due",
                "op_reason_chosen",
                "op_error_invalid_credentials",
            ],
            |language| render(language).render().expect("a page"),
        );
        for markup in pages {
            assert!(
                !markup.contains("op_"),
                "every label of the page is translated"
            );
        }
    }
}
