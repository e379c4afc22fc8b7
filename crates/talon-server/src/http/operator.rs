//! The operator's workstation at `/operator` and its assets, and the operator's own counts for
//! the day (`GET /api/v1/branches/{branch}/me/today`). The page is a shell in the language of
//! `?lang=` or the browser; its script (`assets/operator.js`) signs in with the staff API and
//! follows the branch's event stream. Its texts come as a JSON data block, never as inline script.

use super::page::{LangQuery, asset, browser_language, escape, language_links, negotiated, texts};
use crate::app::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::Path;
use crate::i18n::{keys_with_prefix, text};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::sync::Arc;
use talon_core::{BranchId, DomainError, Entity, Language, OperatorId, business_day};

const OPERATOR_JS: &str = include_str!("../../assets/operator.js");
const OPERATOR_CSS: &str = include_str!("../../assets/operator.css");

pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> impl IntoResponse {
    let language = browser_language(&headers, &query);
    negotiated(language, render(language))
}

pub async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", OPERATOR_JS)
}

pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", OPERATOR_CSS)
}

/// An action button with its shortcut shown on it.
fn button(language: Language, id: &str, key: char, label: &str, class: &str) -> String {
    format!(
        r#"<button id="{id}" type="button" class="{class}" data-key="{key}" aria-keyshortcuts="{key}" disabled><span>{label}</span><kbd>{key}</kbd></button>"#,
        label = escape(text(language, label)),
    )
}

fn render(language: Language) -> String {
    let t = |key: &str| escape(text(language, key));
    let links = language_links(&Language::ALL, language, |l| format!("?lang={}", l.code()));
    let keys = keys_with_prefix("op_");
    let presets: String = [5, 10, 15, 30]
        .iter()
        .map(|n| {
            format!(
                r#"<button type="button" data-minutes="{n}">{}</button>"#,
                escape(&text(language, "op_minutes").replace("{n}", &n.to_string()))
            )
        })
        .collect();
    let actions = [
        button(language, "call-next", 'N', "op_call_next", "primary wide"),
        button(language, "recall", 'R', "op_recall", ""),
        button(language, "start", 'S', "op_start", "go"),
        button(language, "finish", 'F', "op_finish", "go"),
        button(language, "no-show", 'X', "op_no_show", "warn"),
        button(language, "postpone", 'P', "op_postpone", ""),
        button(language, "transfer", 'T', "op_transfer", ""),
        button(language, "pause", 'Z', "op_pause", "quiet"),
        button(language, "resume", 'Z', "op_resume", "quiet"),
        button(language, "close", 'C', "op_close", "quiet"),
    ]
    .join("\n");
    let pause_reasons: String = ["op_pause_break", "op_pause_lunch", "op_pause_paperwork"]
        .iter()
        .map(|key| format!(r#"<option value="{}">"#, t(key)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Talon</title>
<link rel="stylesheet" href="/assets/operator.css">
{texts}
<script type="module" src="/assets/operator.js"></script>
</head>
<body>
<header>
<span class="brand">Talon</span>
<span id="place"></span>
<span id="workplace-status" class="badge" hidden></span>
<span id="offline" class="badge" data-status="offline" hidden>{offline}</span>
<span class="spacer"></span>
<span id="who"></span>
<span id="clock"></span>
<nav class="languages" aria-label="{language_label}">{links}</nav>
<button id="logout" type="button" hidden>{logout}</button>
</header>
<div id="message" role="status" aria-live="polite" hidden></div>
<main>
<section id="login-view" class="panel form-panel" hidden>
<h1>{title}</h1>
<form id="login-form">
<label for="username">{username}</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">{password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">{sign_in}</button>
</form>
</section>
<section id="workplace-view" class="panel form-panel" hidden>
<h1>{choose}</h1>
<form id="workplace-form">
<div id="branch-field" hidden><label for="branch">{branch}</label>
<select id="branch"></select></div>
<label for="workplace">{workplace}</label>
<select id="workplace" required></select>
<label for="profile">{profile}</label>
<select id="profile" required></select>
<button id="open" type="submit" class="primary">{open}</button>
</form>
</section>
<section id="work-view" hidden>
<div class="desk">
<section id="current" class="panel" data-status="none">
<h2>{current}</h2>
<div class="current-head"><span id="current-number"></span><span id="current-status"></span><span id="current-service"></span></div>
<p id="current-empty">{none}</p>
<div id="current-details" hidden>
<dl class="times">
<div><dt>{issued_at}</dt><dd id="issued-at"></dd></div>
<div><dt>{called_at}</dt><dd id="called-at"></dd></div>
<div><dt>{started_at}</dt><dd id="started-at"></dd></div>
<div><dt>{waited}</dt><dd id="waited"></dd></div>
<div class="timer"><dt id="timer-label"></dt><dd id="timer" data-since=""></dd></div>
</dl>
<p class="why"><span class="label">{why}</span> <span id="reason"></span></p>
</div>
</section>
<div id="actions">
{actions}
</div>
</div>
<aside>
<section class="panel">
<h2>{today}</h2>
<dl id="today">
<div><dt>{served}</dt><dd data-count="served">0</dd></div>
<div><dt>{no_shows}</dt><dd data-count="no_show">0</dd></div>
<div><dt>{transferred}</dt><dd data-count="transferred">0</dd></div>
<div><dt>{average}</dt><dd data-count="average_service">—</dd></div>
</dl>
</section>
<section class="panel">
<h2>{queues}</h2>
<ul id="queues"></ul>
</section>
<section class="panel tickets-panel">
<h2>{tickets} <span id="tickets-count" class="count"></span></h2>
<ul id="tickets"></ul>
</section>
</aside>
</section>
</main>
<dialog id="postpone-dialog">
<form id="postpone-form">
<h2>{postpone_title}</h2>
<label for="postpone-minutes">{postpone_minutes}</label>
<div class="presets">{presets}</div>
<input id="postpone-minutes" type="number" min="1" max="1440" step="1" value="10" required autofocus>
<div class="buttons"><button type="button" class="cancel">{cancel}</button><button id="postpone-confirm" type="submit" class="primary">{postpone}</button></div>
</form>
</dialog>
<dialog id="transfer-dialog">
<form id="transfer-form">
<h2>{transfer_title}</h2>
<label for="transfer-service">{transfer_service}</label>
<select id="transfer-service" required autofocus></select>
<label class="check"><input id="transfer-return" type="checkbox"> {transfer_return}</label>
<div class="buttons"><button type="button" class="cancel">{cancel}</button><button id="transfer-confirm" type="submit" class="primary">{transfer}</button></div>
</form>
</dialog>
<dialog id="pause-dialog">
<form id="pause-form">
<h2>{pause_title}</h2>
<label for="pause-reason">{pause_reason}</label>
<input id="pause-reason" list="pause-reasons" maxlength="100" required autofocus>
<datalist id="pause-reasons">{pause_reasons}</datalist>
<div class="buttons"><button type="button" class="cancel">{cancel}</button><button id="pause-confirm" type="submit" class="primary">{pause}</button></div>
</form>
</dialog>
</body>
</html>"#,
        lang = language.code(),
        texts = texts(language, &keys),
        title = t("op_title"),
        offline = t("op_offline"),
        language_label = t("op_language"),
        logout = t("op_logout"),
        username = t("op_username"),
        password = t("op_password"),
        sign_in = t("op_sign_in"),
        choose = t("op_choose"),
        branch = t("op_branch"),
        workplace = t("op_workplace"),
        profile = t("op_profile"),
        open = t("op_open"),
        current = t("op_current"),
        none = t("op_none"),
        issued_at = t("op_issued_at"),
        called_at = t("op_called_at"),
        started_at = t("op_started_at"),
        waited = t("op_waited"),
        why = t("op_why"),
        today = t("op_today"),
        served = t("op_served"),
        no_shows = t("op_no_shows"),
        transferred = t("op_transferred"),
        average = t("op_average"),
        queues = t("op_queues"),
        tickets = t("op_tickets"),
        postpone_title = t("op_postpone_title"),
        postpone_minutes = t("op_postpone_minutes"),
        cancel = t("op_cancel"),
        postpone = t("op_postpone"),
        transfer_title = t("op_transfer_title"),
        transfer_service = t("op_transfer_service"),
        transfer_return = t("op_transfer_return"),
        transfer = t("op_transfer"),
        pause_title = t("op_pause_title"),
        pause_reason = t("op_pause_reason"),
        pause = t("op_pause"),
    )
}

/// What one operator did today, for their own screen.
#[derive(Debug, Serialize)]
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
    use crate::http::page::checked;

    #[test]
    fn every_script_text_is_translated_and_the_block_stays_data() {
        let pages = checked::texts_of_page(
            "op_",
            50,
            &[OPERATOR_JS],
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
            render,
        );
        for markup in pages {
            assert!(
                !markup.contains("op_"),
                "every label of the page is translated"
            );
        }
    }
}
