//! Who may do what: one table from each route (method and path template) to the roles allowed,
//! enforced by one middleware before any handler runs, so a body a caller may not send is never
//! even parsed. A route missing from the table is refused: access is granted, never assumed.
//!
//! The middleware also checks the branch a route names, by its `{branch}` or its `{workplace}`
//! (whose branch is known in memory): a caller bound to one branch touches no other. Resources
//! whose branch costs a lookup (a ticket by id, a user) are checked by their handlers with
//! [`Principal::require_branch`].

use crate::app::App;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use talon_core::{BranchId, WorkplaceId};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: visitors' pages, sign-in, health.
    Public,
    /// Callers with one of these roles.
    Roles(&'static [Role]),
}

use Access::{Public, Roles};
use Role::{Admin, Display, Kiosk, Manager, Operator, Receptionist};

/// The network administrator alone: branches, the whole network's users, its audit and its
/// configuration file.
const NETWORK: Access = Roles(&[Admin]);
/// Configuring a branch: its settings, services, workplaces, profiles, categories, devices,
/// staff.
const CONFIGURE: Access = Roles(&[Admin, Manager]);
/// Reading a branch's configuration.
const STAFF: Access = Roles(&[Admin, Manager, Receptionist, Operator]);
/// Following a branch live: state, events, announcements.
const EVERYONE_OF_BRANCH: Access = Roles(&[Admin, Manager, Receptionist, Operator, Kiosk, Display]);
/// Giving a visitor a ticket.
const ISSUE: Access = Roles(&[Admin, Manager, Receptionist, Operator, Kiosk]);
/// Working a workplace: calling, serving, transferring.
const SERVE: Access = Roles(&[Admin, Manager, Operator]);
/// Visitors' personal data: customer records and lookups.
const PERSONAL: Access = Roles(&[Admin, Manager, Receptionist, Operator]);
/// A visitor's request to see or erase their record.
const ERASE: Access = Roles(&[Admin, Manager]);

/// The policy: (method, route template, access). Routes outside `/api/v1` are pages and their
/// assets; the pages carry no data until their script calls the API with a token.
pub const POLICY: &[(&str, &str, Access)] = &[
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/logout", STAFF),
    ("GET", "/api/v1/users", CONFIGURE),
    ("POST", "/api/v1/users", CONFIGURE),
    ("PUT", "/api/v1/users/{id}/profiles", CONFIGURE),
    ("PUT", "/api/v1/users/{id}/disabled", CONFIGURE),
    ("GET", "/api/v1/audit", NETWORK),
    ("GET", "/api/v1/config", NETWORK),
    ("POST", "/api/v1/config", NETWORK),
    ("GET", "/api/v1/branches", EVERYONE_OF_BRANCH),
    ("POST", "/api/v1/branches", NETWORK),
    ("GET", "/api/v1/branches/{branch}", STAFF),
    ("PUT", "/api/v1/branches/{branch}", CONFIGURE),
    ("GET", "/api/v1/branches/{branch}/state", EVERYONE_OF_BRANCH),
    (
        "GET",
        "/api/v1/branches/{branch}/events",
        EVERYONE_OF_BRANCH,
    ),
    ("GET", "/api/v1/branches/{branch}/devices", CONFIGURE),
    ("POST", "/api/v1/branches/{branch}/devices", CONFIGURE),
    (
        "DELETE",
        "/api/v1/branches/{branch}/devices/{id}",
        CONFIGURE,
    ),
    ("POST", "/api/v1/branches/{branch}/pairings", CONFIGURE),
    ("POST", "/api/v1/pair", Public),
    ("GET", "/pair", Public),
    (
        "GET",
        "/api/v1/branches/{branch}/announcement",
        EVERYONE_OF_BRANCH,
    ),
    (
        "GET",
        "/api/v1/branches/{branch}/announcement.wav",
        EVERYONE_OF_BRANCH,
    ),
    ("POST", "/api/v1/branches/{branch}/services", CONFIGURE),
    ("PUT", "/api/v1/branches/{branch}/services/{id}", CONFIGURE),
    (
        "DELETE",
        "/api/v1/branches/{branch}/services/{id}",
        CONFIGURE,
    ),
    ("POST", "/api/v1/branches/{branch}/workplaces", CONFIGURE),
    (
        "PUT",
        "/api/v1/branches/{branch}/workplaces/{id}",
        CONFIGURE,
    ),
    (
        "DELETE",
        "/api/v1/branches/{branch}/workplaces/{id}",
        CONFIGURE,
    ),
    ("POST", "/api/v1/branches/{branch}/profiles", CONFIGURE),
    (
        "POST",
        "/api/v1/branches/{branch}/profiles/preview",
        CONFIGURE,
    ),
    ("PUT", "/api/v1/branches/{branch}/profiles/{id}", CONFIGURE),
    (
        "DELETE",
        "/api/v1/branches/{branch}/profiles/{id}",
        CONFIGURE,
    ),
    ("POST", "/api/v1/branches/{branch}/categories", CONFIGURE),
    (
        "PUT",
        "/api/v1/branches/{branch}/categories/{id}",
        CONFIGURE,
    ),
    (
        "DELETE",
        "/api/v1/branches/{branch}/categories/{id}",
        CONFIGURE,
    ),
    ("POST", "/api/v1/branches/{branch}/customers", PERSONAL),
    (
        "POST",
        "/api/v1/branches/{branch}/customers/lookup",
        PERSONAL,
    ),
    ("POST", "/api/v1/branches/{branch}/customers/forget", ERASE),
    ("POST", "/api/v1/branches/{branch}/customers/export", ERASE),
    ("GET", "/api/v1/branches/{branch}/tickets", STAFF),
    ("POST", "/api/v1/branches/{branch}/tickets", ISSUE),
    ("GET", "/api/v1/branches/{branch}/me/today", SERVE),
    ("GET", "/api/v1/tickets/{key}", Public),
    ("DELETE", "/api/v1/tickets/{key}", Public),
    ("GET", "/api/v1/tickets/{key}/events", Public),
    ("POST", "/api/v1/tickets/{key}/{action}", SERVE),
    ("POST", "/api/v1/workplaces/{workplace}/call-next", SERVE),
    ("POST", "/api/v1/workplaces/{workplace}/call", SERVE),
    ("POST", "/api/v1/workplaces/{workplace}/{action}", SERVE),
    ("GET", "/api/openapi.json", Public),
    ("GET", "/", Public),
    ("GET", "/health", Public),
    ("GET", "/metrics", Public),
    ("GET", "/operator", Public),
    ("GET", "/admin", Public),
    ("GET", "/kiosk/{branch}", Public),
    ("GET", "/display/{branch}", Public),
    ("GET", "/display/{branch}/workplace/{workplace}", Public),
    ("GET", "/t/{token}", Public),
    ("GET", "/t/{token}/print", Public),
    ("GET", "/t/{token}/qr.svg", Public),
    ("POST", "/t/{token}/cancel", Public),
    ("GET", "/assets/{file}", Public),
    ("GET", "/favicon.ico", Public),
];

/// The access of `method` on the route `path`, if the table names it.
pub fn access(method: &str, path: &str) -> Option<Access> {
    POLICY
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, access)| *access)
}

/// The middleware: authenticates the caller of a route that needs one, checks the role and the
/// branch, and hands the caller to the handler.
pub async fn authorize(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(path) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
    else {
        // No route matched: the fallback answers 404.
        return next.run(request).await;
    };
    let roles = match access(request.method().as_str(), &path) {
        Some(Public) => return next.run(request).await,
        Some(Roles(roles)) => roles,
        // A known route asked with another method: the router answers 405.
        None if ["GET", "POST", "PUT", "DELETE"]
            .iter()
            .any(|m| access(m, &path).is_some()) =>
        {
            return next.run(request).await;
        }
        None => {
            tracing::error!(%path, "a route has no access policy; refused");
            return ApiError::forbidden().into_response();
        }
    };
    let (mut parts, body) = request.into_parts();
    let checked = check(&app, &mut parts, roles).await;
    match checked {
        Ok(principal) => {
            parts.extensions.insert(principal);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refused) => refused.into_response(),
    }
}

async fn check(
    app: &App,
    parts: &mut axum::http::request::Parts,
    roles: &[Role],
) -> Result<Principal, ApiError> {
    let principal = Principal::authenticate(parts, app).await?;
    if !roles.contains(&principal.role) {
        return Err(ApiError::forbidden());
    }
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| ApiError::forbidden())?;
    for (name, value) in &params {
        let branch = match name {
            "branch" => value.parse().ok().map(BranchId),
            "workplace" => value
                .parse()
                .ok()
                .and_then(|id| app.branches.workplace_branch(WorkplaceId(id))),
            _ => None,
        };
        // An unknown branch or workplace is the handler's 404, not a refusal.
        if let Some(branch) = branch {
            principal.require_branch(branch)?;
        }
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_operation_has_a_policy() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("openapi.json")).expect("the OpenAPI document");
        let paths = document["paths"].as_object().expect("paths");
        for (path, operations) in paths {
            // The document names path parameters for readers; the router's names differ.
            let route = path
                .replace("/api/v1/tickets/{token}", "/api/v1/tickets/{key}")
                .replace("/api/v1/tickets/{id}/", "/api/v1/tickets/{key}/");
            for method in operations.as_object().expect("operations").keys() {
                let method = method.to_uppercase();
                let known = access(&method, &route).is_some()
                    || POLICY
                        .iter()
                        .any(|(m, p, _)| *m == method && route_matches(p, &route));
                assert!(known, "{method} {path} has no access policy");
            }
        }
    }

    /// Whether a documented concrete path (`/tickets/{id}/recall`) falls under a template with
    /// a parameter in its place (`/tickets/{key}/{action}`).
    fn route_matches(template: &str, path: &str) -> bool {
        let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter()
                .zip(&p)
                .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
    }

    #[test]
    fn the_table_names_each_route_once_and_devices_never_configure() {
        for (i, (m, p, _)) in POLICY.iter().enumerate() {
            assert!(
                POLICY[i + 1..].iter().all(|(m2, p2, _)| (m2, p2) != (m, p)),
                "{m} {p} twice"
            );
        }
        for (m, p, access) in POLICY {
            if let Roles(roles) = access
                && *m != "GET"
                && !p.ends_with("/tickets")
            {
                assert!(
                    !roles.contains(&Kiosk) && !roles.contains(&Display),
                    "a device may change {m} {p}"
                );
            }
        }
    }
}
