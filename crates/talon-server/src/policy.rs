//! Who may do what: each route declares the roles allowed beside its handler (`route!`), and one
//! middleware enforces it before any handler runs, so a body a caller may not send is never even
//! parsed. A route cannot be declared without an access rule; a request matched by no declared
//! rule is refused: access is granted, never assumed.
//!
//! The middleware also checks the branch a route names, by its `{branch}` or its `{workplace}`
//! (whose branch is known in memory): a caller bound to one branch touches no other. Resources
//! whose branch costs a lookup (a ticket by id, a user) are checked by their handlers with
//! [`Principal::require_branch`].

use crate::app::App;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::http::Route;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
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

pub use Access::{Public, Roles};
use Role::{Admin, Display, Kiosk, Manager, Operator, Receptionist};

/// The network administrator alone: branches, the whole network's users, its audit and its
/// configuration file.
pub const NETWORK: Access = Roles(&[Admin]);
/// Configuring a branch: its settings, services, workplaces, profiles, categories, devices,
/// staff.
pub const CONFIGURE: Access = Roles(&[Admin, Manager]);
/// Reading a branch's configuration.
pub const STAFF: Access = Roles(&[Admin, Manager, Receptionist, Operator]);
/// Following a branch live: state, events, announcements.
pub const EVERYONE_OF_BRANCH: Access =
    Roles(&[Admin, Manager, Receptionist, Operator, Kiosk, Display]);
/// Giving a visitor a ticket.
pub const ISSUE: Access = Roles(&[Admin, Manager, Receptionist, Operator, Kiosk]);
/// Working a workplace: calling, serving, transferring.
pub const SERVE: Access = Roles(&[Admin, Manager, Operator]);
/// Visitors' personal data: customer records and lookups.
pub const PERSONAL: Access = Roles(&[Admin, Manager, Receptionist, Operator]);
/// A visitor's request to see or erase their record.
pub const ERASE: Access = Roles(&[Admin, Manager]);
/// Planning: forecasts, staffing plans and simulations, the work of those who staff branches.
pub const PLAN: Access = Roles(&[Admin, Manager]);

/// The access of every route, from the routes' declarations: by path template, then method.
pub struct Policy(HashMap<String, Vec<(&'static str, Access)>>);

impl Policy {
    pub fn of(routes: &[Route]) -> Policy {
        let mut table: HashMap<String, Vec<(&'static str, Access)>> = HashMap::new();
        for r in routes {
            table
                .entry(r.path.clone())
                .or_default()
                .push((r.method, r.access));
        }
        Policy(table)
    }

    /// The access of `method` on the route `path`, if a route declares it.
    pub fn access(&self, method: &str, path: &str) -> Option<Access> {
        self.0
            .get(path)?
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, access)| *access)
    }

    /// Whether some route has this path, with whatever method.
    fn knows(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

/// The middleware: authenticates the caller of a route that needs one, checks the role and the
/// branch, and hands the caller to the handler.
pub async fn authorize(
    State((app, policy)): State<(Arc<App>, Arc<Policy>)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(path) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
    else {
        // No route matched: the fallback answers 404.
        return next.run(request).await;
    };
    let roles = match policy.access(request.method().as_str(), &path) {
        Some(Public) => return next.run(request).await,
        Some(Roles(roles)) => roles,
        // A known route asked with another method: the router answers 405.
        None if policy.knows(&path) => return next.run(request).await,
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
    fn every_route_is_declared_once_and_devices_never_configure() {
        let routes = crate::http::routes();
        for (i, r) in routes.iter().enumerate() {
            assert!(
                routes[i + 1..]
                    .iter()
                    .all(|o| (o.method, &o.path) != (r.method, &r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
        for r in &routes {
            if let Roles(roles) = r.access
                && r.method != "GET"
                && !r.path.ends_with("/tickets")
            {
                assert!(
                    !roles.contains(&Kiosk) && !roles.contains(&Display),
                    "a device may change {} {}",
                    r.method,
                    r.path
                );
            }
        }
        let policy = Policy::of(&routes);
        assert_eq!(
            policy.access("POST", "/api/v1/branches/{branch}/tickets"),
            Some(ISSUE)
        );
        assert_eq!(
            policy.access("PATCH", "/api/v1/branches/{branch}/tickets"),
            None
        );
        assert!(policy.knows("/api/v1/branches/{branch}/tickets"));
    }
}
