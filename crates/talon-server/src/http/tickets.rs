//! Tickets: issuing, the visitor's public view and cancel, and the operator's actions on one.

use crate::app::App;
use crate::auth::{Principal, Role, random_hex, sha256_hex};
use crate::client::ClientAddress;
use crate::customers::category_of;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::identity::{Identifier, IdentifierInput};
use crate::policy::{ISSUE, Public, SERVE, STAFF};
use crate::printing::{self, TicketFacts};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use talon_core::{
    BranchId, BranchState, CallReason, CategoryId, Channel, Command, DomainError, Entity, Event,
    EventKind, Language, OperatorId, ServiceId, Ticket, TicketId, TicketStatus, TicketView,
    TransferPosition, WorkplaceId,
};
use talon_store::StoredTicket;
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(ISSUE, issue),
        route!(STAFF, list),
        route!(Public, public_view),
        route!(Public, cancel),
        route!(SERVE, recall),
        route!(SERVE, start),
        route!(SERVE, finish),
        route!(SERVE, no_show),
        route!(SERVE, postpone),
        route!(SERVE, transfer),
    ]
}

/// A ticket as staff and the issuing device see it.
#[derive(Debug, Serialize, ToSchema)]
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

/// A ticket to issue.
#[derive(Deserialize, ToSchema)]
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

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/tickets",
    tag = "tickets",
    summary = "Issue a ticket",
    description = "A kiosk's ticket is printed on its printer, if it has one (`printed`). A \
        visitor who identifies themself gets their category from the branch's record, else from \
        the CRM (one that does not answer in time gives none).",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "The ticket, with the visitor's link token (shown only \
            here).", body = StaffTicket),
        (status = 404, description = "Not found. Codes: `branch_not_found`, \
            `service_not_found`, `category_not_found`, `not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `branch_closed` (outside the \
            branch's hours or on one of its holidays), `service_closed`, `daily_limit_reached`, \
            `numbering_exhausted`.", body = ErrorBody),
    )
)]
pub async fn issue(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(branch): Path<BranchId>,
    headers: HeaderMap,
    Json(request): Json<IssueRequest>,
) -> Result<(StatusCode, axum::Json<StaffTicket>), ApiError> {
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

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/tickets",
    tag = "tickets",
    summary = "Open tickets: queued, in queue order, then those at workplaces",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "The open tickets.", body = Vec<StaffTicket>),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
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
pub fn public_request(app: &App, peer: IpAddr) -> Result<(), ApiError> {
    app.limits
        .public_by_address
        .take(&peer.to_string())
        .map_err(ApiError::rate_limited)
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{key}",
    tag = "tickets",
    summary = "The visitor's view of their ticket",
    description = "The key is the ticket's 128-bit link token; the view has no internal ids.",
    params(("key" = String, Path, description = "The ticket's link token.")),
    responses(
        (status = 200, description = "The ticket as its visitor sees it.", body = TicketView),
        (status = 404, description = "No such ticket, or its link has expired. Codes: \
            `ticket_not_found`.", body = ErrorBody),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn public_view(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
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

#[utoipa::path(
    delete,
    path = "/api/v1/tickets/{key}",
    tag = "tickets",
    summary = "The visitor gives up their ticket",
    params(("key" = String, Path, description = "The ticket's link token.")),
    responses(
        (status = 200, description = "The ticket, cancelled.", body = TicketView),
        (status = 404, description = "No such ticket. Codes: `ticket_not_found`.",
            body = ErrorBody),
        (status = 409, description = "Not possible now (it is being served or has ended). \
            Codes: `invalid_transition`.", body = ErrorBody),
        (status = 429, description = "Too many requests from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
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

/// How long to put a ticket back, in seconds from now.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostponeRequest {
    /// At most 86400.
    seconds: u32,
}

/// To another service's queue, or (with `operator`) to one operator's personal queue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    service: Option<ServiceId>,
    /// A staff user who works a workplace of the ticket's branch.
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

/// Whether user `id` can work the workplaces of `branch`: an enabled operator or manager of it,
/// or an operator bound to no branch. A ticket transferred to anyone else would wait where no one
/// in its branch sees it.
async fn works_in(app: &App, id: u64, branch: BranchId) -> Result<bool, ApiError> {
    let Some(user) = app.store.user(id).await? else {
        return Ok(false);
    };
    let role = Role::parse(&user.role);
    Ok(!user.disabled
        && match (role, user.branch) {
            (Some(Role::Operator | Role::Manager), Some(b)) => b == branch,
            (Some(Role::Operator), None) => true,
            _ => false,
        })
}

/// The ticket of a path, as a ticket id.
fn ticket_id(key: &str) -> Result<TicketId, ApiError> {
    key.parse()
        .map(TicketId)
        .map_err(|_| ApiError::from(DomainError::NotFound(Entity::Ticket)))
}

/// Runs an operator's action on a ticket of the caller's branch; answers the ticket after it.
async fn act(
    app: &App,
    principal: &Principal,
    ticket: TicketId,
    command: Command,
) -> Result<axum::Json<StaffTicket>, ApiError> {
    let handle = app.ticket_branch(ticket).await?;
    principal.require_branch(handle.id)?;
    let view = handle
        .execute(command, StaffTicket::after)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(axum::Json(view))
}

macro_rules! ticket_action {
    ($name:ident, $path:literal, $summary:literal, $codes:literal, $command:ident) => {
        #[utoipa::path(
            post,
            path = $path,
            tag = "tickets",
            summary = $summary,
            params(("key" = u64, Path, description = "Ticket id.")),
            responses(
                (status = 200, description = "The ticket after the action.", body = StaffTicket),
                (status = 403, description = "Not the caller's workplace or branch. Codes: \
                    `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
                (status = 404, description = "Not found. Codes: `ticket_not_found`, \
                    `workplace_not_found`.", body = ErrorBody),
                (status = 409, description = $codes, body = ErrorBody),
            )
        )]
        pub async fn $name(
            State(app): State<Arc<App>>,
            principal: Principal,
            Path(key): Path<String>,
        ) -> Result<axum::Json<StaffTicket>, ApiError> {
            let ticket = ticket_id(&key)?;
            let by = principal.acting_operator();
            act(&app, &principal, ticket, Command::$command { ticket, by }).await
        }
    };
}

ticket_action!(
    recall,
    "/api/v1/tickets/{key}/recall",
    "Call the ticket again",
    "Not possible now. Codes: `invalid_transition`.",
    Recall
);
ticket_action!(
    start,
    "/api/v1/tickets/{key}/start",
    "Start serving the called visitor",
    "Not possible now. Codes: `invalid_transition`.",
    StartService
);
ticket_action!(
    finish,
    "/api/v1/tickets/{key}/finish",
    "Finish the service",
    "Not possible now. Codes: `invalid_transition`.",
    Finish
);
ticket_action!(
    no_show,
    "/api/v1/tickets/{key}/no-show",
    "The called visitor did not come",
    "Not possible now. Codes: `invalid_transition`.",
    NoShow
);

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{key}/postpone",
    tag = "tickets",
    summary = "Put the ticket back in its queue from `seconds` from now",
    params(("key" = u64, Path, description = "Ticket id.")),
    request_body = PostponeRequest,
    responses(
        (status = 200, description = "The ticket, postponed.", body = StaffTicket),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `ticket_not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `invalid_transition`.",
            body = ErrorBody),
    )
)]
pub async fn postpone(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(key): Path<String>,
    Json(request): Json<PostponeRequest>,
) -> Result<axum::Json<StaffTicket>, ApiError> {
    let ticket = ticket_id(&key)?;
    let command = Command::Postpone {
        ticket,
        seconds: request.seconds,
        by: principal.acting_operator(),
    };
    act(&app, &principal, ticket, command).await
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{key}/transfer",
    tag = "tickets",
    summary = "Move the ticket to another service's queue, or to one operator's personal queue",
    description = "To a service: at the front, at the back or by the time the visitor first \
        arrived, optionally coming back to the current service afterwards. To an operator: any \
        staff user who can work this branch's workplaces; someone who does not exist or works \
        elsewhere gets the same answer.",
    params(("key" = u64, Path, description = "Ticket id.")),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "The ticket, transferred.", body = StaffTicket),
        (status = 403, description = "Not the caller's workplace or branch. Codes: \
            `not_your_workplace`, `forbidden`, `csrf_failed`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `ticket_not_found`, \
            `service_not_found`.", body = ErrorBody),
        (status = 409, description = "Not possible now. Codes: `invalid_transition`.",
            body = ErrorBody),
        (status = 422, description = "Neither or both of `service` and `operator`, or no \
            operator of the ticket's branch has the id. Codes: `validation_failed`.",
            body = ErrorBody),
    )
)]
pub async fn transfer(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(key): Path<String>,
    Json(request): Json<TransferRequest>,
) -> Result<axum::Json<StaffTicket>, ApiError> {
    let ticket = ticket_id(&key)?;
    let by = principal.acting_operator();
    let command = match (request.service, request.operator) {
        (Some(service), None) => Command::Transfer {
            ticket,
            service,
            position: request.position,
            return_after: request.return_after,
            by,
        },
        (None, Some(operator)) => {
            let branch = app.ticket_branch(ticket).await?.id;
            principal.require_branch(branch)?;
            if !works_in(&app, operator, branch).await? {
                // The same answer whether the user does not exist or works elsewhere: a
                // transfer reveals nothing of other branches' staff.
                return Err(ApiError {
                    field: Some("operator".into()),
                    ..ApiError::invalid("no operator of this branch has this id")
                });
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
    };
    act(&app, &principal, ticket, command).await
}
