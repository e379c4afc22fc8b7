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
use crate::i18n::{keys_with_prefix, text};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use talon_core::{
    BranchId, DomainError, Entity, Event, EventKind, Language, OperatorId, TicketId, business_day,
};

/// Events read from the store per query while counting an operator's day.
const EVENTS_PAGE: u32 = 2000;

/// The ticket events that count towards an operator's day; the rest need not be parsed.
const COUNTED: &[&str] = &[
    "ticket_called",
    "service_started",
    "service_finished",
    "ticket_no_show",
    "ticket_postponed",
    "ticket_transferred",
    "ticket_assigned",
    "ticket_returned",
    "ticket_cancelled",
    "ticket_expired",
];

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
#[derive(Debug, Serialize)]
pub struct TodayView {
    /// The branch's business day.
    day: Date,
    operator: OperatorId,
    #[serde(flatten)]
    counts: OperatorDay,
}

/// The tickets an operator finished, marked as no-shows and transferred away, and their mean
/// time from start to finish, counted from the day's events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OperatorDay {
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    /// Rounded to whole seconds; `None` until a service with a start has finished.
    pub average_service_secs: Option<u64>,
}

impl OperatorDay {
    /// Folds `events` in order. A finish, a no-show or a transfer does not name the operator,
    /// and a ticket's record keeps only its latest caller, so the fold follows who holds each
    /// ticket at a workplace: the operator of its latest call, until it leaves the workplace.
    pub fn of<'a>(operator: OperatorId, events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut holder: HashMap<TicketId, OperatorId> = HashMap::new();
        let mut started: HashMap<TicketId, Timestamp> = HashMap::new();
        let mut day = OperatorDay::default();
        let (mut service_secs, mut timed) = (0u64, 0u64);
        for event in events {
            let Some(ticket) = event.kind.ticket() else {
                continue;
            };
            let mine = holder.get(&ticket) == Some(&operator);
            match &event.kind {
                EventKind::TicketCalled { operator: by, .. } => {
                    holder.insert(ticket, *by);
                    started.remove(&ticket);
                    continue;
                }
                EventKind::ServiceStarted { .. } => {
                    started.insert(ticket, event.at);
                    continue;
                }
                EventKind::TicketIssued { .. } | EventKind::TicketRecalled { .. } => continue,
                EventKind::ServiceFinished { .. } if mine => {
                    day.served += 1;
                    if let Some(from) = started.get(&ticket) {
                        let secs = event.at.duration_since(*from).as_secs();
                        service_secs += u64::try_from(secs).unwrap_or(0);
                        timed += 1;
                    }
                }
                EventKind::TicketNoShow { .. } if mine => day.no_show += 1,
                EventKind::TicketTransferred { .. } | EventKind::TicketAssigned { .. } if mine => {
                    day.transferred += 1;
                }
                _ => {}
            }
            // Every other ticket event takes the ticket away from its workplace.
            holder.remove(&ticket);
            started.remove(&ticket);
        }
        day.average_service_secs = (timed > 0).then(|| (service_secs + timed / 2) / timed);
        day
    }
}

/// `GET /branches/{branch}/me/today`: the caller's counts for the branch's current business
/// day, from the events of that day's tickets.
pub async fn today(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<TodayView>, ApiError> {
    let operator = principal.operator_id()?;
    let handle = app.branch(branch)?;
    let now = Timestamp::now();
    let (day, ids, first, last) = handle
        .read(move |state| {
            let day = business_day(now, state.settings()?.time_zone.zone());
            let of_today: Vec<_> = state.tickets().filter(|t| t.day == day).collect();
            // Nothing about a ticket happens before it is issued.
            let first = of_today.iter().map(|t| t.issued_seq).min();
            let ids: HashSet<TicketId> = of_today.iter().map(|t| t.id).collect();
            Some((day, ids, first, state.seq()))
        })
        .await?
        .ok_or(DomainError::NotFound(Entity::Branch))?;
    let mut events = Vec::new();
    if let Some(first) = first {
        let mut after = first.saturating_sub(1);
        while after < last {
            let page = app.store.events_after(branch, after, EVENTS_PAGE).await?;
            let Some((seq, _, _)) = page.last() else {
                break;
            };
            after = *seq;
            for (seq, kind, body) in page {
                if seq > last || !COUNTED.contains(&kind.as_str()) {
                    continue;
                }
                let event: Event = serde_json::from_str(&body).map_err(|e| {
                    tracing::error!(%branch, seq, error = %e, "a stored event does not parse");
                    ApiError::internal()
                })?;
                if event.kind.ticket().is_some_and(|t| ids.contains(&t)) {
                    events.push(event);
                }
            }
        }
    }
    Ok(axum::Json(TodayView {
        day,
        operator,
        counts: OperatorDay::of(operator, &events),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;
    use talon_core::{ServiceId, WorkplaceId};

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_750_000_000 + secs).expect("a valid instant")
    }

    fn event(seq: u64, secs: i64, kind: EventKind) -> Event {
        Event {
            seq,
            at: at(secs),
            kind,
        }
    }

    fn called(seq: u64, secs: i64, ticket: u64, operator: u64) -> Event {
        event(
            seq,
            secs,
            EventKind::TicketCalled {
                ticket: TicketId(ticket),
                number: format!("A{ticket:03}"),
                service: ServiceId(1),
                workplace: WorkplaceId(operator),
                operator: OperatorId(operator),
                reason: talon_core::CallReason::Chosen,
                ratio: None,
            },
        )
    }

    fn started(seq: u64, secs: i64, ticket: u64) -> Event {
        event(
            seq,
            secs,
            EventKind::ServiceStarted {
                ticket: TicketId(ticket),
                workplace: WorkplaceId(0),
            },
        )
    }

    fn finished(seq: u64, secs: i64, ticket: u64) -> Event {
        event(
            seq,
            secs,
            EventKind::ServiceFinished {
                ticket: TicketId(ticket),
                workplace: WorkplaceId(0),
            },
        )
    }

    fn transferred(seq: u64, secs: i64, ticket: u64) -> Event {
        event(
            seq,
            secs,
            EventKind::TicketTransferred {
                ticket: TicketId(ticket),
                from_service: ServiceId(1),
                to_service: ServiceId(2),
                queued_at: at(secs),
                front: false,
                return_to: None,
            },
        )
    }

    #[test]
    fn each_ticket_counts_for_the_operator_who_held_it() {
        let me = OperatorId(7);
        let events = [
            // Served by me in 100 s and in 201 s.
            called(1, 0, 1, 7),
            started(2, 10, 1),
            finished(3, 110, 1),
            called(4, 120, 2, 7),
            started(5, 130, 2),
            finished(6, 331, 2),
            // A no-show of mine, and one of someone else's.
            called(7, 400, 3, 7),
            event(
                8,
                460,
                EventKind::TicketNoShow {
                    ticket: TicketId(3),
                    workplace: WorkplaceId(7),
                },
            ),
            called(9, 400, 4, 8),
            event(
                10,
                460,
                EventKind::TicketNoShow {
                    ticket: TicketId(4),
                    workplace: WorkplaceId(8),
                },
            ),
            // Transferred by me, then served by operator 8: my transfer, their service.
            called(11, 500, 5, 7),
            transferred(12, 520, 5),
            called(13, 600, 5, 8),
            started(14, 610, 5),
            finished(15, 700, 5),
            // Postponed by me, then transferred from the queue: not my transfer.
            called(16, 800, 6, 7),
            event(
                17,
                810,
                EventKind::TicketPostponed {
                    ticket: TicketId(6),
                    until: at(1000),
                },
            ),
            transferred(18, 820, 6),
        ];
        assert_eq!(
            OperatorDay::of(me, &events),
            OperatorDay {
                served: 2,
                no_show: 1,
                transferred: 1,
                average_service_secs: Some(151),
            }
        );
        assert_eq!(
            OperatorDay::of(OperatorId(8), &events),
            OperatorDay {
                served: 1,
                no_show: 1,
                transferred: 0,
                average_service_secs: Some(90),
            }
        );
        assert_eq!(OperatorDay::of(me, &[]), OperatorDay::default());
    }

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
