//! The audit log: who did what, when, in which branch, and how it ended.
//!
//! A middleware records, after the handler answered: every state-changing request of a staff
//! user (whatever its outcome, refusals included), every sign-in attempt (a staff login or a
//! device entering its pairing code), every request to a route of visitors' personal data by
//! anyone, and every other state-changing request that carried a visitor's identifier (a ticket
//! issued with an identification). Kiosks issuing plain tickets and displays following the
//! branch are not staff and are not recorded: they are most of the traffic and say nothing about
//! who touched what.
//!
//! A record holds the route's template, never its concrete URL, and the path's numeric ids,
//! never a ticket token; of a visitor's identifier only its kind, never its value; of a sign-in
//! the username, never the password. Handlers tell the middleware what only they know (the
//! caller, the username given, the kind of an identifier) through a task-local note, so the
//! middleware reads no request body and costs no extra lookup of the caller.
//!
//! Sign-ins refused by a rate limit before their password check are summarised instead, one
//! record per address, username and window (`refusals.rs`).
//!
//! The append is awaited before the answer leaves: an acknowledged action has its record
//! committed. It goes through the store's writer and its group commit, beside the branches'
//! commits. Nothing is acknowledged without its record: when the append fails, the answer is
//! `503 audit_unavailable` whatever the handler answered, and the caller checks before trying
//! again (the action may have been done).

use crate::app::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::Query;
use crate::identity::IdentifierKind;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, RequestExt};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::Arc;
use talon_core::{BranchId, WorkplaceId};
use talon_store::{AuditEntry, AuditRecord};

/// Sign-ins, recorded whatever their outcome: a pairing code is a device's password.
const LOGIN: &str = "/api/v1/auth/login";
const PAIR: &str = "/api/v1/pair";

/// Every route under this prefix reads or changes visitors' personal data.
const PERSONAL: &str = "/api/v1/branches/{branch}/customers";

/// The longest username a record keeps; longer ones are not usernames (`Username`).
const MAX_NAME: usize = crate::auth::MAX_USERNAME_CHARS;

/// The caller's role in a record when no valid token came with the request.
const ANONYMOUS: &str = "anonymous";

/// What a page of `GET /api/v1/audit` holds at most, and by default.
const MAX_PAGE: u32 = 1000;
const DEFAULT_PAGE: u32 = 100;

tokio::task_local! {
    /// What the layers and the handler of the request being served noted for its record.
    static NOTES: RefCell<Notes>;
}

#[derive(Default)]
struct Notes {
    caller: Option<Principal>,
    username: Option<String>,
    identification: Option<IdentifierKind>,
}

fn note(change: impl FnOnce(&mut Notes)) {
    // Outside a request (a unit test, a worker) there is nothing to record.
    let _ = NOTES.try_with(|notes| change(&mut notes.borrow_mut()));
}

/// Notes the authenticated caller of the request.
pub fn note_caller(principal: &Principal) {
    note(|notes| notes.caller = Some(principal.clone()));
}

/// Notes the username a sign-in attempt gave.
pub fn note_login(username: &str) {
    let name: String = username.chars().take(MAX_NAME).collect();
    note(|notes| notes.username = Some(name));
}

/// Notes that the request carried a visitor's identifier of this kind.
pub fn note_identification(kind: IdentifierKind) {
    note(|notes| notes.identification = Some(kind));
}

/// The middleware: runs the request, then records it if it is one the log keeps.
pub async fn record(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
    else {
        // No route matched: nothing was done, and there is no template to name.
        return next.run(request).await;
    };
    let method = request.method().clone();
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| crate::client::client_address(c.0.ip(), request.headers(), &app.trusted_proxies));
    let changes = [Method::POST, Method::PUT, Method::DELETE, Method::PATCH].contains(&method);
    let personal = route.starts_with(PERSONAL);
    if !changes && !personal {
        // Reads (state, events, pages) are most requests; none of them is recorded.
        return next.run(request).await;
    }
    let params: Vec<(String, String)> = request
        .extract_parts::<RawPathParams>()
        .await
        .map(|params| {
            params
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let at = Timestamp::now();
    let (response, notes) = NOTES
        .scope(RefCell::new(Notes::default()), async {
            let response = next.run(request).await;
            (response, NOTES.with(RefCell::take))
        })
        .await;
    let sign_in = method == Method::POST && (route == LOGIN || route == PAIR);
    let staff = notes.caller.as_ref().is_some_and(|c| c.role.is_staff());
    if !(sign_in || personal || notes.identification.is_some() || (changes && staff)) {
        return response;
    }
    let outcome = response.status().as_u16();
    // A sign-in refused before its password check is counted into a summary, not recorded on
    // its own: a flood of them would flood the log.
    if sign_in
        && outcome == 429
        && let Some(peer) = peer
    {
        app.refusals.note(peer, notes.username, &route, at);
        return response;
    }
    let entry = entry(&app, at, &method, route, &params, notes, outcome).await;
    match app.store.append_audit(entry).await {
        Ok(_) => response,
        // Nothing is acknowledged without its record: the caller learns that its action may
        // have been done but was not recorded, and checks before trying again.
        Err(error) => {
            tracing::error!(%error, "an audit record could not be written");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "audit_unavailable",
                "the action could not be recorded in the audit log, so it is not \
                 acknowledged; it may have been done: check before trying again",
            )
            .into_response()
        }
    }
}

async fn entry(
    app: &App,
    at: Timestamp,
    method: &Method,
    route: String,
    params: &[(String, String)],
    notes: Notes,
    outcome: u16,
) -> AuditEntry {
    let mut target = Map::new();
    let mut branch = None;
    for (name, value) in params {
        match name.as_str() {
            "branch" | "workplace" | "id" => {
                let Ok(id) = value.parse::<u64>() else {
                    continue;
                };
                target.insert(name.clone(), Value::from(id));
                branch = branch.or(match name.as_str() {
                    "branch" => Some(BranchId(id)),
                    "workplace" => app.branches.workplace_branch(WorkplaceId(id)),
                    _ => None,
                });
            }
            // A ticket's id; the same place holds a visitor's token on the public routes,
            // which is never a number and never kept.
            "key" => {
                if let Ok(id) = value.parse::<u64>() {
                    target.insert("ticket".into(), Value::from(id));
                }
            }
            _ => {}
        }
    }
    if let Some(kind) = notes.identification {
        target.insert("identification".into(), Value::from(kind.as_str()));
    }
    let actor = match notes.caller {
        Some(caller) => Actor {
            name: match caller.user_id {
                Some(_) => None,
                None => device_name(app, &caller).await,
            },
            user: caller.user_id,
            role: caller.role.as_str().to_string(),
            branch: caller.branch,
        },
        None => signed_in(app, notes.username, outcome).await,
    };
    AuditEntry {
        at,
        user: actor.user,
        name: actor.name,
        role: actor.role,
        // A caller bound to a branch acts only there; a ticket's own branch would cost a read.
        branch: branch.or(actor.branch),
        action: format!("{method} {route}"),
        target: Value::Object(target),
        outcome,
    }
}

/// The name a device was created with: a device has no user id to name it by.
async fn device_name(app: &App, caller: &Principal) -> Option<String> {
    app.store
        .token(&caller.token_hash, Timestamp::now())
        .await
        .ok()
        .flatten()
        .and_then(|t| t.name)
}

struct Actor {
    user: Option<u64>,
    name: Option<String>,
    role: String,
    /// The branch the actor belongs to, if one.
    branch: Option<BranchId>,
}

/// A caller without a valid token: anonymous, or at a sign-in the username given and, if it
/// succeeded, the user who signed in.
async fn signed_in(app: &App, username: Option<String>, outcome: u16) -> Actor {
    let user = match &username {
        Some(username) if (200..300).contains(&outcome) => {
            app.store.user_by_username(username).await.ok().flatten()
        }
        _ => None,
    };
    Actor {
        user: user.as_ref().map(|u| u.id),
        name: username,
        role: user
            .as_ref()
            .map_or_else(|| ANONYMOUS.to_string(), |u| u.role.clone()),
        branch: user.and_then(|u| u.branch),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The page starts after this record.
    after: Option<u64>,
    /// Records per page, 1 to 1000; 100 by default.
    limit: Option<u32>,
    /// Only this branch's records.
    branch: Option<u64>,
}

/// An audit record with its place in the hash chain.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AuditRecord)]
pub struct AuditView {
    seq: u64,
    at: Timestamp,
    actor: ActorView,
    branch: Option<BranchId>,
    action: String,
    target: Value,
    outcome: u16,
    prev_hash: String,
    hash: String,
}

/// Who acted: a staff user, the username given at sign-in, or a device's name.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActorView {
    user: Option<u64>,
    name: Option<String>,
    role: String,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        AuditView {
            seq: r.seq,
            at: r.entry.at,
            actor: ActorView {
                user: r.entry.user,
                name: r.entry.name,
                role: r.entry.role,
            },
            branch: r.entry.branch,
            action: r.entry.action,
            target: r.entry.target,
            outcome: r.entry.outcome,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

pub fn routes() -> Vec<crate::http::Route> {
    vec![crate::http::route::route!(crate::policy::NETWORK, list)]
}

/// A page of records in order. The next page starts after the last `seq` of this one.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    summary = "The audit log, in order",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of records.", body = Vec<AuditView>),
        (status = 400, description = "A query value is malformed. Codes: `invalid_query`.",
            body = crate::error::ErrorBody),
        (status = 422, description = "The limit is out of range. Codes: `validation_failed`.",
            body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(app): State<Arc<App>>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(format!("limit is 1 to {MAX_PAGE}")));
    }
    let records = app
        .store
        .audit_records(query.after.unwrap_or(0), limit, query.branch.map(BranchId))
        .await?;
    Ok(Json(records.into_iter().map(AuditView::from).collect()))
}
