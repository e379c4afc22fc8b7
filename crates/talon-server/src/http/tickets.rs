//! Tickets: issuing, the visitor's public view and cancel, and the operator's actions on one.

use crate::app::App;
use crate::auth::{Principal, Role, random_hex, sha256_hex};
use crate::customers::category_of;
use crate::error::ApiError;
use crate::extract::{Body, Path};
use crate::identity::{Identifier, IdentifierInput};
use crate::printing::{self, TicketFacts};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use talon_core::{
    BranchId, BranchState, CallReason, CategoryId, Channel, Command, DomainError, Entity, Event,
    EventKind, Language, OperatorId, ServiceId, Ticket, TicketId, TicketStatus, TicketView,
    TransferPosition, WorkplaceId,
};
use talon_store::StoredTicket;

/// A ticket as staff and the issuing device see it.
#[derive(Debug, Serialize)]
pub struct StaffTicket {
    pub id: TicketId,
    pub number: String,
    pub service: ServiceId,
    pub status: TicketStatus,
    pub position: Option<usize>,
    pub eta_seconds: Option<u64>,
    pub workplace: Option<WorkplaceId>,
    pub calls: u32,
    pub transfers: u32,
    pub category: Option<CategoryId>,
    pub created_at: Timestamp,
    pub called_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// The visitor's link token; only in the answer that issued the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Why the ticket was called; only in the answer to a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<CallReason>,
    /// Whether the kiosk's printer printed it; only for a kiosk with a printer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printed: Option<bool>,
}

impl StaffTicket {
    pub fn of(state: &BranchState, t: &Ticket, now: Timestamp) -> StaffTicket {
        StaffTicket {
            id: t.id,
            number: t.number.clone(),
            service: t.service,
            status: t.status,
            position: state.position(t),
            eta_seconds: state.eta_seconds(t, now),
            workplace: t.workplace,
            calls: t.calls,
            transfers: t.transfers,
            category: t.category,
            created_at: t.created_at,
            called_at: t.called_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            token: None,
            reason: None,
            printed: None,
        }
    }

    /// The ticket named by the first of `events`, as it is now, with the call's reason if any.
    pub fn after(state: &BranchState, events: &[Event]) -> Option<StaffTicket> {
        let event = events.first()?;
        let ticket = state.ticket(event.kind.ticket()?)?;
        let mut view = StaffTicket::of(state, ticket, event.at);
        if let EventKind::TicketCalled { reason, .. } = &event.kind {
            view.reason = Some(reason.clone());
        }
        Some(view)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    service: ServiceId,
    /// The customer category, e.g. from the kiosk's button or the receptionist.
    category: Option<CategoryId>,
    /// The visitor identifies themself; their category is looked up unless one is given.
    identification: Option<IdentifierInput>,
    channel: Option<Channel>,
    language: Option<Language>,
}

pub async fn issue(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(branch): Path<BranchId>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<(StatusCode, axum::Json<StaffTicket>), ApiError> {
    let request: IssueRequest = parse_body(&body)?;
    let channel = match request.channel {
        Some(channel) => channel,
        None if principal.role == Role::Kiosk => Channel::Kiosk,
        None => Channel::Reception,
    };
    let language = request.language;
    let identifier = request
        .identification
        .as_ref()
        .map(Identifier::parse)
        .transpose()?;
    let handle = app.branch(branch)?;
    let category = match (request.category, identifier) {
        (Some(category), _) => Some(category),
        (None, Some(identifier)) => category_of(&app, &handle, &identifier)
            .await?
            .map(|(c, _)| c),
        (None, None) => None,
    };
    let id = TicketId(app.next_id().await?);
    // 128 random bits: the visitor's only handle on the ticket.
    let token = random_hex(16);
    let command = Command::IssueTicket {
        id,
        token_hash: sha256_hex(&token),
        service: request.service,
        channel,
        language,
        category,
        due_at: None,
    };
    let mut ticket = handle
        .execute(command, StaffTicket::after)
        .await?
        .ok_or_else(ApiError::internal)?;
    if let Some(printer) = &principal.printer {
        let url = ticket_url(&app, &headers, &token);
        let facts = handle
            .read(move |state| TicketFacts::of(state, id, url, Timestamp::now()))
            .await?;
        ticket.printed = match facts {
            Some(facts) => Some(printing::send(printer, &printing::render(printer, &facts)).await),
            None => Some(false),
        };
    }
    ticket.token = Some(token);
    Ok((StatusCode::CREATED, axum::Json(ticket)))
}

/// The visitor's ticket page: under the configured public URL, else the host this request came
/// to.
pub fn ticket_url(app: &App, headers: &HeaderMap, token: &str) -> String {
    let base = app.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{base}/t/{token}")
}

/// Tickets not yet finished: the queues and those at workplaces.
pub async fn list(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<Vec<StaffTicket>>, ApiError> {
    let now = Timestamp::now();
    let tickets = app
        .branch(branch)?
        .read(move |state| {
            let mut open: Vec<_> = state
                .tickets()
                .filter(|t| !t.status.is_final())
                .map(|t| StaffTicket::of(state, t, now))
                .collect();
            open.sort_by_key(|t| (t.position.is_some(), t.position, t.id));
            open
        })
        .await?;
    Ok(axum::Json(tickets))
}

/// Finds a ticket by its visitor token; a malformed token is simply not found.
pub async fn by_token(app: &App, token: &str) -> Result<StoredTicket, ApiError> {
    let well_formed = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let found = if well_formed {
        app.store.ticket_by_token_hash(&sha256_hex(token)).await?
    } else {
        None
    };
    found.ok_or_else(|| DomainError::NotFound(Entity::Ticket).into())
}

/// Counts a public request of `peer` against its address's limit.
pub fn public_request(app: &App, peer: SocketAddr) -> Result<(), ApiError> {
    app.limits
        .public_by_address
        .take(&peer.ip().to_string())
        .map_err(ApiError::rate_limited)
}

pub async fn public_view(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Result<axum::Json<TicketView>, ApiError> {
    public_request(&app, peer)?;
    let StoredTicket {
        branch,
        ticket: stored,
    } = by_token(&app, &token).await?;
    let now = Timestamp::now();
    let view = app
        .branch(branch)?
        .read(move |state| {
            let ticket = state.ticket(stored.id).unwrap_or(&stored);
            state.ticket_view(ticket, now)
        })
        .await?;
    Ok(axum::Json(view))
}

/// The visitor gives up their ticket.
pub async fn cancel(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Result<axum::Json<TicketView>, ApiError> {
    public_request(&app, peer)?;
    let StoredTicket {
        branch,
        ticket: stored,
    } = by_token(&app, &token).await?;
    let view = app
        .branch(branch)?
        .execute(
            Command::Cancel { ticket: stored.id },
            move |state, events| {
                let at = events.first().map_or_else(Timestamp::now, |e| e.at);
                state.ticket(stored.id).map(|t| state.ticket_view(t, at))
            },
        )
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(axum::Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostponeRequest {
    seconds: u32,
}

/// To another service's queue, or (with `operator`) to one operator's personal queue.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    service: Option<ServiceId>,
    operator: Option<u64>,
    #[serde(default = "back")]
    position: TransferPosition,
    /// Come back to the current service after the new one.
    #[serde(default)]
    return_after: bool,
}

fn back() -> TransferPosition {
    TransferPosition::Back
}

/// `POST /tickets/{id}/{recall|start|finish|no-show|postpone|transfer}`.
pub async fn act(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path((key, action)): Path<(String, String)>,
    Body(body): Body,
) -> Result<axum::Json<StaffTicket>, ApiError> {
    let ticket = TicketId(
        key.parse()
            .map_err(|_| ApiError::from(DomainError::NotFound(Entity::Ticket)))?,
    );
    let by = principal.acting_operator();
    let command = match action.as_str() {
        "recall" => Command::Recall { ticket, by },
        "start" => Command::StartService { ticket, by },
        "finish" => Command::Finish { ticket, by },
        "no-show" => Command::NoShow { ticket, by },
        "postpone" => {
            let request: PostponeRequest = parse_body(&body)?;
            Command::Postpone {
                ticket,
                seconds: request.seconds,
                by,
            }
        }
        "transfer" => {
            let request: TransferRequest = parse_body(&body)?;
            match (request.service, request.operator) {
                (Some(service), None) => Command::Transfer {
                    ticket,
                    service,
                    position: request.position,
                    return_after: request.return_after,
                    by,
                },
                (None, Some(operator)) => {
                    let staff = app.store.user(operator).await?;
                    let serves = staff.is_some_and(|u| {
                        !u.disabled
                            && Role::parse(&u.role).is_some_and(|r| {
                                matches!(r, Role::Operator | Role::Manager | Role::Admin)
                            })
                    });
                    if !serves {
                        return Err(ApiError::invalid("operator is not a staff user who serves"));
                    }
                    Command::TransferToOperator {
                        ticket,
                        operator: OperatorId(operator),
                        by,
                    }
                }
                _ => {
                    return Err(ApiError::invalid(
                        "a transfer names either a service or an operator",
                    ));
                }
            }
        }
        _ => return Err(super::not_found().await),
    };
    let handle = app.ticket_branch(ticket).await?;
    principal.require_branch(handle.id)?;
    let view = handle
        .execute(command, StaffTicket::after)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(axum::Json(view))
}

/// Parses a JSON body that an action requires.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    crate::extract::parse_json(body)
}
