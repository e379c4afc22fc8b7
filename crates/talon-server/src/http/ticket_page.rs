//! The visitor's ticket, where the QR code on a ticket leads: the page at `/t/{token}` (number,
//! status, people ahead, estimated wait and, once called, where to go), its live stream, a
//! printable layout for the kiosk's browser, the QR code itself, and giving the ticket up.
//!
//! The page is complete as served and works without script (a `noscript` refresh, a plain form
//! to cancel); `assets/ticket.js` then follows `/api/v1/tickets/{token}/events` and updates it
//! in place, vibrating and chiming when the visitor is called. Nothing on it identifies the
//! visitor, and it tells the browser to send no referrer, so the link does not leak.

use super::page::{self, Frame, LanguageLink, Page, Texts};
use super::tickets::{by_token, public_request, ticket_url};
use crate::app::App;
use crate::branch::BranchHandle;
use crate::client::ClientAddress;
use crate::error::{ApiError, ErrorBody};
use crate::http::route::{Route, route};
use crate::i18n::{text, wait_minutes};
use crate::live::Subscription;
use crate::policy::Public;
use crate::printing::TicketFacts;
use crate::qr;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::stream;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use talon_core::{Language, Ticket, TicketStatus, TicketView};
use talon_store::StoredTicket;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;
use utoipa::IntoParams;

pub fn routes() -> Vec<Route> {
    vec![
        route!(Public, page),
        route!(Public, print),
        route!(Public, qr_code),
        route!(Public, cancel),
        route!(Public, events),
    ]
}

/// Without script, the page reloads itself this often, in seconds.
const REFRESH_SECS: u32 = 10;
/// A quiet stream sends a comment this often, so proxies and phones keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A ticket's stream reads the branch at most this often: a busy branch changes every few
/// milliseconds, and a phone needs no more than a couple of updates a second.
const MIN_READ_INTERVAL: Duration = Duration::from_millis(500);

/// What the page's script needs to say by itself.
const SCRIPT_TEXTS: &[&str] = &[
    "ticket_minutes",
    "ticket_soon",
    "ticket_called_title",
    "status_waiting",
    "status_postponed",
    "status_called",
    "status_serving",
    "status_done",
    "status_no_show",
    "status_cancelled",
    "status_expired",
];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// ru, en or de instead of the ticket's language.
    lang: Option<String>,
    /// Set after a cancel that the branch refused.
    cancel: Option<String>,
}

/// A ticket as the page shows it, with what the page needs around it.
struct Found {
    view: TicketView,
    languages: Vec<Language>,
    /// The branch's latest event the view includes.
    seq: u64,
}

/// The ticket behind `token` as it is now; not found for a malformed or unknown token.
async fn find(app: &App, token: &str) -> Result<(BranchHandle, Ticket), ApiError> {
    let StoredTicket {
        branch,
        ticket: stored,
    } = by_token(app, token).await?;
    Ok((app.branch(branch)?, stored))
}

/// A visitor's request for the ticket behind `token`: counted against the address's limit,
/// and answered with the not-found page for a token that leads nowhere.
async fn visitor_ticket(
    app: &App,
    peer: std::net::IpAddr,
    token: &str,
) -> Result<(BranchHandle, Ticket), Response> {
    public_request(app, peer).map_err(IntoResponse::into_response)?;
    find(app, token).await.map_err(|_| not_found())
}

async fn current(handle: &BranchHandle, stored: Ticket) -> Result<Found, ApiError> {
    let now = Timestamp::now();
    handle
        .read(move |state| {
            let ticket = state.ticket(stored.id).unwrap_or(&stored);
            Found {
                view: state.ticket_view(ticket, now),
                languages: state
                    .settings()
                    .map(|s| s.languages.clone())
                    .unwrap_or_default(),
                seq: state.seq(),
            }
        })
        .await
}

#[utoipa::path(
    get,
    path = "/t/{token}",
    tag = "pages",
    summary = "The visitor's ticket page",
    description = "Number, status, people ahead, the expected wait and, once called, where to \
        go; live with script, and refreshing itself without.",
    params(("token" = String, Path, description = "The ticket's link token."), PageQuery),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
        (status = 404, description = "No such ticket: a page that says so.",
            content_type = "text/html", body = String),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn page(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (handle, stored) = match visitor_ticket(&app, peer, &token).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let Ok(found) = current(&handle, stored).await else {
        return not_found();
    };
    let view = &found.view;
    let language = page::language(query.lang.as_deref(), view.language);
    let page = TicketPage {
        frame: ticket_frame(language, Some(page::texts(language, SCRIPT_TEXTS))),
        refresh_secs: REFRESH_SECS,
        links: page::language_links(&found.languages, language, |l| {
            format!("/t/{token}?lang={}", l.code())
        }),
        status_code: view.status.as_str(),
        service: view.service_name.clone(),
        number: view.number.clone(),
        status: status_text(language, view),
        queue: view
            .position
            .zip(view.eta_seconds)
            .map(|(ahead, eta)| (ahead, wait_minutes(language, eta.div_ceil(60)))),
        cancel_failed: query.cancel.is_some(),
        queued: view.status.is_queued(),
        lang_query: lang_query(&query),
        token,
    };
    ([(header::CACHE_CONTROL, "no-store")], page::html(&page)).into_response()
}

/// The layout's part of the ticket's pages: their stylesheet, and the live page's script.
fn ticket_frame(language: Language, texts: Option<Texts>) -> Frame {
    Frame {
        language,
        style: "ticket.css",
        script: texts.is_some().then_some("ticket.js"),
        texts,
    }
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    frame: Frame,
    refresh_secs: u32,
    links: Vec<LanguageLink>,
    token: String,
    status_code: &'static str,
    service: String,
    number: String,
    status: String,
    /// The people ahead and the estimated wait, while the ticket is queued.
    queue: Option<(usize, String)>,
    cancel_failed: bool,
    queued: bool,
    lang_query: String,
}

#[derive(Template)]
#[template(path = "ticket_print.html")]
struct PrintPage {
    frame: Frame,
    facts: TicketFacts,
    paper: u32,
    eta: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "ticket_missing.html")]
struct MissingPage {
    frame: Frame,
    in_every_language: Vec<&'static str>,
}
page::page!(TicketPage, PrintPage, MissingPage);

/// `?lang=…` when the visitor chose a language, so the page stays in it after the form.
fn lang_query(query: &PageQuery) -> String {
    query
        .lang
        .as_deref()
        .and_then(Language::parse)
        .map(|l| format!("?lang={}", l.code()))
        .unwrap_or_default()
}

/// The status as a sentence in `language`.
fn status_text(language: Language, view: &TicketView) -> String {
    let t = |key| text(language, key);
    match view.status {
        TicketStatus::Waiting => t("status_waiting").to_string(),
        TicketStatus::Postponed => t("status_postponed").to_string(),
        TicketStatus::Called => {
            t("status_called").replace("{workplace}", view.workplace_name.as_deref().unwrap_or(""))
        }
        TicketStatus::Serving => t("status_serving").to_string(),
        TicketStatus::Done => t("status_done").to_string(),
        TicketStatus::NoShow => t("status_no_show").to_string(),
        TicketStatus::Cancelled => t("status_cancelled").to_string(),
        TicketStatus::Expired => t("status_expired").to_string(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrintQuery {
    /// 58 or 80 mm paper; 80 unless asked.
    paper: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/t/{token}/print",
    tag = "pages",
    summary = "The ticket laid out for a thermal receipt printer, printed by the kiosk's browser",
    params(("token" = String, Path, description = "The ticket's link token."), PrintQuery),
    responses(
        (status = 200, description = "The printable ticket.", content_type = "text/html",
            body = String),
        (status = 404, description = "No such ticket: a page that says so.",
            content_type = "text/html", body = String),
        (status = 422, description = "Paper is 58 or 80 mm. Codes: `validation_failed`.",
            body = ErrorBody),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn print(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Path(token): Path<String>,
    Query(query): Query<PrintQuery>,
    headers: HeaderMap,
) -> Response {
    let (handle, stored) = match visitor_ticket(&app, peer, &token).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let paper = match query.paper {
        None => 80,
        Some(mm @ (58 | 80)) => mm,
        Some(_) => {
            return ApiError::invalid("paper is 58 or 80 mm").into_response();
        }
    };
    let url = ticket_url(&app, &headers, &token);
    let id = stored.id;
    let facts = handle
        .read(move |state| TicketFacts::of(state, id, url, Timestamp::now()))
        .await;
    let Ok(Some(facts)) = facts else {
        return not_found();
    };
    let page = PrintPage {
        frame: ticket_frame(facts.language, None),
        paper,
        eta: wait_minutes(facts.language, facts.eta_minutes),
        qr: qr::svg(&facts.url).unwrap_or_default(),
        facts,
    };
    ([(header::CACHE_CONTROL, "no-store")], page::html(&page)).into_response()
}

#[utoipa::path(
    get,
    path = "/t/{token}/qr.svg",
    tag = "pages",
    summary = "The QR code of the ticket's page",
    params(("token" = String, Path, description = "The ticket's link token.")),
    responses(
        (status = 200, description = "The code.", content_type = "image/svg+xml", body = String),
        (status = 404, description = "No such ticket: a page that says so.",
            content_type = "text/html", body = String),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn qr_code(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = visitor_ticket(&app, peer, &token).await {
        return refused;
    }
    match qr::svg(&ticket_url(&app, &headers, &token)) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            svg,
        )
            .into_response(),
        None => ApiError::internal().into_response(),
    }
}

/// The page's cancel form: gives the ticket up and shows the page again.
#[utoipa::path(
    post,
    path = "/t/{token}/cancel",
    tag = "pages",
    summary = "The ticket page's form to give the ticket up",
    params(("token" = String, Path, description = "The ticket's link token."), PageQuery),
    responses(
        (status = 303, description = "Back to the ticket's page (with `cancel=failed` if the \
            ticket could not be given up)."),
        (status = 404, description = "No such ticket: a page that says so.",
            content_type = "text/html", body = String),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (handle, stored) = match visitor_ticket(&app, peer, &token).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let cancelled = handle
        .execute(talon_core::Command::Cancel { ticket: stored.id }, |_, _| ())
        .await;
    let lang = lang_query(&query);
    let to = match cancelled {
        Ok(()) => format!("/t/{token}{lang}"),
        Err(_) if lang.is_empty() => format!("/t/{token}?cancel=failed"),
        Err(_) => format!("/t/{token}{lang}&cancel=failed"),
    };
    Redirect::to(&to).into_response()
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{key}/events",
    tag = "tickets",
    summary = "The visitor's ticket, live (Server-Sent Events)",
    description = "`ticket` events carrying the visitor's view, the current one first, then each \
        time it changes; the stream ends after a final status. Each event's id is the branch's \
        latest event the view includes.",
    params(("key" = String, Path, description = "The ticket's link token.")),
    responses(
        (status = 200, description = "The stream.", content_type = "text/event-stream",
            body = String),
        (status = 404, description = "No such ticket. Codes: `ticket_not_found`.",
            body = ErrorBody),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn events(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    public_request(&app, peer)?;
    let (handle, stored) = find(&app, &token).await?;
    // Subscribe before the first read, so no change in between is missed.
    let live = handle.subscribe();
    let watch = Watch {
        _subscription: Subscription::new(app.metrics.clone()),
        handle,
        stored,
        live,
        last: None,
        read_at: None,
        finished: false,
    };
    let frames = stream::unfold(watch, |mut watch| async move {
        let frame = watch.next().await?;
        Some((frame, watch))
    });
    Ok(crate::live::event_stream(&app, frames))
}

struct Watch {
    _subscription: Subscription,
    handle: BranchHandle,
    stored: Ticket,
    live: tokio::sync::broadcast::Receiver<crate::branch::LiveEvent>,
    last: Option<TicketView>,
    read_at: Option<Instant>,
    finished: bool,
}

impl Watch {
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.finished {
                return None;
            }
            if self.last.is_some() {
                match tokio::time::timeout(KEEP_ALIVE, self.live.recv()).await {
                    Err(_) => return Some(Bytes::from_static(b":\n\n")),
                    Ok(Err(RecvError::Closed)) => return None,
                    // An event, or so many that some were dropped: either way, read again.
                    Ok(Ok(_) | Err(RecvError::Lagged(_))) => {}
                }
                if let Some(at) = self.read_at {
                    tokio::time::sleep_until(at + MIN_READ_INTERVAL).await;
                }
                self.drain();
            }
            self.read_at = Some(Instant::now());
            let found = current(&self.handle, self.stored.clone()).await.ok()?;
            if self.last.as_ref() != Some(&found.view) {
                self.finished = found.view.status.is_final();
                let frame = serde_json::to_string(&found.view).ok()?;
                self.last = Some(found.view);
                return Some(Bytes::from(format!(
                    "id: {}\nevent: ticket\ndata: {frame}\n\n",
                    found.seq
                )));
            }
        }
    }

    /// Skips the events already waiting: the next read sees all of them.
    fn drain(&mut self) {
        loop {
            match self.live.try_recv() {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty | TryRecvError::Closed) => return,
            }
        }
    }
}

fn not_found() -> Response {
    let page = MissingPage {
        frame: ticket_frame(Language::En, None),
        in_every_language: Language::ALL
            .into_iter()
            .map(|l| text(l, "ticket_not_found"))
            .collect(),
    };
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        page::html(&page),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    fn facts(header: Option<&str>) -> TicketFacts {
        TicketFacts {
            language: Language::De,
            branch: "Mitte <1>".to_string(),
            service: "Kasse".to_string(),
            number: "A017".to_string(),
            issued: "04.12.2026 16:05".to_string(),
            ahead: 3,
            eta_minutes: 7,
            url: "https://talon.example/t/0".to_string(),
            header: header.map(str::to_string),
            footer: None,
        }
    }

    #[test]
    fn the_ticket_pages_render_with_their_texts_and_assets() {
        let script = FILES
            .iter()
            .find(|(name, _, _)| *name == "ticket.js")
            .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
            .expect("ticket.js");
        for key in SCRIPT_TEXTS {
            assert!(script.contains(key), "{key} is used");
        }

        let print = PrintPage {
            frame: ticket_frame(Language::De, None),
            paper: 58,
            eta: wait_minutes(Language::De, 7),
            qr: "<svg></svg>".to_string(),
            facts: facts(Some("Willkommen & danke")),
        }
        .render()
        .expect("a page");
        checked::links_exist(&print);
        assert!(!print.contains("<script"), "the printout runs no script");
        assert!(
            print.contains(r#"<body class="print paper-58">"#),
            "{print}"
        );
        assert!(print.contains(r#"<p class="branch">Mitte &#60;1&#62;</p>"#));
        assert!(print.contains(r#"<p class="header">Willkommen &#38; danke</p>"#));
        assert!(print.contains(r#"<div class="qr"><svg></svg></div>"#));
        assert!(
            !print.contains("branch-footer"),
            "no footer line without one"
        );

        let missing = MissingPage {
            frame: ticket_frame(Language::En, None),
            in_every_language: Language::ALL
                .into_iter()
                .map(|l| text(l, "ticket_not_found"))
                .collect(),
        }
        .render()
        .expect("a page");
        checked::links_exist(&missing);
        let said: Vec<&str> = Language::ALL
            .into_iter()
            .map(|l| text(l, "ticket_not_found"))
            .collect();
        assert!(missing.contains(&said.join(" · ")), "{missing}");
        assert!(missing.contains(r#"<meta name="referrer" content="no-referrer">"#));
    }
}
